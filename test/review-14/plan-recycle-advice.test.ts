import { planConfig } from '../../cli/plan/plan';
import { exampleWith, fleetIn } from '../cli/plan/example-config';

/**
 * Review of issue 14, the `recycle-next-night` note's advice. Wrong now: cli/plan/plan.ts
 * `recycleFindings` advises "bake by about <last drain start - (canary pass - bake)>", as if the
 * candidate were promoted when its canary passes. When a freeze holds the promotion (here the
 * freeze of jobs-instance, 00:00-04:00 UTC, covers the canary's pass), an earlier bake is promoted
 * at the same freeze end, 04:00, and the restart still slips a night: the advised 01:36 changes
 * nothing. Following the note's advice must recycle in the same night's window.
 */

const FROM = new Date('2026-12-08T12:00:00Z');

const withFreeze = (cron: string) =>
  exampleWith((raw) => {
    raw.pipelines[0].schedule.cron = cron;
    fleetIn(raw, 'jobs-instance').freezeWindows = [{ periods: ['* 0-3 * * *'], timeZone: 'UTC' }];
  });

describe('plan, the advice of a recycle that lands a night later', () => {
  it('advises a bake time that, followed, recycles in the same night', () => {
    const note = planConfig(withFreeze('0 2 * * *'), FROM, 3).findings.find(
      (f) => f.kind === 'recycle-next-night',
    );
    const advice = /bake by about (\d\d):(\d\d) UTC/.exec(note?.message ?? '');
    expect(note).toBeDefined();
    expect(advice).not.toBeNull();
    const [hour, minute] = [Number(advice?.[1]), Number(advice?.[2])];

    const followed = planConfig(withFreeze(`${minute} ${hour} * * *`), FROM, 3);

    expect(followed.findings.map((f) => f.kind)).not.toContain('recycle-next-night');
  });
});
