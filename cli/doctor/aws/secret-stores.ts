import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { paginateDescribeParameters, SSMClient } from '@aws-sdk/client-ssm';

import { chunk } from '../../../functions/shared/chunk';
import { clientConfig } from '../../../functions/shared/aws/client-config';
import { memoClient } from '../../../functions/shared/aws/memo-client';

/**
 * Where the deployment's secrets live, asked by name only: DescribeParameters and DescribeSecret
 * return metadata, never a value (doctor never calls GetParameter or GetSecretValue on a secret).
 */

const ssm = /* @__PURE__ */ memoClient(() => new SSMClient(clientConfig));
const secretsManager = /* @__PURE__ */ memoClient(() => new SecretsManagerClient(clientConfig));
export const resetSecretStoreClients = (): void => {
  ssm.reset();
  secretsManager.reset();
};

/** A `Name` filter takes 1-50 values, and a DescribeParameters page at most 50 (SSM API reference). */
const NAMES_PER_CALL = 50;

/**
 * The type (`SecureString`, `String`, `StringList`) of each of `names` that exists, by name:
 * DescribeParameters with a `Name` `Equals` filter, 50 names a call, all pages. A name absent
 * from the map does not exist.
 */
export const describeParameterTypes = async (names: readonly string[]): Promise<Map<string, string>> => {
  const found = new Map<string, string>();
  for (const batch of chunk([...new Set(names)], NAMES_PER_CALL)) {
    for await (const page of paginateDescribeParameters(
      { client: ssm.get(), pageSize: NAMES_PER_CALL },
      { ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: batch }] },
    )) {
      for (const p of page.Parameters ?? []) if (p.Name) found.set(p.Name, p.Type ?? 'unknown');
    }
  }
  return found;
};

/**
 * A Secrets Manager secret's metadata, or undefined when there is none
 * (`ResourceNotFoundException`). `deletedAt` is set while it is scheduled for deletion: its value
 * cannot be read then (Secrets Manager API reference, DescribeSecret `DeletedDate`).
 */
export const describeSecret = async (name: string): Promise<{ deletedAt?: Date } | undefined> => {
  try {
    const out = await secretsManager.get().send(new DescribeSecretCommand({ SecretId: name }));
    return out.DeletedDate ? { deletedAt: out.DeletedDate } : {};
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
};
