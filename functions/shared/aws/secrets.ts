import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import { SecretMissingError } from '../errors';
import { clientConfig, interactiveClientConfig } from './client-config';
import { memoClient } from './memo-client';
import type { SecretRef } from '../schema-primitives';
import { describeSecretRef } from '../secret-ref';

/**
 * Reads a secret (a SecureString parameter or a Secrets Manager secret) with the one command it
 * needs, cached per container for `maxAgeSeconds`. Not Powertools parameters: its providers
 * bundle commands we never send (GetParameters, GetParametersByPath, PutParameter), and each
 * function is held to the commands of its API-operation list. The value is trimmed: a value
 * written from a file often ends in a newline. An `interactive` read (the webhook's, which GitLab
 * times) uses the bounded client settings, so a store that never answers cannot hold the caller
 * past its deadline.
 */

/** Seconds a read secret is trusted: a rotation is picked up within this. */
export const DEFAULT_SECRET_MAX_AGE_S = 300;

/** Errors of the stores that mean "no such secret" rather than "try again". */
const MISSING = new Set(['ParameterNotFound', 'ParameterVersionNotFound', 'ResourceNotFoundException']);

const ssmClients = {
  batch: /* @__PURE__ */ memoClient(() => new SSMClient(clientConfig)),
  interactive: /* @__PURE__ */ memoClient(() => new SSMClient(interactiveClientConfig)),
};
const secretsClients = {
  batch: /* @__PURE__ */ memoClient(() => new SecretsManagerClient(clientConfig)),
  interactive: /* @__PURE__ */ memoClient(() => new SecretsManagerClient(interactiveClientConfig)),
};

/** Secret text by store and name, with when it was read (ms since the epoch). */
const cache = new Map<string, { readonly value: string; readonly readAt: number }>();

/** Drops the cache and the clients (tests). */
export const resetSecretCache = (): void => {
  cache.clear();
  for (const clients of [ssmClients, secretsClients]) {
    clients.batch.reset();
    clients.interactive.reset();
  }
};

const fetchSecret = async (ref: SecretRef, interactive: boolean): Promise<string | undefined> => {
  const mode = interactive ? 'interactive' : 'batch';
  if ('parameter' in ref) {
    const { Parameter } = await ssmClients[mode]
      .get()
      .send(new GetParameterCommand({ Name: ref.parameter, WithDecryption: true }));
    return Parameter?.Value;
  }
  const { SecretString, SecretBinary } = await secretsClients[mode]
    .get()
    .send(new GetSecretValueCommand({ SecretId: ref.secretsManager }));
  return SecretString ?? (SecretBinary ? Buffer.from(SecretBinary).toString('utf8') : undefined);
};

/**
 * The secret's text. Throws {@link SecretMissingError} when the store has no such secret or it is
 * empty; other store errors (throttling, access denied) are rethrown as they are: transient.
 */
export const readSecret = async (
  ref: SecretRef,
  options: { maxAgeSeconds?: number; forceFetch?: boolean; interactive?: boolean } = {},
): Promise<string> => {
  const where = describeSecretRef(ref);
  const maxAgeMs = (options.maxAgeSeconds ?? DEFAULT_SECRET_MAX_AGE_S) * 1000;
  let cached = cache.get(where);
  if (!cached || options.forceFetch || Date.now() - cached.readAt >= maxAgeMs) {
    let value: string | undefined;
    try {
      value = await fetchSecret(ref, options.interactive ?? false);
    } catch (error) {
      if (error instanceof Error && MISSING.has(error.name)) {
        throw new SecretMissingError(`${where} does not exist: create it`, { cause: error });
      }
      throw error;
    }
    // A blank answer is cached too: refusing it must not cost a store read per request.
    cached = { value: value?.trim() ?? '', readAt: Date.now() };
    cache.set(where, cached);
  }
  if (!cached.value) throw new SecretMissingError(`${where} is empty: store the value in it`);
  return cached.value;
};
