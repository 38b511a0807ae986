import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

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
} from '../../functions/shared/ledger';
import { describeContract } from './table-targets';
import { rollout } from '../fixtures/rollout';
import { resetDocumentClient } from '../../functions/shared/aws/dynamodb';

const T0 = new Date('2025-06-01T10:00:00.000Z');
const minutesAfter = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const lease = (holder: string, now = T0, ttlMinutes = 30) => ({
  fleet: 'prod',
  holder,
  action: 'drain',
  now,
  ttlMinutes,
});

describeContract('ledger contract', resetDocumentClient, (target) => {
  const table = target.tableName;

  describe('rollouts', () => {
    it('creates a rollout once; a redelivery answers "exists" and leaves the first as it was', async () => {
      const first = rollout({
        canaryInstanceId: 'i-0canary',
        commands: [{ commandId: 'c', instanceId: 'i-1' }],
      });

      const results = [
        await createRollout(table, first),
        await createRollout(table, { ...first, state: 'failed', revision: 9 }),
      ];

      expect(results).toEqual(['created', 'exists']);
      await expect(getRollout(table, 'prod', 'c-1')).resolves.toEqual(first);
    });

    it('reads nothing for a rollout never created', async () => {
      await expect(getRollout(table, 'prod', 'c-404')).resolves.toBeUndefined();
    });

    it('replaces the rollout at the next revision, dropping attributes the new one leaves out', async () => {
      await createRollout(table, rollout({ deadline: '2025-06-01T11:00:00.000Z' }));
      const next = rollout({
        state: 'canary-booting',
        stateSince: '2025-06-01T10:05:00.000Z',
        history: [
          ...rollout().history,
          { at: '2025-06-01T10:05:00.000Z', state: 'canary-booting', note: 'go' },
        ],
      });

      const saved = await saveRollout(table, next, 0);

      expect(saved).toEqual({ ...next, revision: 1 });
      await expect(getRollout(table, 'prod', 'c-1')).resolves.toEqual(saved);
    });

    it.each([
      ['a stale revision', true],
      ['a rollout that does not exist', false],
    ])(
      'refuses to save over %s with StaleRevisionError, its cause the conditional failure',
      async (_, create) => {
        if (create) {
          await createRollout(table, rollout());
          await saveRollout(table, rollout(), 0);
        }

        const error = await saveRollout(table, rollout({ state: 'failed' }), 0).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(StaleRevisionError);
        expect((error as StaleRevisionError).cause).toMatchObject({
          name: 'ConditionalCheckFailedException',
        });
        await expect(getRollout(table, 'prod', 'c-1')).resolves.toEqual(
          create ? { ...rollout(), revision: 1 } : undefined,
        );
      },
    );

    it(`keeps only the last ${HISTORY_LIMIT} history entries`, async () => {
      const history = Array.from({ length: HISTORY_LIMIT + 5 }, (_, i) => ({
        at: new Date(T0.getTime() + i * 1000).toISOString(),
        state: 'staged' as const,
        note: `entry ${i}`,
      }));

      await createRollout(table, rollout({ history }));

      const stored = await getRollout(table, 'prod', 'c-1');
      expect(stored?.history).toHaveLength(HISTORY_LIMIT);
      expect(stored?.history[0]?.note).toBe('entry 5');
    });

    it("lists every rollout of a fleet across pages, newest state first, and nothing of another fleet's", async () => {
      const minutes = [3, 1, 4, 5, 2];
      for (const [i, m] of minutes.entries()) {
        await createRollout(
          table,
          rollout({ candidateId: `c-${i}`, stateSince: minutesAfter(m).toISOString() }),
        );
      }
      await createRollout(table, rollout({ fleet: 'other', candidateId: 'c-x' }));
      await acquireLease(table, lease('c-0'));

      const listed = await listFleetRollouts(table, 'prod');

      expect(listed.map((r) => r.candidateId)).toEqual(['c-3', 'c-2', 'c-0', 'c-4', 'c-1']);
    });

    it('lists live rollouts that entered their state before a time, oldest first; a final one leaves the list', async () => {
      await createRollout(
        table,
        rollout({ candidateId: 'c-late', stateSince: minutesAfter(20).toISOString() }),
      );
      await createRollout(
        table,
        rollout({ candidateId: 'c-b', fleet: 'b', stateSince: minutesAfter(2).toISOString() }),
      );
      await createRollout(
        table,
        rollout({ candidateId: 'c-a', fleet: 'a', stateSince: minutesAfter(1).toISOString() }),
      );
      await createRollout(table, rollout({ candidateId: 'c-done', state: 'done' }));
      await createRollout(
        table,
        rollout({ candidateId: 'c-ends', stateSince: minutesAfter(3).toISOString() }),
      );
      await saveRollout(table, rollout({ candidateId: 'c-ends', state: 'failed' }), 0);

      const waiting = await listWaitingRollouts(table, minutesAfter(10));

      expect(waiting.map((r) => r.candidateId)).toEqual(['c-a', 'c-b']);
    });
  });

  describe('the manager lease', () => {
    it('is acquired when free and read back as stored, without the table keys', async () => {
      await expect(acquireLease(table, lease('c-1'))).resolves.toEqual({ acquired: true });

      await expect(getLease(table, 'prod')).resolves.toEqual({
        fleet: 'prod',
        holder: 'c-1',
        action: 'drain',
        acquiredAt: T0.toISOString(),
        expiresAt: minutesAfter(30).toISOString(),
      });
    });

    it('is refused to another holder while it runs, naming who holds it', async () => {
      await acquireLease(table, lease('c-1'));

      const result = await acquireLease(table, lease('c-2', minutesAfter(10)));

      expect(result).toEqual({ acquired: false, heldBy: expect.objectContaining({ holder: 'c-1' }) });
      await expect(getLease(table, 'prod')).resolves.toMatchObject({ holder: 'c-1' });
    });

    it('is renewed from now by its own holder (a redelivered step)', async () => {
      await acquireLease(table, lease('c-1'));

      await expect(acquireLease(table, lease('c-1', minutesAfter(20)))).resolves.toEqual({ acquired: true });

      await expect(getLease(table, 'prod')).resolves.toMatchObject({
        holder: 'c-1',
        expiresAt: minutesAfter(50).toISOString(),
      });
    });

    it('goes to another holder once it expired', async () => {
      await acquireLease(table, lease('c-1'));

      await expect(acquireLease(table, lease('c-2', minutesAfter(31)))).resolves.toEqual({ acquired: true });

      await expect(getLease(table, 'prod')).resolves.toMatchObject({ holder: 'c-2' });
    });

    it('lets exactly one of two holders racing for a free lease win', async () => {
      const results = await Promise.all([
        acquireLease(table, lease('c-1')),
        acquireLease(table, lease('c-2')),
      ]);

      expect(results.filter((r) => r.acquired)).toHaveLength(1);
      const holder = (await getLease(table, 'prod'))?.holder;
      expect(results).toContainEqual({ acquired: false, heldBy: expect.objectContaining({ holder }) });
    });

    it('is released by its holder only; releasing one that is gone is done too', async () => {
      await acquireLease(table, lease('c-1'));

      await releaseLease(table, 'prod', 'c-2');
      const afterOther = await getLease(table, 'prod');
      await releaseLease(table, 'prod', 'c-1');
      await releaseLease(table, 'prod', 'c-1');

      expect(afterOther).toMatchObject({ holder: 'c-1' });
      await expect(getLease(table, 'prod')).resolves.toBeUndefined();
    });
  });

  describe('brakes', () => {
    const brake = (scope: string, reason = 'INC-42') => ({
      scope,
      until: '2025-06-01T16:00:00.000Z',
      reason,
      who: 'alice',
      setAt: T0.toISOString(),
    });

    it('stores a brake per fleet and one for all fleets, apart from rollouts and leases', async () => {
      await createRollout(table, rollout());
      await acquireLease(table, lease('c-1'));

      await putBrake(table, brake('prod'));
      await putBrake(table, brake('*'));

      await expect(getBrake(table, 'prod')).resolves.toEqual(brake('prod'));
      await expect(getBrake(table, '*')).resolves.toEqual(brake('*'));
      await expect(getBrake(table, 'staging')).resolves.toBeUndefined();
      await expect(listFleetRollouts(table, 'prod')).resolves.toHaveLength(1);
      await expect(listWaitingRollouts(table, minutesAfter(60))).resolves.toHaveLength(1);
    });

    it('replaces a brake with a later freeze, and deleting returns the one removed, once', async () => {
      await putBrake(table, brake('prod', 'first'));
      await putBrake(table, brake('prod', 'second'));

      const removed = [await deleteBrake(table, 'prod'), await deleteBrake(table, 'prod')];

      expect(removed).toEqual([brake('prod', 'second'), undefined]);
      await expect(getBrake(table, 'prod')).resolves.toBeUndefined();
    });
  });

  describe("the table's request rules", () => {
    let doc: DynamoDBDocumentClient;
    beforeEach(() => {
      doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    });
    const key = { pk: 'FLEET#prod', sk: 'LEASE' };

    it.each([
      [
        'PutItem',
        () =>
          new PutCommand({
            TableName: table,
            Item: key,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk', '#unused': 'x' },
          }),
      ],
      [
        'UpdateItem',
        () =>
          new UpdateCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'SET #a = :a',
            ExpressionAttributeNames: { '#a': 'a', '#unused': 'x' },
            ExpressionAttributeValues: { ':a': 1 },
          }),
      ],
      [
        'DeleteItem',
        () =>
          new DeleteCommand({
            TableName: table,
            Key: key,
            ConditionExpression: '#h = :h',
            ExpressionAttributeNames: { '#h': 'holder', '#unused': 'x' },
            ExpressionAttributeValues: { ':h': 'c-1' },
          }),
      ],
      [
        'Query',
        () =>
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': 'pk', '#unused': 'x' },
            ExpressionAttributeValues: { ':pk': 'FLEET#prod' },
          }),
      ],
    ])('refuses a %s declaring a name no expression uses', async (_, command) => {
      await expect(doc.send(command() as PutCommand)).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining('ExpressionAttributeNames unused') as unknown,
      });
    });

    it('refuses an UpdateItem declaring a value no expression uses', async () => {
      const update = new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET #a = :a',
        ExpressionAttributeNames: { '#a': 'a' },
        ExpressionAttributeValues: { ':a': 1, ':unused': 2 },
      });

      await expect(doc.send(update)).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('refuses names given to a GetItem, which has no expression', async () => {
      const get = new GetCommand({ TableName: table, Key: key, ExpressionAttributeNames: { '#pk': 'pk' } });

      await expect(doc.send(get)).rejects.toMatchObject({ name: 'ValidationException' });
    });

    target.itWhereMotoDiverges('dynamodb-undefined-placeholder')(
      'refuses an expression using a placeholder the request does not declare',
      async () => {
        const put = new PutCommand({
          TableName: table,
          Item: key,
          ConditionExpression: 'attribute_not_exists(#pk)',
        });

        await expect(doc.send(put)).rejects.toMatchObject({ name: 'ValidationException' });
      },
    );

    target.itWhereMotoDiverges('dynamodb-mixed-type-comparison')(
      'fails the condition, without an error of its own, when it orders a string against a number',
      async () => {
        await doc.send(
          new PutCommand({ TableName: table, Item: { ...key, expiresAt: '2025-06-01T10:00:00.000Z' } }),
        );
        const put = new PutCommand({
          TableName: table,
          Item: key,
          ConditionExpression: '#e < :n',
          ExpressionAttributeNames: { '#e': 'expiresAt' },
          ExpressionAttributeValues: { ':n': 1 },
        });

        await expect(doc.send(put)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      },
    );

    target.itWhereMotoDiverges('dynamodb-unused-values')(
      'refuses a PutItem, DeleteItem or Query declaring a value no expression uses',
      async () => {
        const commands = [
          new PutCommand({
            TableName: table,
            Item: key,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ExpressionAttributeValues: { ':unused': 1 },
          }),
          new DeleteCommand({
            TableName: table,
            Key: key,
            ConditionExpression: '#h = :h',
            ExpressionAttributeNames: { '#h': 'holder' },
            ExpressionAttributeValues: { ':h': 'c-1', ':unused': 1 },
          }),
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ExpressionAttributeValues: { ':pk': 'FLEET#prod', ':unused': 1 },
          }),
        ];

        const errors = await Promise.all(
          commands.map((c) =>
            doc.send(c as PutCommand).then(
              () => undefined,
              (e: unknown) => e,
            ),
          ),
        );

        expect(errors).toEqual([
          expect.objectContaining({ name: 'ValidationException' }),
          expect.objectContaining({ name: 'ValidationException' }),
          expect.objectContaining({ name: 'ValidationException' }),
        ]);
      },
    );
  });
});
