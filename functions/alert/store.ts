import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';

import { documentClient } from '../shared/aws/dynamodb';
import { TransientError } from '../shared/errors';
import type { Memory } from './decide';

/**
 * The alert function's state, in the ledger table under its own key prefix `ALERT#` (so every
 * container agrees, and IAM can confine it there with `dynamodb:LeadingKeys`):
 * - `ALERT#DELIVERY#<hash of the content key>` / `DELIVERY`: one per message. Claimed with a
 *   conditional write (the dedupe), it records each channel's delivery, so a retry sends only to
 *   the channels that have not had it, and ends `done`. Kept {@link DELIVERY_TTL_DAYS} days.
 * - `ALERT#ALARM#<alarm name>` and `ALERT#BAKE#<pipeline>` / `STATE`: the memory `decide.ts`
 *   reads (what was last sent, what was held back), written under an optimistic version.
 */

/** How long a message is remembered: EventBridge and Lambda retry for at most 24 h and 6 h. */
export const DELIVERY_TTL_DAYS = 7;
/** Memory of an alarm or a pipeline outlives the longest window (a week) it is read for. */
export const MEMORY_TTL_DAYS = 30;

const PREFIX = 'ALERT#';
const DAY_S = 86_400;

const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

const ttlAfter = (now: Date, days: number): number => Math.floor(now.getTime() / 1000) + days * DAY_S;

/** Key items by a hash: alarm names run to 255 characters and content keys join several. */
export const deliveryKey = (contentKey: string) => ({
  pk: `${PREFIX}DELIVERY#${createHash('sha256').update(contentKey).digest('hex').slice(0, 40)}`,
  sk: 'DELIVERY',
});
const memoryItemKey = (memoryKey: string) => ({ pk: `${PREFIX}${memoryKey}`, sk: 'STATE' });

/** A channel's state in a delivery: `sent`, or `failed` for good (counted, not retried). */
export type ChannelState = 'sent' | 'failed';

export type Claim =
  /** Ours to deliver: `channels` holds what an earlier attempt already settled. */
  | { readonly kind: 'claimed'; readonly channels: Readonly<Record<string, ChannelState>> }
  | { readonly kind: 'done'; readonly outcome?: string }
  /** Another invocation holds it right now (a concurrent duplicate). */
  | { readonly kind: 'busy' };

/**
 * Claims the message for delivery: when nobody has it, when an earlier attempt left it unfinished
 * and its lease ran out, or when `holder` (the invocation's request id) already holds it.
 */
export const claimDelivery = async (
  tableName: string,
  contentKey: string,
  input: { eventId: string; holder: string; now: Date; leaseSeconds: number },
): Promise<Claim> => {
  const key = deliveryKey(contentKey);
  const nowS = Math.floor(input.now.getTime() / 1000);
  try {
    const out = await documentClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression:
          'SET #holder = :holder, #leaseUntil = :leaseUntil, #status = if_not_exists(#status, :pending), ' +
          '#channels = if_not_exists(#channels, :none), #eventId = if_not_exists(#eventId, :eventId), ' +
          '#contentKey = if_not_exists(#contentKey, :contentKey), #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression:
          'attribute_not_exists(#pk) OR (#status = :pending AND (#leaseUntil < :now OR #holder = :holder))',
        ExpressionAttributeNames: {
          '#pk': 'pk',
          '#holder': 'holder',
          '#leaseUntil': 'leaseUntil',
          '#status': 'status',
          '#channels': 'channels',
          '#eventId': 'eventId',
          '#contentKey': 'contentKey',
          '#ttl': 'ttl',
        },
        ExpressionAttributeValues: {
          ':holder': input.holder,
          ':leaseUntil': nowS + input.leaseSeconds,
          ':now': nowS,
          ':pending': 'pending',
          ':none': {},
          ':eventId': input.eventId,
          ':contentKey': contentKey.slice(0, 1024),
          ':ttl': ttlAfter(input.now, DELIVERY_TTL_DAYS),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { kind: 'claimed', channels: (out.Attributes?.channels ?? {}) as Record<string, ChannelState> };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const out = await documentClient().send(
    new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
  );
  if (out.Item?.status === 'done') return { kind: 'done', outcome: out.Item.outcome as string | undefined };
  return { kind: 'busy' };
};

/**
 * Records the channels settled in this attempt and, when `done`, closes the message; otherwise
 * releases the lease so Lambda's retry can take it over at once. Only the holder may write.
 */
export const saveDelivery = async (
  tableName: string,
  contentKey: string,
  input: { holder: string; channels: Readonly<Record<string, ChannelState>>; done: boolean; outcome: string },
): Promise<void> => {
  // DynamoDB refuses a declared name or value that no expression uses: declare only what this
  // update sets (a suppression settles no channel; a partly-sent attempt leaves the status).
  const names: Record<string, string> = {
    '#holder': 'holder',
    '#outcome': 'outcome',
    '#leaseUntil': 'leaseUntil',
  };
  const values: Record<string, unknown> = {
    ':holder': input.holder,
    ':outcome': input.outcome,
    ':released': 0,
  };
  const sets = Object.entries(input.channels).map(([channel, state], i) => {
    names['#channels'] = 'channels';
    names[`#c${i}`] = channel;
    values[`:c${i}`] = state;
    return `#channels.#c${i} = :c${i}`;
  });
  if (input.done) {
    names['#status'] = 'status';
    values[':done'] = 'done';
    sets.push('#status = :done');
  }
  sets.push('#outcome = :outcome', '#leaseUntil = :released');
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: deliveryKey(contentKey),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#holder = :holder',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new TransientError(`the delivery of ${contentKey} was taken over by another invocation: retry`, {
        cause: error,
      });
    }
    throw error;
  }
};

export interface StoredMemory {
  readonly memory: Memory;
  readonly version: number;
}

export const getMemory = async (tableName: string, memoryKey: string): Promise<StoredMemory | undefined> => {
  const out = await documentClient().send(
    new GetCommand({ TableName: tableName, Key: memoryItemKey(memoryKey), ConsistentRead: true }),
  );
  if (!out.Item) return undefined;
  return { memory: out.Item.memory as Memory, version: Number(out.Item.version ?? 0) };
};

/**
 * Stores a new memory provided nobody wrote one since `expectedVersion` (0: none was read);
 * otherwise a transient error: Lambda retries, and the retry reads and decides again.
 */
export const putMemory = async (
  tableName: string,
  memoryKey: string,
  memory: Memory,
  expectedVersion: number,
  now: Date,
): Promise<void> => {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...memoryItemKey(memoryKey),
          memory,
          version: expectedVersion + 1,
          updatedAt: now.toISOString(),
          ttl: ttlAfter(now, MEMORY_TTL_DAYS),
        },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#pk)' : '#version = :expected',
        ExpressionAttributeNames: expectedVersion === 0 ? { '#pk': 'pk' } : { '#version': 'version' },
        ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new TransientError(`alert memory ${memoryKey} changed since it was read: retry`, {
        cause: error,
      });
    }
    throw error;
  }
};
