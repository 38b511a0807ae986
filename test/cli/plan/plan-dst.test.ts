import { planConfig } from '../../../cli/plan/plan';
import { exampleWith } from './example-config';

/**
 * Plan and daylight saving time. The bakes run on EventBridge Scheduler with
 * ScheduleExpressionTimezone, which skips a run whose local time does not exist: "When the time
 * shifts forward in Spring, your schedule invocation gets skipped if the cron expression falls on a
 * non-existent date and time. When the time shifts back in the Fall, your schedule runs only once"
 * (AWS re:Post knowledge center, eventbridge-scheduler-adjust-dst). croner would move a "30 2 * * *"
 * Europe/Berlin bake to 03:00 CEST on Sunday 2027-03-28: plan must show no bake that night.
 */

const berlinBake = exampleWith((raw) => {
  raw.pipelines[0].schedule = { cron: '30 2 * * *', timeZone: 'Europe/Berlin' };
});

const bakesOf = (from: string, days: number): string[] =>
  planConfig(berlinBake, new Date(from), days).events.flatMap((e) =>
    e.kind === 'bake' && e.bake.pipeline === 'jobs' ? [e.at.toISOString()] : [],
  );

describe('plan across a change of daylight saving time', () => {
  it('plans no bake on the night whose 02:30 does not exist in Europe/Berlin (last Sunday of March)', () => {
    expect(bakesOf('2027-03-27T00:00:00Z', 3)).toEqual([
      '2027-03-27T01:30:00.000Z', // Sat 02:30 CET
      // Sun 2027-03-28: 02:00 CET jumps to 03:00 CEST, Scheduler skips the run
      '2027-03-29T00:30:00.000Z', // Mon 02:30 CEST
    ]);
  });

  it('plans one bake on the night whose 02:30 happens twice in Europe/Berlin (last Sunday of October)', () => {
    expect(bakesOf('2027-10-30T00:00:00Z', 3)).toEqual([
      '2027-10-30T00:30:00.000Z',
      '2027-10-31T00:30:00.000Z',
      '2027-11-01T01:30:00.000Z',
    ]);
  });
});
