import * as z from '../shared/zod';

/**
 * The Function URL event, reduced to what the webhook reads. Lambda builds this envelope itself,
 * so nothing a caller sends can fail it: the method, the user agent and every other header are
 * judged in `run.ts`, after the token, where an odd request is a 401 or a 405 rather than a
 * permanent failure that pages the team. (Powertools' `LambdaFunctionUrlSchema` refuses methods
 * outside its list and a missing `userAgent`, before any token check.)
 */
export const FunctionUrlEvent = z.object({
  headers: z._default(z.record(z.string(), z.string()), {}),
  body: z.optional(z.string()),
  isBase64Encoded: z._default(z.boolean(), false),
  requestContext: z.object({
    requestId: z.string(),
    http: z.object({ method: z.string() }),
  }),
});
export type FunctionUrlEvent = z.infer<typeof FunctionUrlEvent>;
