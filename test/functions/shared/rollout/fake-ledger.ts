import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

import type { Lease, Rollout } from '../../../../functions/shared/rollout/model';

type Item = Record<string, unknown>;
type DocumentClientMock = AwsClientStub<DynamoDBDocumentClient>;

/**
 * The minimum of test/functions/shared/ledger.test.ts's in-memory table that the rollout steps
 * need: Put/Get/Delete with the condition expressions the ledger writes (`attribute_not_exists(#a)`,
 * `#a = :v`, `#a < :v`, joined by AND/OR). Anything else fails loudly. `crashOnNextSave()` makes
 * the next revision-checked Put of a rollout throw after nothing was written, as a Lambda timing
 * out between an AWS call and the ledger save would.
 */
export const fakeLedger = (ddb: DocumentClientMock, table: string) => {
  const items = new Map<string, Item>();
  const keyOf = (key: Item) => `${String(key.pk)}\u0000${String(key.sk)}`;
  const clone = (item: Item): Item => JSON.parse(JSON.stringify(item)) as Item;
  let crashes = 0;

  const evaluate = (
    expression: string | undefined,
    item: Item | undefined,
    names: Record<string, string> = {},
    values: Record<string, unknown> = {},
  ): boolean => {
    if (expression === undefined) return true;
    const attr = (alias: string) => {
      const name = names[alias];
      if (!name) throw new Error(`fake: undefined name ${alias}`);
      return item?.[name];
    };
    const value = (alias: string) => {
      if (!(alias in values)) throw new Error(`fake: undefined value ${alias}`);
      return values[alias];
    };
    const term = (t: string): boolean => {
      let m: RegExpMatchArray | null;
      if ((m = /^attribute_not_exists\((#\w+)\)$/.exec(t))) return attr(m[1] ?? '') === undefined;
      if ((m = /^(#\w+) (=|<) (:\w+)$/.exec(t))) {
        const a = attr(m[1] ?? '');
        const v = value(m[3] ?? '');
        if (a === undefined || typeof a !== typeof v) return false;
        return m[2] === '=' ? a === v : (a as string | number) < (v as string | number);
      }
      throw new Error(`fake: unsupported expression term "${t}"`);
    };
    return expression.split(' OR ').some((any) => any.split(' AND ').every(term));
  };
  const conditionFailed = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  const checkTable = (name: string | undefined) => {
    if (name !== table) throw new Error(`fake: unknown table ${name}`);
  };

  ddb.on(PutCommand).callsFake((input: PutCommandInput) => {
    checkTable(input.TableName);
    const item = input.Item ?? {};
    if (
      crashes > 0 &&
      String(item.sk).startsWith('ROLLOUT#') &&
      input.ConditionExpression?.includes('#revision')
    ) {
      crashes--;
      throw new Error('Task timed out after 60.00 seconds');
    }
    const existing = items.get(keyOf(item));
    if (
      !evaluate(
        input.ConditionExpression,
        existing,
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      )
    ) {
      throw conditionFailed();
    }
    items.set(keyOf(item), clone(item));
    return {};
  });
  ddb.on(GetCommand).callsFake((input: GetCommandInput) => {
    checkTable(input.TableName);
    const item = items.get(keyOf(input.Key ?? {}));
    return item ? { Item: clone(item) } : {};
  });
  ddb.on(DeleteCommand).callsFake((input: DeleteCommandInput) => {
    checkTable(input.TableName);
    const key = keyOf(input.Key ?? {});
    if (
      !evaluate(
        input.ConditionExpression,
        items.get(key),
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      )
    ) {
      throw conditionFailed();
    }
    items.delete(key);
    return {};
  });

  const rolloutKey = (fleet: string, candidateId: string) => ({
    pk: `FLEET#${fleet}`,
    sk: `ROLLOUT#${candidateId}`,
  });
  const leaseKey = (fleet: string) => ({ pk: `FLEET#${fleet}`, sk: 'LEASE' });
  const strip = <T>(item: Item | undefined): T | undefined =>
    item
      ? (Object.fromEntries(
          Object.entries(item).filter(([k]) => !['pk', 'sk', 'gsi1pk', 'gsi1sk', 'ttl'].includes(k)),
        ) as T)
      : undefined;

  return {
    /** Stores a rollout as the ledger would have (no call recorded on the mock). */
    seed: (rollout: Rollout): void => {
      const key = rolloutKey(rollout.fleet, rollout.candidateId);
      items.set(keyOf(key), clone({ ...rollout, ...key }));
    },
    /** Stores a manager lease as another holder would have. */
    seedLease: (lease: Lease): void => {
      const key = leaseKey(lease.fleet);
      items.set(keyOf(key), clone({ ...lease, ...key }));
    },
    rollout: (fleet: string, candidateId: string): Rollout | undefined =>
      strip<Rollout>(items.get(keyOf(rolloutKey(fleet, candidateId)))),
    lease: (fleet: string): Lease | undefined => strip<Lease>(items.get(keyOf(leaseKey(fleet)))),
    /** The next revision-checked save of a rollout fails before writing anything. */
    crashOnNextSave: (): void => {
      crashes++;
    },
  };
};
