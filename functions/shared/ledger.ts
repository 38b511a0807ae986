import {
  DeleteCommand,
  GetCommand,
  paginateQuery,
  PutCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

import { documentClient } from './aws/dynamodb';
import { TransientError } from './errors';
import { LEDGER_SCHEMA } from './ledger-schema';
import { type Brake, FINAL_STATES, type Lease, type Rollout } from './rollout/model';

/**
 * The rollout ledger: one DynamoDB table (infra/rollout/ledger-table.ts) holding, per fleet
 * (`pk = FLEET#<fleet>`), one item per rollout (`sk = ROLLOUT#<candidateId>`) and the fleet's
 * manager lease (`sk = LEASE`); an emergency brake is `sk = BRAKE` under its fleet, or under
 * `FLEET#*` for every fleet. Live rollouts are also in the sparse index `byWaiting`, which the
 * reconciler queries; final ones leave it. Items are the plain attributes of a `Rollout` or a
 * `Lease` plus these keys, which reading strips again.
 *
 * Throttling and other SDK errors are retried by the SDK (clientConfig) and then rethrown as they
 * are: unknown errors count as transient, so Lambda retries the event.
 */

/** History entries kept per rollout (oldest dropped): keeps an item far below DynamoDB's 400 KB. */
export const HISTORY_LIMIT = 100;

const WAITING = 'WAITING';
const ROLLOUT_PREFIX = 'ROLLOUT#';
const LEASE_SK = 'LEASE';
const BRAKE_SK = 'BRAKE';
/** Expired leases stay this long before DynamoDB's TTL removes them (their holder is kept for a look). */
const LEASE_TTL_GRACE_SECONDS = 24 * 60 * 60;
const KEY_ATTRIBUTES: ReadonlySet<string> = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'ttl']);

/**
 * Another writer saved the rollout since it was read (or a redelivery already did this step).
 * Transient on purpose: Lambda retries, and the step re-reads the item and decides again.
 */
export class StaleRevisionError extends TransientError {
  constructor(
    readonly fleet: string,
    readonly candidateId: string,
    readonly expectedRevision: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      `rollout ${candidateId} of fleet ${fleet} is no longer at revision ${expectedRevision} (or no longer exists): re-read it and decide again`,
      options,
    );
  }
}

const fleetKey = (fleet: string): string => `FLEET#${fleet}`;
const rolloutKey = (fleet: string, candidateId: string) => ({
  pk: fleetKey(fleet),
  sk: `${ROLLOUT_PREFIX}${candidateId}`,
});
const leaseKey = (fleet: string) => ({ pk: fleetKey(fleet), sk: LEASE_SK });
const brakeKey = (scope: string) => ({ pk: fleetKey(scope), sk: BRAKE_SK });

const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

const stripKeys = <T>(item: Record<string, unknown>): T =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name))) as T;

/** The rollout as stored: history capped, keys added, and the index keys only while it is live. */
const capHistory = (rollout: Rollout): Rollout => ({
  ...rollout,
  history: rollout.history.slice(-HISTORY_LIMIT),
});
const rolloutItem = (rollout: Rollout): Record<string, unknown> => ({
  ...rollout,
  ...rolloutKey(rollout.fleet, rollout.candidateId),
  ...(FINAL_STATES.has(rollout.state)
    ? {}
    : {
        gsi1pk: WAITING,
        // Normalised so the index sorts by time whatever ISO form the caller wrote.
        gsi1sk: `${new Date(rollout.stateSince).toISOString()}#${rollout.fleet}#${rollout.candidateId}`,
      }),
});

const queryAll = async (input: QueryCommandInput): Promise<Rollout[]> => {
  const rollouts: Rollout[] = [];
  for await (const page of paginateQuery({ client: documentClient() }, input)) {
    rollouts.push(...(page.Items ?? []).map((item) => stripKeys<Rollout>(item)));
  }
  return rollouts;
};

export const getRollout = async (
  tableName: string,
  fleet: string,
  candidateId: string,
): Promise<Rollout | undefined> => {
  const out = await documentClient().send(
    new GetCommand({ TableName: tableName, Key: rolloutKey(fleet, candidateId), ConsistentRead: true }),
  );
  return out.Item ? stripKeys<Rollout>(out.Item) : undefined;
};

/** Writes a new rollout; `'exists'` when it is already there (a redelivered event), which is left untouched. */
export const createRollout = async (tableName: string, rollout: Rollout): Promise<'created' | 'exists'> => {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName,
        Item: rolloutItem(capHistory(rollout)),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
      }),
    );
    return 'created';
  } catch (error) {
    if (isConditionFailure(error)) return 'exists';
    throw error;
  }
};

/**
 * Replaces the rollout with `next` at `expectedRevision + 1`, provided the stored one is still at
 * `expectedRevision`; otherwise throws `StaleRevisionError`. The whole item is replaced, so an
 * attribute left out of `next` (and the index keys of a final state) is removed. Returns what was
 * stored: history capped to its last `HISTORY_LIMIT` entries, the new revision.
 */
export const saveRollout = async (
  tableName: string,
  next: Rollout,
  expectedRevision: number,
): Promise<Rollout> => {
  const saved = capHistory({ ...next, revision: expectedRevision + 1 });
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName,
        Item: rolloutItem(saved),
        ConditionExpression: '#revision = :expected',
        ExpressionAttributeNames: { '#revision': 'revision' },
        ExpressionAttributeValues: { ':expected': expectedRevision },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new StaleRevisionError(next.fleet, next.candidateId, expectedRevision, { cause: error });
    }
    throw error;
  }
  return saved;
};

