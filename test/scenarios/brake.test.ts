import { brakeLedger, type BrakeDeps, freezeCommand, unfreezeCommand } from '../../cli/commands/freeze';
import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import {
  AMI,
  createSecrets,
  deployRunnerConfig,
  exampleConfigWith,
  liveManagers,
  MANAGER_CONFIG,
  runBounded,
  standardFleet,
  TEMPLATE,
} from './fleet';
import { loadStack } from '../../rehearsal/router';

/**
 * The emergency brake through the real handlers: `freeze` before the manager's maintenance window
 * holds a jobs promotion and the manager's drain; after `unfreeze` both go on and finish. A
 * rollback alarm during a brake still rolls back.
 */

// Tuesday 10:00 UTC, outside the manager's maintenance window (01:00-04:59 UTC).
const TUESDAY_DAY = '2026-11-03T10:00:00Z';
// Tuesday 01:00 UTC, inside it.
const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';
const FINAL = ['refused', 'done', 'rejected', 'rolled-back', 'superseded', 'failed'];
const REASON = 'INC-42: registry outage';

const brakeDeps = async (s: Scenario, lines: string[]): Promise<BrakeDeps> => ({
  ledger: await brakeLedger(s.tableName),
  now: new Date(Date.now()),
  print: (line) => lines.push(line),
  fleets: ['manager', 'jobs-instance', 'jobs-docker'],
});

const drains = (s: Scenario) =>
  s.world.commands.filter((c) => /-autopilot-(drain|restart)-manager$/.test(c.documentName));
const stateOf = (s: Scenario, fleet: string): string | undefined =>
  s.rollouts(fleet).find((r) => r.kind === 'rollout')?.state;
const lastNote = (s: Scenario, fleet: string): string | undefined => s.rollout(fleet).history.at(-1)?.note;
const heldAlerts = (s: Scenario) =>
  s
    .busEvents('Rollout Failed')
    .filter((e) => e.outcome === 'held')
    .map((e) => `${String(e.fleet)} ${String(e.stage)}: ${String(e.reason)}`);

