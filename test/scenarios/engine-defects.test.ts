import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { keyOf } from '../../rehearsal/document-table';
import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import { MINUTE } from '../../rehearsal/fake-aws';
import { loadStack } from '../../rehearsal/router';
import {
  alarmsConfig,
  AMI,
  GROUP,
  isCommandEvent,
  liveManagers,
  runBounded,
  standardFleet,
  TEMPLATE,
} from './fleet';

/**
 * Defects 1-6 and 9 of issue 9 ("Rollout engine: one transition table, every state bounded, never
 * a step backwards"), each reproduced through the real handlers. They failed on the engine before
 * the transition table (each test says how it failed) and pass on the table-driven one. They assert only what any correct engine must show:
 * launch template defaults, ledger states, the manager lease, commands sent, alerts on the bus and
 * the world's invariants; never a note's wording or an internal field.
 */

// Tuesday 01:00 UTC: inside the manager's maintenance window (01:00-04:59 UTC), no freeze.
const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';
// Tuesday 10:00 UTC: outside the manager's window; its drains wait for 01:00 on Wednesday.
const TUESDAY_DAY = '2026-11-03T10:00:00Z';

/** A third image for either pipeline: the second candidate of a night. */
const NEWER = { jobs: 'ami-0000000000000a003', manager: 'ami-0000000000000b003' } as const;

const FINAL_STATES = ['refused', 'done', 'rejected', 'rolled-back', 'superseded', 'failed'];

/** The example's manager window, `* 1-4 * * *` UTC, as minutes of the day: [start, end). */
const WINDOW = { start: 60, end: 5 * 60 } as const;
/** The example manager's drain bound (`TimeoutStopSec`): maxJobMinutes (120) plus 15 minutes of slack. */
const DRAIN_BOUND_MINUTES = 120 + 15;

/**
 * Runs the scenario for at most `maxMinutes` of virtual time. A rollout that never reaches a
 * final state keeps the reconciler busy past the bound: that is reported by the assertions on
 * the states that follow, not by the driver's error.
 */

/** Every ledger item of the fleet not in a final state. */
const unfinished = (s: Scenario, fleet: string): string[] =>
  s
    .rollouts(fleet)
    .filter((r) => !FINAL_STATES.includes(r.state))
    .map((r) => `${r.candidateId}: ${r.state}`);

/** The fleet's manager lease if someone still holds it now (functions/shared/ledger.ts: sk LEASE). */
const heldLease = (s: Scenario, fleet: string): string | undefined => {
  const lease = s.world.table.get(keyOf({ pk: `FLEET#${fleet}`, sk: 'LEASE' }));
  if (!lease || Date.parse(String(lease.expiresAt)) <= Date.now()) return undefined;
  return `held by ${String(lease.holder)} (${String(lease.action)}) until ${String(lease.expiresAt)}`;
};

/** Drain commands sent, as `instance at time`. */
const drains = (s: Scenario): string[] =>
  s.world.commands
    .filter((c) => c.documentName.endsWith('-autopilot-drain-manager'))
    .map((c) => `${c.instanceId} at ${new Date(c.requestedAt).toISOString()}`);

const minuteOfDay = (ms: number): number => {
  const d = new Date(ms);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
};

const outsideWindow = (ms: number): boolean =>
  minuteOfDay(ms) < WINDOW.start || minuteOfDay(ms) >= WINDOW.end;

/** Drains that started outside the window, or too late in it for their bound to end inside it. */
const lateDrains = (s: Scenario): string[] =>
  s.world.commands
    .filter((c) => c.documentName.endsWith('-autopilot-drain-manager'))
    .filter(
      (c) => outsideWindow(c.requestedAt) || minuteOfDay(c.requestedAt) + DRAIN_BOUND_MINUTES > WINDOW.end,
    )
    .map(
      (c) =>
        `drain of ${c.instanceId} started at ${new Date(c.requestedAt).toISOString()}: its ${DRAIN_BOUND_MINUTES}-minute bound ends after the window (01:00-05:00 UTC)`,
    );

/** Records every value the template's default takes, checked after each step of the driver. */
const watchDefault = (s: Scenario, template: string): { seen: number[]; check: () => boolean } => {
  const seen = [s.world.templateByName(template).defaultVersion];
  return {
    seen,
    check: () => {
      const now = s.world.templateByName(template).defaultVersion;
      if (seen.at(-1) !== now) seen.push(now);
      return false;
    },
  };
};

/**
 * The rollout of each candidate version, in these scenarios: the template starts at version 1 and
 * each rollout of the fleet stages the next version, in the order the driver lists them.
 */
const rolloutOfVersion = (s: Scenario, fleet: string, version: number) => s.rollouts(fleet)[version - 2];

