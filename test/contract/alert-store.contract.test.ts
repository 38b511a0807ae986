import { claimDelivery, getMemory, putMemory, saveDelivery } from '../../functions/alert/store';
import { TransientError } from '../../functions/shared/errors';
import { describeContract } from './table-targets';
import { resetDocumentClient } from '../../functions/shared/aws/dynamodb';

const KEY = 'alarm|gitlab-runners-autopilot-x|ALARM|2026-11-30T03:15:00.130Z';
const NOW = new Date('2026-11-30T03:15:05Z');
const LEASE_SECONDS = 45;
const secondsAfter = (s: number) => new Date(NOW.getTime() + s * 1000);

describeContract('alert store contract', resetDocumentClient, (target) => {
  const TABLE = target.tableName;
  const claim = (holder: string, now = NOW) =>
    claimDelivery(TABLE, KEY, { eventId: 'e-1', holder, now, leaseSeconds: LEASE_SECONDS });

  describe('deliveries', () => {
    it('claims a new message with no channel settled', async () => {
      await expect(claim('req-1')).resolves.toEqual({ kind: 'claimed', channels: {} });
    });

    it('is busy for another invocation while the holder runs, and claimed again by the holder', async () => {
      await claim('req-1');

      const other = await claim('req-2', secondsAfter(10));
      const same = await claim('req-1', secondsAfter(10));

      expect(other).toEqual({ kind: 'busy' });
      expect(same).toEqual({ kind: 'claimed', channels: {} });
    });

    it('goes to another invocation once the lease ran out', async () => {
      await claim('req-1');

      await expect(claim('req-2', secondsAfter(LEASE_SECONDS + 1))).resolves.toEqual({
        kind: 'claimed',
        channels: {},
      });
    });

    it('closes a sent message: a duplicate is answered "done" with its outcome', async () => {
      await claim('req-1');

      await saveDelivery(TABLE, KEY, {
        holder: 'req-1',
        channels: { sns: 'sent', 'chat:ops-slack': 'sent', 'chat:ops-teams': 'failed' },
        done: true,
        outcome: 'sent',
      });

      await expect(claim('req-2', secondsAfter(1))).resolves.toEqual({ kind: 'done', outcome: 'sent' });
    });

    // Every suppression (duplicate, rate limit, bake streak, OK without ALARM) saves no channel.
    it('closes a suppressed message, which settled no channel', async () => {
      await claim('req-1');

      await saveDelivery(TABLE, KEY, {
        holder: 'req-1',
        channels: {},
        done: true,
        outcome: 'suppressed:rate-limited',
      });

      await expect(claim('req-2', secondsAfter(1))).resolves.toEqual({
        kind: 'done',
        outcome: 'suppressed:rate-limited',
      });
    });

    it('saves a partly-sent message and hands its retry the channels already settled, at once', async () => {
      await claim('req-1');

      await saveDelivery(TABLE, KEY, {
        holder: 'req-1',
        channels: { sns: 'sent', 'chat:ops-teams': 'failed' },
        done: false,
        outcome: 'partly-sent',
      });

      await expect(claim('req-2', secondsAfter(1))).resolves.toEqual({
        kind: 'claimed',
        channels: { sns: 'sent', 'chat:ops-teams': 'failed' },
      });
    });

    it('saves an attempt where every channel failed for now, and its retry still owes them all', async () => {
      await claim('req-1');

      await saveDelivery(TABLE, KEY, { holder: 'req-1', channels: {}, done: false, outcome: 'partly-sent' });

      await expect(claim('req-2', secondsAfter(1))).resolves.toEqual({ kind: 'claimed', channels: {} });
    });

    it('adds the channels of a retry to the earlier ones and then closes the message', async () => {
      await claim('req-1');
      await saveDelivery(TABLE, KEY, {
        holder: 'req-1',
        channels: { sns: 'sent' },
        done: false,
        outcome: 'partly-sent',
      });
      await claim('req-2', secondsAfter(60));

      await saveDelivery(TABLE, KEY, {
        holder: 'req-2',
        channels: { 'chat:ops-slack': 'sent' },
        done: true,
        outcome: 'sent',
      });

      await expect(claim('req-3', secondsAfter(61))).resolves.toEqual({ kind: 'done', outcome: 'sent' });
    });

    it('refuses a save by an invocation that lost the message, as a transient error', async () => {
      await claim('req-1');
      await claim('req-2', secondsAfter(LEASE_SECONDS + 1));

      const error = await saveDelivery(TABLE, KEY, {
        holder: 'req-1',
        channels: { sns: 'sent' },
        done: true,
        outcome: 'sent',
      }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).cause).toMatchObject({ name: 'ConditionalCheckFailedException' });
      await expect(claim('req-2', secondsAfter(LEASE_SECONDS + 2))).resolves.toEqual({
        kind: 'claimed',
        channels: {},
      });
    });
  });

  describe('memory', () => {
    const first = { lastTransitionAt: '2026-11-30T03:15:00.130Z', held: 0 };
    const second = { lastTransitionAt: '2026-11-30T03:25:00.000Z', held: 1 };

    it('has none for an alarm never seen', async () => {
      await expect(getMemory(TABLE, 'ALARM#x')).resolves.toBeUndefined();
    });

    it('stores a first memory at version 1 and the next one at version 2', async () => {
      await putMemory(TABLE, 'ALARM#x', first, 0, NOW);
      await putMemory(TABLE, 'ALARM#x', second, 1, secondsAfter(600));

      await expect(getMemory(TABLE, 'ALARM#x')).resolves.toEqual({ memory: second, version: 2 });
    });

    it.each([
      ['a first memory when one was written meanwhile', 0],
      ['over a version that is no longer current', 1],
    ])('refuses %s, as a transient error, keeping the stored one', async (_, expected) => {
      await putMemory(TABLE, 'ALARM#x', first, 0, NOW);
      await putMemory(TABLE, 'ALARM#x', second, 1, NOW);

      const error = await putMemory(TABLE, 'ALARM#x', first, expected, NOW).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).cause).toMatchObject({ name: 'ConditionalCheckFailedException' });
      await expect(getMemory(TABLE, 'ALARM#x')).resolves.toEqual({ memory: second, version: 2 });
    });
  });
});
