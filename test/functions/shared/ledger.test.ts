import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

import { TransientError } from '../../../functions/shared/errors';
import {
  acquireLease,
  createRollout,
  deleteBrake,
  getBrake,
  getLease,
  getRollout,
  HISTORY_LIMIT,
  listFleetRollouts,
  listWaitingRollouts,
  putBrake,
  releaseLease,
  saveRollout,
  StaleRevisionError,
} from '../../../functions/shared/ledger';
import { FINAL_STATES, ROLLOUT_STATES, type Rollout } from '../../../functions/shared/rollout/model';
import { installDocumentTable } from '../../../rehearsal/document-table';
import { rollout } from '../../fixtures/rollout';
import { resetDocumentClient } from '../../../functions/shared/aws/dynamodb';

const TABLE = 'runner-autopilot-ledger';
const ddb = mockClient(DynamoDBDocumentClient);

/**
 * The shared in-memory table behind the mocked DocumentClient, with two items a Query page, so
 * every query with more results exercises pagination.
 */
const PAGE_SIZE = 2;
const fakeTable = () => {
  ddb.onAnyCommand().rejects(new Error('unexpected command'));
  return installDocumentTable(ddb, { tableName: TABLE, pageSize: PAGE_SIZE });
};

describe('ledger', () => {
  let table: ReturnType<typeof fakeTable>;
  beforeEach(() => {
    ddb.reset();
    resetDocumentClient();
    table = fakeTable();
  });

  describe('createRollout', () => {
    it('creates the item once and answers a redelivery with "exists", leaving the first untouched', async () => {
      const first = rollout();

      const results = [
        await createRollout(TABLE, first),
        await createRollout(TABLE, { ...first, state: 'failed', revision: 9 }),
      ];

      expect(results).toEqual(['created', 'exists']);
      expect(await getRollout(TABLE, 'prod', 'c-1')).toEqual(first);
    });

    it('sends a put conditional on the key being new, with the fleet, rollout and index keys', async () => {
      await createRollout(TABLE, rollout());

      expect(ddb).toHaveReceivedCommandWith(PutCommand, {
        TableName: TABLE,
        Item: expect.objectContaining({
          pk: 'FLEET#prod',
          sk: 'ROLLOUT#c-1',
          gsi1pk: 'WAITING',
          gsi1sk: '2025-06-01T10:00:00.000Z#prod#c-1',
        }) as unknown,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
      });
    });
  });

  describe('getRollout', () => {
    it.each([
      ['only required attributes', rollout()],
      [
        'every optional attribute',
        rollout({
          state: 'draining',
          launchTemplateId: 'lt-0abc',
          candidateVersion: 7,
          previousDefault: 6,
          canaryInstanceId: 'i-0canary',
          commands: [
            { commandId: 'cmd-1', instanceId: 'i-0manager' },
            { commandId: 'cmd-2', instanceId: 'i-0canary' },
          ],
          managerInstanceId: 'i-0manager',
          attempts: 3,
          deadline: '2025-06-01T12:00:00.000Z',
          dueAt: '2025-06-01T11:00:00.000Z',
          promotedAt: '2025-06-01T10:30:00.000Z',
          reason: 'maintenance window opened',
          excerpt: 'ok: docker 27.1\nok: kubectl 1.31',
          revision: 4,
        }),
      ],
    ])('returns what was saved, without key or index attributes (%s)', async (_case, saved) => {
      await createRollout(TABLE, saved);

      const read = await getRollout(TABLE, saved.fleet, saved.candidateId);

      expect(read).toStrictEqual(saved);
    });

    it('returns undefined for an unknown rollout, reading consistently', async () => {
      const read = await getRollout(TABLE, 'prod', 'nope');

      expect(read).toBeUndefined();
      expect(ddb).toHaveReceivedCommandWith(GetCommand, {
        TableName: TABLE,
        Key: { pk: 'FLEET#prod', sk: 'ROLLOUT#nope' },
        ConsistentRead: true,
      });
    });
  });

  describe('saveRollout', () => {
    it('writes the next state at the next revision and returns it', async () => {
      await createRollout(TABLE, rollout({ revision: 3 }));

      const saved = await saveRollout(TABLE, rollout({ state: 'canary-booting', attempts: 1 }), 3);

      expect(saved).toEqual(rollout({ state: 'canary-booting', attempts: 1, revision: 4 }));
      expect(await getRollout(TABLE, 'prod', 'c-1')).toEqual(saved);
      expect(ddb).toHaveReceivedCommandWith(PutCommand, {
        TableName: TABLE,
        Item: expect.objectContaining({ revision: 4, state: 'canary-booting' }) as unknown,
        ConditionExpression: '#revision = :expected',
        ExpressionAttributeNames: { '#revision': 'revision' },
        ExpressionAttributeValues: { ':expected': 3 },
      });
    });

    it('throws a transient StaleRevisionError when another writer saved first, keeping its write', async () => {
      await createRollout(TABLE, rollout());
      await saveRollout(TABLE, rollout({ state: 'canary-booting' }), 0);

      const stale = saveRollout(TABLE, rollout({ state: 'rejected' }), 0);

      await expect(stale).rejects.toThrow(StaleRevisionError);
      await expect(stale).rejects.toBeInstanceOf(TransientError);
      expect(await getRollout(TABLE, 'prod', 'c-1')).toMatchObject({ state: 'canary-booting', revision: 1 });
    });

    it('throws StaleRevisionError for a rollout that does not exist', async () => {
      await expect(saveRollout(TABLE, rollout(), 0)).rejects.toThrow(StaleRevisionError);
    });

    it('removes attributes the next state leaves out', async () => {
      await createRollout(TABLE, rollout({ state: 'canary-booting', deadline: '2025-06-01T11:00:00.000Z' }));

      await saveRollout(
        TABLE,
        rollout({ state: 'canary-testing', commands: [{ commandId: 'cmd-1', instanceId: 'i-0canary' }] }),
        0,
      );

      expect(table.raw('FLEET#prod', 'ROLLOUT#c-1')).not.toHaveProperty('deadline');
    });

    it.each(ROLLOUT_STATES.filter((s) => !FINAL_STATES.has(s)))(
      'keeps a rollout in %s in the waiting index, sorted by the time it entered the state',
      async (state) => {
        await createRollout(TABLE, rollout());

        await saveRollout(TABLE, rollout({ state, stateSince: '2025-06-02T08:00:00.000Z' }), 0);

        expect(table.raw('FLEET#prod', 'ROLLOUT#c-1')).toMatchObject({
          gsi1pk: 'WAITING',
          gsi1sk: '2025-06-02T08:00:00.000Z#prod#c-1',
        });
      },
    );

    it.each([...FINAL_STATES])('takes a rollout that reaches %s out of the waiting index', async (state) => {
      await createRollout(TABLE, rollout());

      await saveRollout(TABLE, rollout({ state }), 0);

      const stored = table.raw('FLEET#prod', 'ROLLOUT#c-1');
      expect(stored).toMatchObject({ state });
      expect(stored).not.toHaveProperty('gsi1pk');
      expect(stored).not.toHaveProperty('gsi1sk');
    });

    it('normalises the index sort key to a full ISO time', async () => {
      await createRollout(TABLE, rollout({ stateSince: '2025-06-01T10:00:00Z' }));

      expect(table.raw('FLEET#prod', 'ROLLOUT#c-1')).toMatchObject({
        gsi1sk: '2025-06-01T10:00:00.000Z#prod#c-1',
      });
    });

    it(`keeps only the last ${HISTORY_LIMIT} history entries`, async () => {
      await createRollout(TABLE, rollout());
      const history = Array.from({ length: 150 }, (_, i) => ({
        at: new Date(Date.UTC(2025, 5, 1, 0, i)).toISOString(),
        state: 'canary-booting' as const,
        note: `check ${i}`,
      }));

      const saved = await saveRollout(TABLE, rollout({ state: 'canary-booting', history }), 0);

      expect(saved.history).toHaveLength(HISTORY_LIMIT);
      expect(saved.history[0]?.note).toBe('check 50');
      expect(saved.history.at(-1)?.note).toBe('check 149');
      expect(await getRollout(TABLE, 'prod', 'c-1')).toEqual(saved);
    });

    it.each([
      new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
      new ThrottlingException({ message: 'slow down', $metadata: {} }),
    ])('rethrows $name as it is, not as a stale revision', async (error) => {
      ddb.on(PutCommand).rejects(error);

      const save = saveRollout(TABLE, rollout(), 0);

      await expect(save).rejects.toBe(error);
      await expect(createRollout(TABLE, rollout())).rejects.toBe(error);
    });
  });

  describe('listFleetRollouts', () => {
    it("returns every rollout of the fleet across pages, newest first, without the fleet's lease", async () => {
      const hours = [3, 9, 1, 7, 5];
      for (const [i, hour] of hours.entries()) {
        await createRollout(
          TABLE,
          rollout({ candidateId: `c-${i}`, stateSince: `2025-06-01T0${hour}:00:00.000Z`, state: 'done' }),
        );
      }
      await createRollout(TABLE, rollout({ fleet: 'staging', candidateId: 'c-other' }));
      await acquireLease(TABLE, {
        fleet: 'prod',
        holder: 'c-1',
        action: 'drain',
        now: new Date('2025-06-01T10:00:00.000Z'),
        ttlMinutes: 60,
      });

      const listed = await listFleetRollouts(TABLE, 'prod');

      expect(listed.map((r) => r.candidateId)).toEqual(['c-1', 'c-3', 'c-4', 'c-0', 'c-2']);
      expect(listed.every((r) => !('pk' in r) && !('sk' in r))).toBe(true);
      expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 3);
      // The paginator reuses one input object (adding ExclusiveStartKey), so match, not equal.
      expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
        TableName: TABLE,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': 'FLEET#prod', ':prefix': 'ROLLOUT#' },
        ConsistentRead: true,
      });
    });

    it('returns an empty list for a fleet without rollouts', async () => {
      expect(await listFleetRollouts(TABLE, 'prod')).toEqual([]);
    });
  });

  describe('listWaitingRollouts', () => {
    it('returns live rollouts of every fleet that entered their state before the cutoff, oldest first', async () => {
      const cases: [string, string, Rollout['state'], string][] = [
        ['prod', 'a', 'canary-booting', '2025-06-01T09:00:00.000Z'],
        ['staging', 'b', 'draining', '2025-06-01T08:00:00.000Z'],
        ['prod', 'c', 'baking', '2025-06-01T07:00:00.000Z'],
        ['dev', 'd', 'replacing', '2025-06-01T09:59:59.999Z'],
        ['prod', 'e', 'done', '2025-06-01T06:00:00.000Z'],
        ['dev', 'f', 'failed', '2025-06-01T06:00:00.000Z'],
        ['prod', 'g', 'verifying', '2025-06-01T10:00:00.000Z'],
        ['prod', 'h', 'staged', '2025-06-01T11:00:00.000Z'],
      ];
      for (const [fleet, candidateId, state, stateSince] of cases) {
        await createRollout(TABLE, rollout({ fleet, candidateId, state, stateSince }));
      }

      const waiting = await listWaitingRollouts(TABLE, new Date('2025-06-01T10:00:00.000Z'));

      expect(waiting.map((r) => `${r.fleet}/${r.candidateId}`)).toEqual([
        'prod/c',
        'staging/b',
        'prod/a',
        'dev/d',
      ]);
      expect(waiting.every((r) => !('gsi1pk' in r) && !('gsi1sk' in r))).toBe(true);
      expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
      // The paginator reuses one input object (adding ExclusiveStartKey), so match, not equal.
      expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
        TableName: TABLE,
        IndexName: 'byWaiting',
        KeyConditionExpression: '#gsi1pk = :waiting AND #gsi1sk < :before',
        ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk', '#gsi1sk': 'gsi1sk' },
        ExpressionAttributeValues: { ':waiting': 'WAITING', ':before': '2025-06-01T10:00:00.000Z' },
      });
    });

    it('no longer returns a rollout once it reached a final state', async () => {
      await createRollout(TABLE, rollout({ state: 'baking' }));
      await saveRollout(TABLE, rollout({ state: 'done' }), 0);

      expect(await listWaitingRollouts(TABLE, new Date('2030-01-01T00:00:00.000Z'))).toEqual([]);
    });
  });

  describe('leases', () => {
    const NOW = new Date('2025-06-01T10:00:00.000Z');
    const lease = (holder: string, now: Date, action = 'drain') =>
      acquireLease(TABLE, { fleet: 'prod', holder, action, now, ttlMinutes: 30 });
    const minutesAfter = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

    it('takes a free lease, with a TTL one day after it expires', async () => {
      const result = await lease('c-1', NOW);

      expect(result).toEqual({ acquired: true });
      expect(table.raw('FLEET#prod', 'LEASE')).toEqual({
        pk: 'FLEET#prod',
        sk: 'LEASE',
        fleet: 'prod',
        holder: 'c-1',
        action: 'drain',
        acquiredAt: '2025-06-01T10:00:00.000Z',
        expiresAt: '2025-06-01T10:30:00.000Z',
        ttl: Date.parse('2025-06-02T10:30:00.000Z') / 1000,
      });
    });

    it('sends a put conditional on no lease, an expired one, or the same holder', async () => {
      await lease('c-1', NOW);

      expect(ddb).toHaveReceivedCommandWith(PutCommand, {
        TableName: TABLE,
        ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now OR #holder = :holder',
        ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt', '#holder': 'holder' },
        ExpressionAttributeValues: { ':now': '2025-06-01T10:00:00.000Z', ':holder': 'c-1' },
      });
    });

    it('reports who holds a live lease, without key or TTL attributes', async () => {
      await lease('c-1', NOW);

      const result = await lease('c-2', minutesAfter(10), 'apply-config');

      expect(result).toEqual({
        acquired: false,
        heldBy: {
          fleet: 'prod',
          holder: 'c-1',
          action: 'drain',
          acquiredAt: '2025-06-01T10:00:00.000Z',
          expiresAt: '2025-06-01T10:30:00.000Z',
        },
      });
      expect(await getLease(TABLE, 'prod')).toMatchObject({ holder: 'c-1' });
    });

    it('takes over a lease whose time ran out', async () => {
      await lease('c-1', NOW);

      const result = await lease('c-2', minutesAfter(31), 'apply-config');

      expect(result).toEqual({ acquired: true });
      expect(await getLease(TABLE, 'prod')).toMatchObject({ holder: 'c-2', action: 'apply-config' });
    });

    it('lets the holder take its lease again (a redelivery), renewing it from now', async () => {
      await lease('c-1', NOW);

      const result = await lease('c-1', minutesAfter(20));

      expect(result).toEqual({ acquired: true });
      expect(await getLease(TABLE, 'prod')).toMatchObject({ expiresAt: '2025-06-01T10:50:00.000Z' });
    });

    it('tries again when the lease was released between the refused put and the read', async () => {
      ddb
        .on(PutCommand)
        .rejectsOnce(new ConditionalCheckFailedException({ message: 'held', $metadata: {} }))
        .resolves({});

      const result = await lease('c-2', NOW);

      expect(result).toEqual({ acquired: true });
      expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
    });

    it('throws a transient error when the lease keeps changing under it', async () => {
      ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'held', $metadata: {} }));

      await expect(lease('c-2', NOW)).rejects.toThrow(TransientError);
    });

    it.each([0, -5, Number.NaN])('throws for a ttlMinutes of %s', async (ttlMinutes) => {
      await expect(
        acquireLease(TABLE, { fleet: 'prod', holder: 'c-1', action: 'drain', now: NOW, ttlMinutes }),
      ).rejects.toThrow(/ttlMinutes/);
    });

    it('releases a lease its holder releases', async () => {
      await lease('c-1', NOW);

      await releaseLease(TABLE, 'prod', 'c-1');

      expect(await getLease(TABLE, 'prod')).toBeUndefined();
      expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
        TableName: TABLE,
        Key: { pk: 'FLEET#prod', sk: 'LEASE' },
        ConditionExpression: '#holder = :holder',
        ExpressionAttributeNames: { '#holder': 'holder' },
        ExpressionAttributeValues: { ':holder': 'c-1' },
      });
    });

    it('leaves alone a lease someone else holds now, without an error', async () => {
      await lease('c-1', NOW);
      await lease('c-2', minutesAfter(31));

      await releaseLease(TABLE, 'prod', 'c-1');

      expect(await getLease(TABLE, 'prod')).toMatchObject({ holder: 'c-2' });
    });

    it('releases nothing, without an error, when there is no lease', async () => {
      await expect(releaseLease(TABLE, 'prod', 'c-1')).resolves.toBeUndefined();
    });

    it('rethrows a throttled release', async () => {
      const error = new ThrottlingException({ message: 'slow down', $metadata: {} });
      ddb.on(DeleteCommand).rejects(error);

      await expect(releaseLease(TABLE, 'prod', 'c-1')).rejects.toBe(error);
    });
  });

  describe('brakes', () => {
    const brake = {
      scope: '*',
      until: '2025-06-01T16:00:00.000Z',
      reason: 'INC-42: registry outage',
      who: 'alice',
      setAt: '2025-06-01T10:00:00.000Z',
    };

    it('stores a brake under its scope, with a TTL one day after it ends', async () => {
      await putBrake(TABLE, brake);

      expect(table.raw('FLEET#*', 'BRAKE')).toEqual({
        pk: 'FLEET#*',
        sk: 'BRAKE',
        ...brake,
        ttl: Date.parse('2025-06-02T16:00:00.000Z') / 1000,
      });
    });

    it('reads a brake consistently, without key or TTL attributes', async () => {
      await putBrake(TABLE, brake);

      const read = await getBrake(TABLE, '*');

      expect(read).toEqual(brake);
      expect(ddb).toHaveReceivedCommandWith(GetCommand, {
        TableName: TABLE,
        Key: { pk: 'FLEET#*', sk: 'BRAKE' },
        ConsistentRead: true,
      });
    });

    it('reads nothing for a fleet without a brake', async () => {
      await expect(getBrake(TABLE, 'prod')).resolves.toBeUndefined();
    });

    it('deletes a brake and returns the one it removed', async () => {
      await putBrake(TABLE, brake);

      const removed = await deleteBrake(TABLE, '*');

      expect(removed).toEqual(brake);
      expect(table.raw('FLEET#*', 'BRAKE')).toBeUndefined();
      expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
        TableName: TABLE,
        Key: { pk: 'FLEET#*', sk: 'BRAKE' },
        ReturnValues: 'ALL_OLD',
      });
    });

    it('deletes nothing, without an error, when there is no brake', async () => {
      await expect(deleteBrake(TABLE, 'prod')).resolves.toBeUndefined();
    });

    it('rethrows a throttled read', async () => {
      ddb.on(GetCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata: {} }));

      await expect(getBrake(TABLE, '*')).rejects.toThrow(ThrottlingException);
    });
  });
});
