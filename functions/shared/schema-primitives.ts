import { secretRefRefusal } from './secret-ref';
import * as v from './valibot';

/** Schema building blocks shared by the suite config and the function slices that reuse its parts. */

export { iamRole, name, securityGroupId, subnetId, timeZone } from './fleet-primitives';

/** An instance user name as useradd accepts it. */
export const unixUser = v.pipe(
  v.string(),
  v.regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a valid Linux user name'),
);

export const version = v.pipe(v.string(), v.regex(/^\d+\.\d+\.\d+$/, 'use an exact version such as 1.2.3'));

/**
 * Where a secret lives: a SecureString parameter or a Secrets Manager secret. A secret written
 * inline (a webhook URL, a token) is refused with how to store it instead, never echoing it; a
 * misspelt key is named, with the key meant.
 */
export const SecretRef = v.union(
  [
    v.strictObject({
      parameter: v.pipe(v.string(), v.regex(/^\/[\w./-]+$/, 'must be a parameter path such as /a/b')),
    }),
    v.strictObject({ secretsManager: v.pipe(v.string(), v.minLength(1)) }),
  ],
  ({ input }) => secretRefRefusal(input),
);
export type SecretRef = v.InferOutput<typeof SecretRef>;

export { describeSecretRef } from './secret-ref';
