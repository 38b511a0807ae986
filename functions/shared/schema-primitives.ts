import * as z from './zod';

/** Zod building blocks shared by the suite config and the function slices that reuse its parts. */

export { iamRole, name, securityGroupId, subnetId, timeZone } from './fleet-primitives';

/** An instance user name as useradd accepts it. */
export const unixUser = z
  .string()
  .check(z.regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a valid Linux user name'));

export const version = z.string().check(z.regex(/^\d+\.\d+\.\d+$/, 'use an exact version such as 1.2.3'));

/**
 * Where a secret lives: a SecureString parameter or a Secrets Manager secret. A secret written
 * inline (a webhook URL, a token) is refused with how to store it instead, never echoing it.
 */
export const SecretRef = z.union(
  [
    z.strictObject({
      parameter: z.string().check(z.regex(/^\/[\w./-]+$/, 'must be a parameter path such as /a/b')),
    }),
    z.strictObject({ secretsManager: z.string().check(z.minLength(1)) }),
  ],
  {
    error: (issue) =>
      typeof issue.input === 'string'
        ? "is a secret, so it is never written in the config: store it as a SecureString parameter (aws ssm put-parameter --type SecureString --name /runner-autopilot/<name> --value '<secret>') and write `{ parameter: /runner-autopilot/<name> }` here, or `{ secretsManager: <secret name> }` for a Secrets Manager secret"
        : undefined,
  },
);
export type SecretRef = z.infer<typeof SecretRef>;

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

/**
 * A parse-level error map: an unknown key of a strict object names the nearest known key, or lists
 * them all when none is near. Other issues keep zod's message.
 */
export const suggestKnownKeys: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const def = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
  const known = Object.keys(def?.shape ?? {});
  if (known.length === 0) return undefined;
  return issue.keys
    .map((key) => {
      const near = nearestKey(key, known);
      return near
        ? `unknown key "${key}": did you mean "${near}"?`
        : `unknown key "${key}"; the keys here are ${known.join(', ')}`;
    })
    .join('; ');
};
