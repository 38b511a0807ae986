import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';

import { SecretMissingError } from '../errors';
import { clientConfig, interactiveClientConfig } from './client-config';
import { describeSecretRef, type SecretRef } from '../schema-primitives';

/**
 * Reads a secret (a SecureString parameter or a Secrets Manager secret) through Powertools
 * parameters, cached per container for `maxAgeSeconds`. The providers are imported statically: a
 * dynamic `import()` in a one-file esbuild bundle keeps every command of both SDK clients (171
 * instead of the few the providers send), and the IAM test reads the bundle's commands as the
 * function's API calls. The value is trimmed: a value written from a file often ends in a newline.
 * An `interactive` read (the webhook's, which GitLab times) uses the bounded client settings, so a
 * store that never answers cannot hold the caller past its deadline.
 */

/** Seconds a read secret is trusted: a rotation is picked up within this. */
export const DEFAULT_SECRET_MAX_AGE_S = 300;

/** Errors of the stores that mean "no such secret" rather than "try again". */
const MISSING = new Set([
  'ParameterNotFound',
  'ParameterVersionNotFound',
  'ResourceNotFoundException',
  // Powertools' own, when a store answers with no value at all.
  'ParameterNotFoundError',
]);

interface Providers {
  readonly ssm: SSMProvider;
  readonly secrets: SecretsProvider;
}
const providers = new Map<boolean, Providers>();
/** One pair of providers per client setting: a provider's cache lives on the instance. */
const providersFor = (interactive: boolean): Providers => {
  let found = providers.get(interactive);
  if (!found) {
    const config = interactive ? interactiveClientConfig : clientConfig;
    found = {
      ssm: new SSMProvider({ clientConfig: config }),
      secrets: new SecretsProvider({ clientConfig: config }),
    };
    providers.set(interactive, found);
  }
  return found;
};
/** Drops the providers and their caches (tests). */
export const resetSecretProviders = (): void => {
  providers.clear();
};

/**
 * The secret's text. Throws {@link SecretMissingError} when the store has no such secret or it is
 * empty; other store errors (throttling, access denied) are rethrown as they are: transient.
 */
export const readSecret = async (
  ref: SecretRef,
  options: { maxAgeSeconds?: number; forceFetch?: boolean; interactive?: boolean } = {},
): Promise<string> => {
  const { ssm, secrets } = providersFor(options.interactive ?? false);
  const maxAge = options.maxAgeSeconds ?? DEFAULT_SECRET_MAX_AGE_S;
  const forceFetch = options.forceFetch ?? false;
  const where = describeSecretRef(ref);
  let value: string | Uint8Array | undefined;
  try {
    if ('parameter' in ref) {
      value = await ssm.get(ref.parameter, { decrypt: true, maxAge, forceFetch });
    } else {
      value = await secrets.get(ref.secretsManager, { maxAge, forceFetch });
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
