import { planConfig } from '../../../cli/plan/plan';
import { exampleWith, fleetIn } from './example-config';

/**
 * The `recycle-next-night` note's advice: following it must recycle in the same
 * night's window. A bake time helps only when nothing else holds the promotion; when a freeze holds
 * it (here the freeze of jobs-instance, 00:00-04:00 UTC, covers the canary's pass), an earlier bake
 * is promoted at the same freeze end, so the note names the freeze instead.
 */

const FROM = new Date('2026-12-08T12:00:00Z');

const withFreeze = (cron: string) =>
  exampleWith((raw) => {
    raw.pipelines[0].schedule.cron = cron;
    fleetIn(raw, 'jobs-instance').freezeWindows = [{ periods: ['* 0-3 * * *'], timeZone: 'UTC' }];
  });

const noFreeze = (cron: string) =>
  exampleWith((raw) => {
    raw.pipelines[0].schedule.cron = cron;
  });

describe('plan, the advice of a recycle that lands a night later', () => {
  it('names the freeze, not a bake time, when a freeze holds the promotion', () => {
    const note = planConfig(withFreeze('0 2 * * *'), FROM, 3).findings.find(
      (f) => f.kind === 'recycle-next-night',
    );

    expect(note?.message).toContain(
      'The promotion waits for a freeze window until about 04:00 UTC, whatever the bake time: to recycle the same night, end that freeze earlier or the maintenance window later.',
    );
    expect(note?.message).not.toContain('bake by');
  });

  it('advises a bake time that, followed, recycles in the same night', () => {
    const note = planConfig(noFreeze('0 2 * * *'), FROM, 3).findings.find(
      (f) => f.kind === 'recycle-next-night',
    );
    const advice = /bake by about (\d\d):(\d\d) UTC/.exec(note?.message ?? '');
    expect(note).toBeDefined();
    expect(advice).not.toBeNull();
    const [hour, minute] = [Number(advice?.[1]), Number(advice?.[2])];

    const followed = planConfig(noFreeze(`${minute} ${hour} * * *`), FROM, 3);

    expect(followed.findings.map((f) => f.kind)).not.toContain('recycle-next-night');
  });
});