/**
 * Moves of the default to an older version that are not the rollback of the version it left: a
 * default may go from v down to w only back to the default v replaced, and only when the rollout
 * of v ends rolled back.
 */
const backwardSteps = (s: Scenario, fleet: string, seen: readonly number[]): string[] =>
  seen.flatMap((to, i) => {
    const from = seen[i - 1];
    if (from === undefined || to >= from) return [];
    const replaced = seen[seen.indexOf(from) - 1];
    const state = rolloutOfVersion(s, fleet, from)?.state;
    return to === replaced && state === 'rolled-back'
      ? []
      : [`${from} -> ${to} (${from} had replaced ${replaced}; its rollout is ${state ?? 'unknown'})`];
  });

/** Writes the scenario's report where SCENARIO_REPORT_DIR says, as rollout.test.ts does. */
const keepReport = (s: Scenario): void => {
  if (!process.env.SCENARIO_REPORT_DIR) return;
  const name = expect.getState().currentTestName ?? 'scenario';
  writeFileSync(
    join(process.env.SCENARIO_REPORT_DIR, `${name}.txt`),
    [s.report(), '--- crashes', ...s.world.crashed].join('\n'),
  );
};

const expectNoBrokenPromise = (s: Scenario): void => {
  expect(s.world.violations).toEqual([]);
  expect(s.world.refusedCommands).toEqual([]);
};

