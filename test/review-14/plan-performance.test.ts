import { planConfig } from '../../cli/plan/plan';
import { exampleWith, fleetIn } from '../cli/plan/example-config';

/**
 * Review of issue 14, `plan --days 31` must stay fast. Wrong now: cli/plan/plan.ts computes every
 * freeze and maintenance span through functions/shared/windows.ts `windowEnd`, which walks minute
 * by minute and matches every cron at each minute (up to MAX_SEARCH_MINUTES, a month). A freeze
 * that never ends, or a maintenance window that is always open, makes each candidate and each span
 * walk a whole month: measured on this machine, 23 s and 27 s for 31 days (the example: 2 s).
 * The plan is offline and interactive: it should answer in a few seconds for any valid config.
 */

const FROM = new Date('2026-12-08T12:00:00Z');
/** Generous on a shared 2-core machine: the example's 31 days take about 2 s here. */
const BUDGET_MS = 6_000;

const timed = (change: Parameters<typeof exampleWith>[0]): { ms: number; kinds: string[] } => {
  const config = exampleWith(change);
  const started = Date.now();
  const plan = planConfig(config, FROM, 31);
  return { ms: Date.now() - started, kinds: plan.findings.map((f) => f.kind) };
};

describe('plan --days 31, performance', () => {
  it('plans a config whose freeze never ends within the budget, and warns about it', () => {
    const { ms, kinds } = timed((raw) => {
      fleetIn(raw, 'jobs-instance').freezeWindows = [{ periods: ['* * * * *'], timeZone: 'Europe/Berlin' }];
    });

    expect(kinds).toContain('freeze-never-ends');
    expect(ms).toBeLessThan(BUDGET_MS);
  }, 120_000);

  it('plans a manager whose maintenance window is always open within the budget', () => {
    const { ms } = timed((raw) => {
      fleetIn(raw, 'manager').maintenanceWindows = [{ periods: ['* * * * *'], timeZone: 'UTC' }];
    });

    expect(ms).toBeLessThan(BUDGET_MS);
  }, 120_000);
});
