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
 * inline (a webhook URL, a token) is refused with how to store it instead, never echoing it.
 */
export const SecretRef = v.union(
  [
    v.strictObject({
      parameter: v.pipe(v.string(), v.regex(/^\/[\w./-]+$/, 'must be a parameter path such as /a/b')),
    }),
    v.strictObject({ secretsManager: v.pipe(v.string(), v.minLength(1)) }),
  ],
  (issue) =>
    typeof issue.input === 'string'
      ? "is a secret, so it is never written in the config: store it as a SecureString parameter (aws ssm put-parameter --type SecureString --name /runner-autopilot/<name> --value '<secret>') and write `{ parameter: /runner-autopilot/<name> }` here, or `{ secretsManager: <secret name> }` for a Secrets Manager secret"
      : 'must be `{ parameter: /path }` (a SecureString parameter) or `{ secretsManager: <secret name> }`',
);
export type SecretRef = v.InferOutput<typeof SecretRef>;

export { describeSecretRef } from './secret-ref';

/** Edit distance between two words (Levenshtein), for "did you mean". */
const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (const [i, ca] of [...a].entries()) {
    const current = [i + 1];
    for (const [j, cb] of [...b].entries())
      current.push(Math.min(previous[j + 1]! + 1, current[j]! + 1, previous[j]! + (ca === cb ? 0 : 1)));
    previous = current;
  }
  return previous[b.length]!;
};

/** The known key nearest to `key` (case-insensitively), when it is close enough to be a typo. */
export const nearestKey = (key: string, known: readonly string[]): string | undefined => {
  const scored = known
    .map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
};