// A synth per config (cached) and hundreds of invocations per scenario: more than jest's 5 s.
jest.setTimeout(120_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

describe('engine defects of issue 9', () => {
  // Defect 1, jobs. Today: the older rollout keeps baking after the newer one is promoted; the
  // alarm of jobs-instance is seen only at bake ends, and the older bake end restores its own
  // previous default (3 -> 1) past the newer promotion, then the newer one restores 2: the
  // default goes 1, 2, 3, 1, 2 and ends on a candidate the ledger marks rolled back.
  it('never moves a jobs default past a newer promotion when an older rollout ends its bake in ALARM', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    standardFleet(s.world);
    const watch = watchDefault(s, TEMPLATE.jobs);
    s.imageReady('jobs', AMI.jobsNew, 1);
    await s.runUntilQuiet({
      until: () => watch.check() || s.rollouts('jobs-docker')[0]?.state === 'baking',
    });
    s.imageReady('jobs', NEWER.jobs, 2);
    await s.runUntilQuiet({
      until: () => watch.check() || s.world.templateByName(TEMPLATE.jobs).defaultVersion === 3,
    });

    s.world.setAlarm('jobs-instance-errors', 'ALARM');
    await runBounded(s, 24 * 60, watch.check);
    keepReport(s);

    expect(backwardSteps(s, 'jobs-docker', watch.seen)).toEqual([]);
    const finalDefault = s.world.templateByName(TEMPLATE.jobs).defaultVersion;
    expect(rolloutOfVersion(s, 'jobs-docker', finalDefault)?.state).not.toBe('rolled-back');
    expect(unfinished(s, 'jobs-docker')).toEqual([]);
    expectNoBrokenPromise(s);
  });

  // Defect 1, managers. Today: both promotions wait for the 01:00 window; the older one drains
  // first and its group launches the newer default (3), which its health check (expecting 2)
  // never accepts: it rolls back (default 1, a second drain), then the newer one drains (a third)
  // onto version 1, times out the same way and rolls back (default 2, a fourth drain): four
  // drains in one night, both rollouts rolled back, the final default a rolled-back candidate.
  it('drains a manager once for two promotions waiting for the same maintenance window', async () => {
    const s = new Scenario({ start: TUESDAY_DAY });
    standardFleet(s.world);
    const watch = watchDefault(s, TEMPLATE.manager);
    s.imageReady('manager', AMI.managerNew, 1);
    await s.runUntilQuiet({
      until: () => watch.check() || s.world.templateByName(TEMPLATE.manager).defaultVersion === 2,
    });
    s.imageReady('manager', NEWER.manager, 2);
    await s.runUntilQuiet({
      until: () => watch.check() || s.world.templateByName(TEMPLATE.manager).defaultVersion === 3,
    });

    await runBounded(s, 2 * 24 * 60, watch.check);
    keepReport(s);

    expect(drains(s)).toHaveLength(1);
    expect(backwardSteps(s, 'manager', watch.seen)).toEqual([]);
    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(3);
    expect(rolloutOfVersion(s, 'manager', 3)?.state).toBe('done');
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([NEWER.manager]);
    expect(unfinished(s, 'manager')).toEqual([]);
    expect(heldLease(s, 'manager')).toBeUndefined();
    expectNoBrokenPromise(s);
  });

  // Defect 2. Today: the retry after the crash finds the old manager already terminated,
  // TerminateInstanceInAutoScalingGroup answers `Instance Id not found` (ValidationError), every
  // retry and every reconciler pass fails the same way, and the rollout stays `draining` forever,
  // holding the fleet's lease.
  it('finishes a manager replacement when the function crashed between terminating the old manager and saving the ledger', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    // The crash repeats on Lambda's first retry (a function timeout whose cause lasts minutes),
    // so the second retry comes when the old manager is gone: what a retry sees after any delay.
    s.world.crashAfter('TerminateInstanceInAutoScalingGroup', 2);

    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 12 * 60);
    keepReport(s);

    // Once the retry sees the old manager terminating or gone, it does not call Terminate again.
    expect(s.world.crashed.length).toBeGreaterThanOrEqual(1);
    expect(unfinished(s, 'manager')).toEqual([]);
    expect(s.rollout('manager').state).toBe('done');
    expect(manager.state).toBe('terminated');
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerNew]);
    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(2);
    expect(heldLease(s, 'manager')).toBeUndefined();
    expectNoBrokenPromise(s);
  });

  // Defect 3. Today: the new manager never registers in SSM, its health check times out and the
  // rollback drains it: SendCommand answers InvalidInstanceId on every attempt, `rollback-draining`
  // has no deadline, and every reconciler pass renews the lease: the rollout never ends, no alert
  // says so, and the restart asked for afterwards waits behind the lease for ever.
  it('bounds a rollback whose manager never registers in SSM, alerts, and frees the lease for a later restart', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    // The new manager's agent never registers; its canary (same image, not in the group) does.
    s.world.neverOnline = (i) => i.group === GROUP.manager && i.imageId === AMI.managerNew;

    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 12 * 60);
    keepReport(s);

    expect(unfinished(s, 'manager')).toEqual([]);
    const rollout = s.rollout('manager');
    expect(rollout.state).toBe('failed');
    expect(s.busEvents('Rollout Failed')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fleet: 'manager', candidateId: rollout.candidateId, outcome: 'failed' }),
      ]),
    );
    expect(heldLease(s, 'manager')).toBeUndefined();

    // A person repairs the agent; the restart they then ask for must not wait behind a lease.
    for (const m of liveManagers(s.world)) m.onlineAt = Date.now();
    s.putOnOurBus('Manager Restart Requested', {
      fleet: 'manager',
      reason: 'after repairing the SSM agent',
      idempotencyKey: 'ops:restart-1',
    });
    await runBounded(s, 2 * 24 * 60);
    keepReport(s);

    expect(unfinished(s, 'manager')).toEqual([]);
    expect(
      s.world.commands.filter((c) => c.documentName.endsWith('-autopilot-restart-manager')),
    ).toHaveLength(1);
    expect(heldLease(s, 'manager')).toBeUndefined();
    expectNoBrokenPromise(s);
  });

  // Defect 4. Today: the status event of the rollback's health command is lost; the reconciler
  // looks for a replacement other than the one already checked (the id of the drained manager
  // was overwritten by the replacement's), finds none, and after the health timeout marks the
  // good rollback `failed`, keeping the lease.
  it('ends a good manager rollback rolled back when the status event of its health check is lost', async () => {
    // The first Success of manager-health is the rollback's: the new manager's health fails.
    const s = new Scenario({ start: TUESDAY_NIGHT, drop: isCommandEvent('manager-health', 'Success') });
    standardFleet(s.world);
    s.world.scripts['manager-health'] = (_c, instance) =>
      instance?.imageId === AMI.managerNew
        ? { kind: 'fail', output: 'gitlab-runner: inactive\nRESULT fail: service not active' }
        : { kind: 'pass' };

    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 24 * 60);
    keepReport(s);

    expect(s.dropped).toHaveLength(1);
    expect(s.rollout('manager').state).toBe('rolled-back');
    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(1);
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerOld]);
    expect(heldLease(s, 'manager')).toBeUndefined();
    expectNoBrokenPromise(s);
  });

  // Defect 5. Today: `verifying` keeps the deadline `replacing` set (15 minutes from the
  // termination); the reconciler finds the health command still running past it and fails the
  // rollout at once, though the command succeeds minutes later.
  it('finishes a manager rollout whose health check succeeds after the replacement deadline', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    // SSM lets a command wait up to its delivery timeout (600 s) before its execution timeout
    // (600 s) starts: 18 minutes from SendCommand to Success is a slow but normal health check.
    s.world.scripts['manager-health'] = () => ({ kind: 'pass', afterMinutes: 18 });

    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 24 * 60);
    keepReport(s);

    expect(s.rollout('manager').state).toBe('done');
    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(2);
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerNew]);
    expect(heldLease(s, 'manager')).toBeUndefined();
    expect(s.busEvents('Rollout Failed')).toEqual([]);
    expectNoBrokenPromise(s);
  });

  // Defect 9, promotion. Today: the candidate passes its canary while jobs-docker-errors is in
  // ALARM and is promoted at once (default 1 -> 2), then rolled back at its bake end (2 -> 1).
  it('holds a promotion while a rollback alarm of the fleet is already in ALARM', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    standardFleet(s.world);
    s.world.setAlarm('jobs-docker-errors', 'ALARM');
    const clearAt = Date.parse(TUESDAY_NIGHT) + 3 * 60 * MINUTE;
    const movedInAlarm: string[] = [];
    const watchInAlarm = () => {
      const version = s.world.templateByName(TEMPLATE.jobs).defaultVersion;
      const line = `default ${version} while jobs-docker-errors is ALARM`;
      if (
        version !== 1 &&
        s.world.alarms.get('jobs-docker-errors') === 'ALARM' &&
        !movedInAlarm.includes(line)
      )
        movedInAlarm.push(line);
      return Date.now() >= clearAt;
    };

    s.imageReady('jobs', AMI.jobsNew);
    await runBounded(s, 4 * 60, watchInAlarm);
    keepReport(s);
    expect(movedInAlarm).toEqual([]);

    s.world.setAlarm('jobs-docker-errors', 'OK');
    await runBounded(s, 24 * 60);
    keepReport(s);

    expect(unfinished(s, 'jobs-docker')).toEqual([]);
    // Promoted once the alarm cleared, or ended with its reason: never promoted into the alarm.
    expect(s.rollout('jobs-docker').state).not.toBe('rolled-back');
    expectNoBrokenPromise(s);
  });

  // Defect 9, drain. Today: the candidate is promoted at 03:36, 84 minutes before the window
  // ends, and the drain (bound 135 minutes) starts at once; the manager's job runs to 05:10, so
  // the old manager is terminated and its replacement launched after the window.
  it('does not start a manager drain later in a window than its drain bound allows', async () => {
    const s = new Scenario({ start: '2026-11-03T03:30:00Z' });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 100);

    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 2 * 24 * 60);
    keepReport(s);

    expect(lateDrains(s)).toEqual([]);
    const [replacement] = liveManagers(s.world);
    expect(replacement?.imageId).toBe(AMI.managerNew);
    expect(outsideWindow(replacement?.launchedAt ?? 0)).toBe(false);
    expect(s.rollout('manager').state).toBe('done');
    expectNoBrokenPromise(s);
  });

  // Defect 6. Before: nothing suspended health replacement, so an EC2 status check failing on the
  // manager mid-drain made its group terminate it (and its running job) and start the unverified
  // candidate in its place.
  it('keeps the group from replacing a manager mid-drain, and resumes health replacement after', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 40);

    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 60, () => s.rollouts('manager').some((r) => r.state === 'draining'));
    const replaced = s.world.markUnhealthy(manager.id);
    await runBounded(s, 12 * 60);
    keepReport(s);

    expect(replaced).toBe(false);
    expect(s.rollout('manager').state).toBe('done');
    expect(s.world.group(GROUP.manager).suspendedProcesses).toEqual(['AZRebalance']);
    expect(heldLease(s, 'manager')).toBeUndefined();
    expectNoBrokenPromise(s);
  });

  // Defect 6, with a crash: the suspension is recorded before it is made, so a function that died
  // right after SuspendProcesses still resumes it when its rollout ends.
  it('resumes health replacement even when the function died right after suspending it', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.world.crashAfter('SuspendProcesses', 1);

    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 12 * 60);
    keepReport(s);

    expect(s.world.crashed).toHaveLength(1);
    expect(s.rollout('manager').state).toBe('done');
    expect(s.world.group(GROUP.manager).suspendedProcesses).toEqual(['AZRebalance']);
    expectNoBrokenPromise(s);
  });

  // Defect 6: a suspension that is not ours (set by an operator, no lease explains it) is left
  // alone, and pre-flight refuses the fleet instead of draining it.
  it('refuses a manager group whose health replacement someone else suspended, and leaves it suspended', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.world.group(GROUP.manager).suspendedProcesses.push('ReplaceUnhealthy');

    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 60);

    expect(s.rollout('manager')).toMatchObject({
      state: 'refused',
      reason: expect.stringContaining('ReplaceUnhealthy'),
    });
    expect(s.world.group(GROUP.manager).suspendedProcesses).toEqual(['AZRebalance', 'ReplaceUnhealthy']);
    expect(drains(s)).toEqual([]);
  });
});
