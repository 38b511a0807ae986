import {
  boolean,
  object,
  optional,
  record,
  standardSchema,
  string,
  withDefault,
} from '../shared/standard-schema';

/**
 * The Function URL event, reduced to what the webhook reads. Lambda builds this envelope itself,
 * so nothing a caller sends can fail it: the method, the user agent and every other header are
 * judged in `run.ts`, after the token, where an odd request is a 401 or a 405 rather than a
 * permanent failure that pages the team. (Powertools' `LambdaFunctionUrlSchema` refuses methods
 * outside its list and a missing `userAgent`, before any token check.) Hand-written (see
 * `shared/standard-schema.ts`); the test holds it to its valibot twin.
 */
export interface FunctionUrlEvent {
  headers: Record<string, string>;
  body?: string | undefined;
  isBase64Encoded: boolean;
  requestContext: { requestId: string; http: { method: string } };
}

export const FunctionUrlEvent = standardSchema<FunctionUrlEvent>(
  object({
    headers: withDefault(record(string()), () => ({})),
    body: optional(string()),
    isBase64Encoded: withDefault(boolean, () => false),
    requestContext: object({
      requestId: string(),
      http: object({ method: string() }),
    }),
  }),
);
