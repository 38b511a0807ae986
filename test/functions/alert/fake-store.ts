import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export type Item = Record<string, unknown>;

export const keyOf = (key: Record<string, unknown> | undefined) => `${String(key?.pk)}|${String(key?.sk)}`;

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'condition', $metadata: {} });

/**
 * The ledger table in memory, interpreting exactly the commands the alert store and the ledger
 * send (the store's update expressions are not general enough for test/fakes/document-table.ts).
 * Returns the items, keyed `pk|sk`, for tests to seed and inspect.
 */
export const installAlertTable = (ddb: AwsClientStub<DynamoDBDocumentClient>): Map<string, Item> => {
  const items = new Map<string, Item>();
  ddb.on(GetCommand).callsFake((input: GetCommandInput) => ({ Item: items.get(keyOf(input.Key)) }));
  ddb.on(PutCommand).callsFake((input: PutCommandInput) => {
    const existing = items.get(keyOf(input.Item));
    const values = input.ExpressionAttributeValues ?? {};
    if (input.ConditionExpression === 'attribute_not_exists(#pk)' && existing) throw conditionFailed();
    if (input.ConditionExpression === '#version = :expected' && existing?.version !== values[':expected'])
      throw conditionFailed();
    items.set(keyOf(input.Item), input.Item!);
    return {};
  });
  ddb.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    const k = keyOf(input.Key);
    const existing = items.get(k);
    const v = input.ExpressionAttributeValues ?? {};
    if (input.ReturnValues === 'ALL_NEW') {
      const free =
        !existing ||
        (existing.status === 'pending' &&
          ((existing.leaseUntil as number) < (v[':now'] as number) || existing.holder === v[':holder']));
      if (!free) throw conditionFailed();
      const next = {
        ...input.Key,
        status: 'pending',
        channels: {},
        eventId: v[':eventId'],
        ...existing,
        holder: v[':holder'],
        leaseUntil: v[':leaseUntil'],
      };
      items.set(k, next);
      return { Attributes: next };
    }
    if (!existing || existing.holder !== v[':holder']) throw conditionFailed();
    const channels = { ...(existing.channels as Item) };
    for (const [placeholder, channel] of Object.entries(input.ExpressionAttributeNames ?? {})) {
      if (/^#c\d+$/.test(placeholder)) channels[channel] = v[`:${placeholder.slice(1)}`];
    }
    items.set(k, {
      ...existing,
      channels,
      ...(v[':done'] ? { status: 'done' } : {}),
      outcome: v[':outcome'],
      leaseUntil: 0,
    });
    return {};
  });
  return items;
};