jest.setTimeout(120_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

describe('the emergency brake', () => {
  it('holds a promotion and a drain set before the window, and finishes both after unfreeze', async () => {
    const s = new Scenario({ start: TUESDAY_DAY });
    standardFleet(s.world);
    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 12 * 60, () => stateOf(s, 'manager') === 'awaiting-maintenance');
    const lines: string[] = [];
    await freezeCommand(
      { target: 'all', until: '2026-11-04T06:00:00Z', reason: REASON, who: 'alice' },
      await brakeDeps(s, lines),
    );
    s.imageReady('jobs', AMI.jobsNew);

    // Wednesday 02:00: the window opened an hour ago, the brake holds on.
    await runBounded(s, 24 * 60, () => Date.now() >= Date.parse('2026-11-04T02:00:00Z'));

    const note = `held by the emergency brake until 2026-11-04T06:00:00.000Z: ${REASON}`;
    expect({
      manager: [s.rollout('manager').state, lastNote(s, 'manager')],
      jobs: [s.rollout('jobs-docker').state, lastNote(s, 'jobs-docker')],
      drains: drains(s).length,
      jobsDefault: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      alerts: heldAlerts(s),
    }).toEqual({
      manager: ['awaiting-maintenance', note],
      jobs: ['promotion-deferred', note],
      drains: 0,
      jobsDefault: 1,
      alerts: [`jobs-docker canary-testing: ${note}`, `manager awaiting-maintenance: ${note}`],
    });

    await unfreezeCommand({ target: 'all' }, await brakeDeps(s, lines));
    await runBounded(s, 3 * 24 * 60);

    expect({
      items: [...s.rollouts('manager'), ...s.rollouts('jobs-docker')].map((r) => `${r.kind} ${r.state}`),
      live: liveManagers(s.world).map((m) => m.imageId),
      jobsDefault: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      violations: s.world.violations,
      alerts: heldAlerts(s).length,
      lines,
    }).toEqual({
      items: expect.arrayContaining(['rollout done', 'restart done']) as unknown,
      live: [AMI.managerNew],
      jobsDefault: 2,
      violations: [],
      alerts: 2,
      lines: [
        `froze all fleets until 2026-11-04T06:00:00.000Z: ${REASON} (set by alice)`,
        'held until then: promotions, drains, manager restarts and config applies of all fleets; rollbacks still run',
        `unfroze all fleets (the brake set by alice until 2026-11-04T06:00:00.000Z: ${REASON})`,
        'held items go on at their next check, within 15 minutes',
        'brakes set on single fleets stay until they end or are unfrozen',
      ],
    });
    for (const r of [...s.rollouts('manager'), ...s.rollouts('jobs-docker')])
      expect(FINAL).toContain(r.state);
  });

  it('still rolls back on a rollback alarm while the brake holds', async () => {
    const configPath = exampleConfigWith('alarms', (config) => {
      for (const fleet of config.fleets as { name: string; rollbackAlarms?: string[] }[])
        fleet.rollbackAlarms = [`${fleet.name}-errors`];
    });
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath });
    standardFleet(s.world);
    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 24 * 60, () => stateOf(s, 'manager') === 'baking');
    const brake = await freezeCommand(
      { target: 'manager', until: '6h', reason: REASON, who: 'alice' },
      await brakeDeps(s, []),
    );

    s.world.setAlarm('manager-errors', 'ALARM');
    await runBounded(s, 24 * 60);

    expect({
      state: s.rollout('manager').state,
      managerDefault: s.world.templateByName(TEMPLATE.manager).defaultVersion,
      live: liveManagers(s.world).map((m) => m.imageId),
      held: heldAlerts(s),
      violations: s.world.violations,
      beforeTheBrakeEnds: Date.parse(s.rollout('manager').stateSince) < Date.parse(brake.until),
    }).toEqual({
      state: 'rolled-back',
      beforeTheBrakeEnds: true,
      managerDefault: 1,
      live: [AMI.managerOld],
      held: [],
      violations: [],
    });
  });

  it('holds a config apply without sending it, and sends it after unfreeze', async () => {
    const s = new Scenario({ start: TUESDAY_DAY });
    standardFleet(s.world);
    createSecrets(s.world, MANAGER_CONFIG);
    await freezeCommand(
      { target: 'manager', until: '2h', reason: REASON, who: 'alice' },
      await brakeDeps(s, []),
    );
    const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
    s.world.scripts['apply-config'] = () => ({
      kind: 'pass',
      output: `CONFIG_HASH=${hash}\nRESULT applied-live`,
    });
    const applies = () => s.world.commands.filter((c) => c.documentName.endsWith('-autopilot-apply-config'));

    await runBounded(s, 24 * 60, () => Date.now() >= Date.parse('2026-11-03T11:00:00Z'));

    const note = `held by the emergency brake until 2026-11-03T12:00:00.000Z: ${REASON}`;
    expect({
      state: s.rollouts('manager').map((r) => `${r.kind} ${r.state}`),
      history: s.historyOf('manager', 'config').slice(1),
      applies: applies().length,
      alerts: s.busEvents('Config Apply Failed').map((e) => `${String(e.stage)}: ${String(e.reason)}`),
    }).toEqual({
      state: ['config applying'],
      history: [`(config) applying: ${note}`],
      applies: 0,
      alerts: [`held: ${note}`],
    });

    await unfreezeCommand({ target: 'manager' }, await brakeDeps(s, []));
    await runBounded(s, 24 * 60);

    expect({
      state: s.rollouts('manager').map((r) => `${r.kind} ${r.state}`),
      last: s.historyOf('manager', 'config').at(-1),
      applies: applies().length,
      violations: s.world.violations,
    }).toEqual({
      state: ['config done'],
      last: '(config) done: applied-live',
      applies: 1,
      violations: [],
    });
  });
});