/** Every rollout of the fleet (all pages, read consistently), the one that entered its state last first. */
export const listFleetRollouts = async (tableName: string, fleet: string): Promise<Rollout[]> => {
  const rollouts = await queryAll({
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
    ExpressionAttributeValues: { ':pk': fleetKey(fleet), ':prefix': ROLLOUT_PREFIX },
    ConsistentRead: true,
  });
  return rollouts.sort((a, b) => Date.parse(b.stateSince) - Date.parse(a.stateSince));
};

/**
 * Every live (non-final) rollout of every fleet that entered its current state strictly before
 * `enteredBefore`, oldest first (all pages). The index is eventually consistent: re-read an item
 * with `getRollout` before acting on it.
 */
export const listWaitingRollouts = async (tableName: string, enteredBefore: Date): Promise<Rollout[]> =>
  queryAll({
    TableName: tableName,
    IndexName: LEDGER_SCHEMA.waitingIndex,
    KeyConditionExpression: '#gsi1pk = :waiting AND #gsi1sk < :before',
    ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk', '#gsi1sk': 'gsi1sk' },
    ExpressionAttributeValues: { ':waiting': WAITING, ':before': enteredBefore.toISOString() },
  });

export interface AcquireLeaseInput {
  readonly fleet: string;
  /** Who holds it, stable across redeliveries of the same step (e.g. the rollout's candidate id). */
  readonly holder: string;
  readonly action: string;
  readonly now: Date;
  readonly ttlMinutes: number;
}

export type AcquireLeaseResult = { acquired: true } | { acquired: false; heldBy: Lease };

/** Attempts before giving up when the lease changes between a refused put and the read that follows. */
const LEASE_ATTEMPTS = 2;

/**
 * Takes the fleet's lease when nobody holds it, its holder's time ran out, or `holder` already
 * holds it (re-entrant: a redelivered step renews its own lease, from `now`). Otherwise reports
 * who holds it.
 */
export const acquireLease = async (
  tableName: string,
  input: AcquireLeaseInput,
): Promise<AcquireLeaseResult> => {
  if (!(input.ttlMinutes > 0)) {
    throw new RangeError(`lease ttlMinutes ${input.ttlMinutes} must be a positive number of minutes`);
  }
  const expiresAt = new Date(input.now.getTime() + input.ttlMinutes * 60_000);
  const lease: Lease = {
    fleet: input.fleet,
    holder: input.holder,
    action: input.action,
    acquiredAt: input.now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
  for (let attempt = 1; attempt <= LEASE_ATTEMPTS; attempt++) {
    try {
      await documentClient().send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...lease,
            ...leaseKey(input.fleet),
            ttl: Math.floor(expiresAt.getTime() / 1000) + LEASE_TTL_GRACE_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now OR #holder = :holder',
          ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt', '#holder': 'holder' },
          ExpressionAttributeValues: { ':now': lease.acquiredAt, ':holder': input.holder },
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const heldBy = await getLease(tableName, input.fleet);
    // Released or expired between the refused put and this read: try again.
    if (heldBy && heldBy.holder !== input.holder && heldBy.expiresAt >= lease.acquiredAt) {
      return { acquired: false, heldBy };
    }
  }
  throw new TransientError(
    `the lease of fleet ${input.fleet} kept changing while ${input.holder} tried to acquire it: retry`,
  );
};

/** Releases the lease if `holder` still holds it; a lease someone else holds now is left alone. */
export const releaseLease = async (tableName: string, fleet: string, holder: string): Promise<void> => {
  try {
    await documentClient().send(
      new DeleteCommand({
        TableName: tableName,
        Key: leaseKey(fleet),
        ConditionExpression: '#holder = :holder',
        ExpressionAttributeNames: { '#holder': 'holder' },
        ExpressionAttributeValues: { ':holder': holder },
      }),
    );
  } catch (error) {
    // Not ours (any more), or already gone: releasing is done either way.
    if (!isConditionFailure(error)) throw error;
  }
};

/**
 * The fleet's lease as stored, expired or not (DynamoDB's TTL removes expired ones only later):
 * compare `expiresAt` with the current time before trusting it.
 */
export const getLease = async (tableName: string, fleet: string): Promise<Lease | undefined> => {
  const out = await documentClient().send(
    new GetCommand({ TableName: tableName, Key: leaseKey(fleet), ConsistentRead: true }),
  );
  return out.Item ? stripKeys<Lease>(out.Item) : undefined;
};

/** An ended brake stays this long before DynamoDB's TTL removes it (who set it, and why, for a look). */
const BRAKE_TTL_GRACE_SECONDS = 24 * 60 * 60;

/** Sets (or replaces) the brake of `brake.scope`: a later freeze of the same scope wins. */
export const putBrake = async (tableName: string, brake: Brake): Promise<void> => {
  await documentClient().send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...brake,
        ...brakeKey(brake.scope),
        ttl: Math.floor(Date.parse(brake.until) / 1000) + BRAKE_TTL_GRACE_SECONDS,
      },
    }),
  );
};

/** Removes the brake of `scope`; returns the one removed, if there was one. */
export const deleteBrake = async (tableName: string, scope: string): Promise<Brake | undefined> => {
  const out = await documentClient().send(
    new DeleteCommand({ TableName: tableName, Key: brakeKey(scope), ReturnValues: 'ALL_OLD' }),
  );
  return out.Attributes ? stripKeys<Brake>(out.Attributes) : undefined;
};

/**
 * The brake of `scope` as stored, ended or not (DynamoDB's TTL removes ended ones only later):
 * compare `until` with the current time before trusting it.
 */
export const getBrake = async (tableName: string, scope: string): Promise<Brake | undefined> => {
  const out = await documentClient().send(
    new GetCommand({ TableName: tableName, Key: brakeKey(scope), ConsistentRead: true }),
  );
  return out.Item ? stripKeys<Brake>(out.Item) : undefined;
};
