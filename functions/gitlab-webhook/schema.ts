import * as v from '../shared/valibot';

/**
 * The Function URL event, reduced to what the webhook reads. Lambda builds this envelope itself,
 * so nothing a caller sends can fail it: the method, the user agent and every other header are
 * judged in `run.ts`, after the token, where an odd request is a 401 or a 405 rather than a
 * permanent failure that pages the team. (Powertools' `LambdaFunctionUrlSchema` refuses methods
 * outside its list and a missing `userAgent`, before any token check.)
 */
export const FunctionUrlEvent = v.object({
  headers: v.optional(v.record(v.string(), v.string()), {}),
  body: v.optional(v.string()),
  isBase64Encoded: v.optional(v.boolean(), false),
  requestContext: v.object({
    requestId: v.string(),
    http: v.object({ method: v.string() }),
  }),
});
export type FunctionUrlEvent = v.InferOutput<typeof FunctionUrlEvent>;
