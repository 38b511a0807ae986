import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';

import type { SecretRef } from './schema-primitives';

/**
 * Reads a secret (a SecureString parameter or a Secrets Manager secret) through Powertools
 * parameters, cached per container for `maxAgeSeconds`. The providers are imported statically: a
 * dynamic `import()` in a one-file esbuild bundle keeps every command of both SDK clients (171
 * instead of the few the providers send), and the IAM test reads the bundle's commands as the
 * function's API calls. The value is trimmed: a value written from a file often ends in a newline.
 *
 * functions/gitlab-webhook/secret.ts predates this module and keeps its own copy (with its
 * re-read limiter); it can move onto `readSecret` without changing behaviour.
 */

export type { SecretRef };

/** Seconds a read secret is trusted: a rotation is picked up within this. */
export const DEFAULT_SECRET_MAX_AGE_S = 300;

/** The secret names nothing, or holds nothing: a retry cannot help until someone stores it. */
export class SecretMissingError extends Error {
  override readonly name = 'SecretMissingError';
}

/** Errors of the stores that mean "no such secret" rather than "try again". */
const MISSING = new Set([
  'ParameterNotFound',
  'ParameterVersionNotFound',
  'ResourceNotFoundException',
  // Powertools' own, when a store answers with no value at all.
  'ParameterNotFoundError',
]);

/** Where a ref points, for messages: a name, never a value. */
export const describeSecretRef = (ref: SecretRef): string =>
  'parameter' in ref ? `parameter ${ref.parameter}` : `secret ${ref.secretsManager}`;

/**
 * The secret's text. Throws {@link SecretMissingError} when the store has no such secret or it is
 * empty; other store errors (throttling, access denied) are rethrown as they are: transient.
 */
export const readSecret = async (
  ref: SecretRef,
  options: { maxAgeSeconds?: number; forceFetch?: boolean } = {},
): Promise<string> => {
  const maxAge = options.maxAgeSeconds ?? DEFAULT_SECRET_MAX_AGE_S;
  const forceFetch = options.forceFetch ?? false;
  const where = describeSecretRef(ref);
  let value: string | Uint8Array | undefined;
  try {
    if ('parameter' in ref) {
      value = await getParameter(ref.parameter, { decrypt: true, maxAge, forceFetch });
    } else {
      value = await getSecret(ref.secretsManager, { maxAge, forceFetch });
    }
  } catch (error) {
    // Powertools wraps the SDK's error in a GetParameterError whose `cause` is the original.
    const names =
      error instanceof Error ? [error.name, error.cause instanceof Error ? error.cause.name : ''] : [];
    if (names.some((n) => MISSING.has(n))) {
      throw new SecretMissingError(`${where} does not exist: create it`, { cause: error });
    }
    throw error;
  }
  const text = (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value)?.trim();
  if (!text) throw new SecretMissingError(`${where} is empty: store the value in it`);
  return text;
};
