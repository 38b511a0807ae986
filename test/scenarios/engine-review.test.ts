import { keyOf } from '../../rehearsal/document-table';
import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import type { Outcome } from '../../rehearsal/fake-aws';
import { loadStack } from '../../rehearsal/router';
import {
  AMI,
  createSecrets,
  deployRunnerConfig,
  exampleConfigWith,
  GROUP,
  liveManagers,
  MANAGER_CONFIG,
  runBounded,
  standardFleet,
  TEMPLATE,
} from './fleet';

/**
 * An adversarial review of the table-driven rollout engine (issue 9), on the manager fleet: rollback
 * alarms and requests in each state, several manager images in one night, a restart and a config
 * apply competing for the lease, crashes right after each AWS write. Each test asserts only what
 * any correct engine must show at the end: every item final, the lease free, ReplaceUnhealthy not
 * left suspended, the manager running what the default says, one alert per outcome, the world's
 * invariants. A failing test documents a defect (see its comment).
 */

// Tuesday 01:00 UTC: inside the manager's maintenance window (01:00-04:59 UTC).
const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';
// Tuesday 10:00 UTC: outside it; manager drains wait for Wednesday 01:00.
const TUESDAY_DAY = '2026-11-03T10:00:00Z';

const NEWER = { manager: 'ami-0000000000000b003', manager3: 'ami-0000000000000b004' } as const;
const FINAL = ['refused', 'done', 'rejected', 'rolled-back', 'superseded', 'failed'];

const alarmsConfig = (): string =>
  exampleConfigWith('alarms', (config) => {
    for (const fleet of config.fleets as { name: string; rollbackAlarms?: string[] }[])
      fleet.rollbackAlarms = [`${fleet.name}-errors`];
  });

const managerItems = (s: Scenario) => s.rollouts('manager');
const rolloutsOf = (s: Scenario) => managerItems(s).filter((r) => r.kind === 'rollout');
const stateOf = (s: Scenario, index: number) => rolloutsOf(s)[index]?.state;

const heldLease = (s: Scenario): string | undefined => {
  const lease = s.world.table.get(keyOf({ pk: 'FLEET#manager', sk: 'LEASE' }));
  if (!lease || Date.parse(String(lease.expiresAt)) <= Date.now()) return undefined;
  return `lease held by ${String(lease.holder)} (${String(lease.action)})`;
};

const defaultImage = (s: Scenario): string => {
  const lt = s.world.templateByName(TEMPLATE.manager);
  return lt.versions.find((v) => v.number === lt.defaultVersion)?.imageId ?? '?';
};

const drains = (s: Scenario) =>
  s.world.commands.filter((c) => c.documentName.endsWith('-autopilot-drain-manager'));

/**
 * Everything that must hold once a scenario is over, as a list of broken promises (empty when
 * sound), so a failure shows them all at once.
 */
const brokenPromises = (s: Scenario, options: { managerMatchesDefault?: boolean } = {}): string[] => {
  const out: string[] = [...s.world.violations, ...s.world.refusedCommands.map((r) => `refused: ${r}`)];
  for (const fleet of ['manager', 'jobs-docker'])
    for (const r of s.rollouts(fleet))
      if (!FINAL.includes(r.state)) out.push(`${fleet} ${r.kind} ${r.candidateId} unfinished: ${r.state}`);
  const lease = heldLease(s);
  if (lease) out.push(lease);
  if (s.world.group(GROUP.manager).suspendedProcesses.includes('ReplaceUnhealthy'))
    out.push('ReplaceUnhealthy left suspended on the manager group');
  const live = liveManagers(s.world);
  if (live.length !== 1) out.push(`${live.length} live managers`);
  if (options.managerMatchesDefault !== false && live[0] && live[0].imageId !== defaultImage(s))
    out.push(
      `the manager runs ${live[0].imageId} (version ${live[0].launchTemplateVersion}) but the default is version ${s.world.templateByName(TEMPLATE.manager).defaultVersion} (${defaultImage(s)})`,
    );
  // PutEvents is at least once (a retry after a crash sends again); the alert function collapses
  // events of one content key (fleet, candidate, stage, outcome: functions/alert/decide.ts), so a
  // person is alerted twice only when one outcome is reported from two stages.
  const alerts = new Map<string, Set<string>>();
  for (const e of s.busEvents('Rollout Failed')) {
    const key = `${String(e.candidateId)} ${String(e.outcome)}`;
    alerts.set(key, (alerts.get(key) ?? new Set()).add(String(e.stage)));
  }
  for (const [key, stages] of alerts)
    if (stages.size > 1) out.push(`Rollout Failed ${key} sent from ${stages.size} stages`);
  return out;
};

/** The ledger, for a failing expectation's message. */
const ledger = (s: Scenario): string => s.historyOf('manager').join('\n');

jest.setTimeout(120_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

describe('manager rollbacks in each state', () => {
  type Phase = 'awaiting-maintenance' | 'draining' | 'replacing' | 'verifying' | 'baking' | 'done';
  const setup = (s: Scenario, phase: Phase): void => {
    const { manager } = standardFleet(s.world);
    if (phase === 'draining') s.world.startJob(manager.id, 40);
    if (phase === 'verifying') s.world.scripts['manager-health'] = () => ({ kind: 'pass', afterMinutes: 5 });
  };

  const reached = (s: Scenario, phase: Phase) => () => stateOf(s, 0) === phase;

  // Alarms: a rollback alarm of the manager goes to ALARM while its rollout is in `phase`.
  it.each<Phase>(['awaiting-maintenance', 'draining', 'replacing', 'verifying', 'baking'])(
    'rolls back (or ends consistently) when the rollback alarm fires in %s',
    async (phase) => {
      const s = new Scenario({
        start: phase === 'awaiting-maintenance' ? TUESDAY_DAY : TUESDAY_NIGHT,
        configPath: alarmsConfig(),
      });
      setup(s, phase);
      s.imageReady('manager', AMI.managerNew);
      await runBounded(s, 24 * 60, reached(s, phase));
      expect(stateOf(s, 0)).toBe(phase);
      s.world.setAlarm('manager-errors', 'ALARM');
      await runBounded(s, 3 * 24 * 60);

      expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
      expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(1);
      expect(stateOf(s, 0)).toBe('rolled-back');
    },
  );

  // Requests: a person asks for a rollback of the manager while its rollout is in `phase`.
  // FAILS for `draining`: rollbackTarget (rollback.ts) allows requests only from baking,
  // verifying, replacing, awaiting-maintenance and done, so the rollback handler answers
  // `nothing-to-roll-back`; the request is dropped without a record or an alert and the rollout
  // ends `done` on version 2. It should be honoured (at the latest once the drain ends) or refused
  // loudly.
  it.each<Phase>(['awaiting-maintenance', 'draining', 'replacing', 'verifying', 'baking', 'done'])(
    'rolls back when a person asks in %s',
    async (phase) => {
      const s = new Scenario({ start: phase === 'awaiting-maintenance' ? TUESDAY_DAY : TUESDAY_NIGHT });
      setup(s, phase);
      s.imageReady('manager', AMI.managerNew);
      await runBounded(s, 24 * 60, reached(s, phase));
      expect(stateOf(s, 0)).toBe(phase);
      s.putOnOurBus('Rollback Requested', {
        fleet: 'manager',
        reason: 'ops',
        idempotencyKey: `ops:${phase}`,
      });
      await runBounded(s, 3 * 24 * 60);

      expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
      expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(1);
      expect(stateOf(s, 0)).toBe('rolled-back');
    },
  );

  // The group has just launched the replacement from the candidate version (InService, still
  // `pending`) when the rollback comes.
  // FAILS: drain() (manager.ts) asks liveManager for a `running` instance, finds none, so it drains
  // nothing and goes to rollback-replacing; check-replacement then accepts only version 1 and
  // never touches the booting version-2 manager: after healthTimeoutMinutes the rollback ends
  // `failed` and the manager runs the rolled-back candidate while the default says version 1. A
  // replacement still booting on the wrong version should be waited for and drained (or
  // terminated, as nothing runs on it yet).
  it('rolls back when asked while the replacement on the candidate is still booting', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 24 * 60, () =>
      liveManagers(s.world).some((m) => m.imageId === AMI.managerNew && m.state === 'pending'),
    );
    expect(stateOf(s, 0)).toBe('replacing');
    s.putOnOurBus('Rollback Requested', { fleet: 'manager', reason: 'ops', idempotencyKey: 'ops:boot' });
    await runBounded(s, 3 * 24 * 60);

    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(stateOf(s, 0)).toBe('rolled-back');
  });
});

// Failed before the rollback recorded its restore before making it: a retry after a crash right
// after ModifyLaunchTemplate or PutEvents found the default it had restored itself, took it for a
// newer promotion and ended `superseded` without draining, the manager left on the candidate.
// A crash right after PutEvents sends the alert again (PutEvents is at least once); both carry one
// content key, which the alert function collapses into one message.
/** What the alert function deduplicates a Rollout Failed by (besides the candidate). */
const alertKey = (e: Record<string, unknown>): string => [e.fleet, e.outcome, e.stage].map(String).join('|');

describe('crashes right after a rollback write', () => {
  // The rollback's own writes: ModifyLaunchTemplate (restore the default), PutEvents (its alert),
  // then the drain's SuspendProcesses, SendCommand, TerminateInstanceInAutoScalingGroup,
  // ResumeProcesses and the CreateSchedule of its health check.
  it.each([
    'ModifyLaunchTemplate',
    'PutEvents',
    'SuspendProcesses',
    'SendCommand',
    'TerminateInstanceInAutoScalingGroup',
    'ResumeProcesses',
    'CreateSchedule',
  ])(
    'finishes a requested manager rollback from baking when the function dies right after %s',
    async (api) => {
      const s = new Scenario({ start: TUESDAY_NIGHT });
      standardFleet(s.world);
      s.imageReady('manager', AMI.managerNew);
      await runBounded(s, 24 * 60, () => stateOf(s, 0) === 'baking');
      s.world.crashAfter(api, 1);
      s.putOnOurBus('Rollback Requested', { fleet: 'manager', reason: 'ops', idempotencyKey: 'ops:crash' });
      await runBounded(s, 3 * 24 * 60);

      expect(s.world.crashed).toHaveLength(1);
      expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
      expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(1);
      expect(stateOf(s, 0)).toBe('rolled-back');
      expect(new Set(s.busEvents('Rollout Failed').map(alertKey))).toEqual(
        new Set(['manager|rolled-back|baking']),
      );
    },
  );

  // The same, for an immediate rollback: the health check of the new manager fails (verifying).
  it.each([
    'ModifyLaunchTemplate',
    'PutEvents',
    'SuspendProcesses',
    'SendCommand',
    'TerminateInstanceInAutoScalingGroup',
    'ResumeProcesses',
  ])('finishes an unhealthy manager rollback when the function dies right after %s', async (api) => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.world.scripts['manager-health'] = (_c, instance) =>
      instance?.imageId === AMI.managerNew
        ? { kind: 'fail', output: 'gitlab-runner: inactive\nRESULT fail: service not active' }
        : { kind: 'pass' };
    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 24 * 60, () => stateOf(s, 0) === 'verifying');
    s.world.crashAfter(api, 1);
    await runBounded(s, 3 * 24 * 60);

    expect(s.world.crashed).toHaveLength(1);
    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(stateOf(s, 0)).toBe('rolled-back');
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerOld]);
  });
});

describe('crashes right after a rollout write', () => {
  // Armed when the rollout reaches `phase`, so the crash hits that phase's (or a later one's) call.
  it.each<[string, string]>([
    ['staged', 'ModifyLaunchTemplate'],
    ['staged', 'PutEvents'],
    ['awaiting-maintenance', 'SuspendProcesses'],
    ['awaiting-maintenance', 'SendCommand'],
    ['awaiting-maintenance', 'CreateSchedule'],
    ['draining', 'TerminateInstanceInAutoScalingGroup'],
    ['draining', 'ResumeProcesses'],
    ['draining', 'CreateSchedule'],
    ['replacing', 'SendCommand'],
    ['verifying', 'CreateSchedule'],
  ])('finishes a manager rollout armed in %s when the function dies right after %s', async (phase, api) => {
    const s = new Scenario({ start: phase === 'awaiting-maintenance' ? TUESDAY_DAY : TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 20);
    s.imageReady('manager', AMI.managerNew);
    if (phase !== 'staged') await runBounded(s, 24 * 60, () => stateOf(s, 0) === phase);
    s.world.crashAfter(api, 1);
    await runBounded(s, 3 * 24 * 60);

    expect(s.world.crashed).toHaveLength(1);
    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(stateOf(s, 0)).toBe('done');
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerNew]);
    expect(drains(s)).toHaveLength(1);
  });
});

describe('several manager images', () => {
  // Records every value the manager template's default takes.
  const watchDefault = (s: Scenario) => {
    const seen = [s.world.templateByName(TEMPLATE.manager).defaultVersion];
    return {
      seen,
      check: () => {
        const v = s.world.templateByName(TEMPLATE.manager).defaultVersion;
        if (seen.at(-1) !== v) seen.push(v);
        return false;
      },
    };
  };

  it('rolls three manager images out in one night to the newest, never stepping back', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 30);
    const watch = watchDefault(s);
    s.imageReady('manager', AMI.managerNew, 1);
    await runBounded(s, 12 * 60, () => watch.check() || stateOf(s, 0) === 'draining');
    s.imageReady('manager', NEWER.manager, 2);
    await runBounded(s, 12 * 60, () => watch.check() || stateOf(s, 0) === 'replacing');
    s.imageReady('manager', NEWER.manager3, 3);
    await runBounded(s, 3 * 24 * 60, watch.check);

    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(watch.seen).toEqual([...watch.seen].sort((a, b) => a - b));
    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(4);
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([NEWER.manager3]);
  });

  it('rolls two manager images out across two nights, the second arriving by day while the first bakes', async () => {
    const config = exampleConfigWith('long-bake', (c) => {
      for (const fleet of c.fleets as { role: string; bakePeriodMinutes?: number }[])
        if (fleet.role === 'manager') fleet.bakePeriodMinutes = 24 * 60;
    });
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: config });
    standardFleet(s.world);
    const watch = watchDefault(s);
    s.imageReady('manager', AMI.managerNew, 1);
    await runBounded(s, 12 * 60, () => watch.check() || stateOf(s, 0) === 'baking');
    s.setTime(new Date('2026-11-03T12:00:00Z'));
    s.imageReady('manager', NEWER.manager, 2);
    await runBounded(s, 3 * 24 * 60, watch.check);

    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(3);
    expect(rolloutsOf(s).map((r) => r.state)).toEqual(['superseded', 'done']);
  });

  // The older rollout A is mid-drain when B is promoted: A's replacement launches from the new
  // default (B's version 3) and A accepts it. B still waits for the lease in awaiting-maintenance
  // when a person asks for a rollback: B is the latest promoted, so B is rolled back.
  // FAILS: rollBack (rollback.ts) treats a manager rollout in awaiting-maintenance as "not
  // replaced yet, runs no candidate" and settles it `rolled-back` with the default alone restored
  // (3 -> 2). But A's replacement (acceptedVersions in manager.ts takes the current default)
  // already runs version 3: the manager stays on the rolled-back candidate, and A bakes `done` on
  // it. The rollback should look at what the live manager runs, not at the item's state.
  it('drains the manager back when the rolled-back newer candidate already runs on it through an older rollout', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 30);
    s.imageReady('manager', AMI.managerNew, 1);
    await runBounded(s, 12 * 60, () => stateOf(s, 0) === 'draining');
    s.imageReady('manager', NEWER.manager, 2);
    await runBounded(
      s,
      12 * 60,
      () =>
        (stateOf(s, 0) === 'verifying' || stateOf(s, 0) === 'baking') &&
        stateOf(s, 1) === 'awaiting-maintenance',
    );
    expect([stateOf(s, 0), stateOf(s, 1)]).toEqual([expect.any(String), 'awaiting-maintenance']);
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([NEWER.manager]);
    s.putOnOurBus('Rollback Requested', { fleet: 'manager', reason: 'ops', idempotencyKey: 'ops:b' });
    await runBounded(s, 3 * 24 * 60);

    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(stateOf(s, 1)).toBe('rolled-back');
  });
});

describe('restarts and config applies competing with a rollback', () => {
  // A manager rollout bakes; in the next window a restart drains the manager with a 110-minute job
  // when a person asks for a rollback: the rollback waits for the lease.
  // FAILS: the rollback-draining deadline (table.ts) is fixed when the rollback starts (dueOrNow +
  // one lease + one drain). The restart frees the lease at 02:50, too late in the window for a
  // drain (drainWindowMinutes), so start-drain waits for the next night's window; the deadline
  // passes first and read-drain ends the rollback `failed`: default 1, manager still on the
  // candidate. Waiting for the next window after a lease wait should be inside the bound (or the
  // deadline should be recomputed when start-drain moves dueAt to a later window).
  it('rolls a baked manager back after a restart held the lease past the usable part of the window', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.imageReady('manager', AMI.managerNew, 1);
    await runBounded(s, 12 * 60, () => stateOf(s, 0) === 'done');
    s.setTime(new Date('2026-11-04T01:00:00Z'));
    const [now] = liveManagers(s.world);
    s.world.startJob(now?.id ?? '', 110);
    // The fake's restart does not wait for jobs: as the real one, it ends once the job has.
    s.world.scripts['restart-manager'] = () => ({ kind: 'pass', afterMinutes: 111 });
    s.putOnOurBus('Manager Restart Requested', {
      fleet: 'manager',
      reason: 'ops restart',
      idempotencyKey: 'ops:restart',
    });
    await runBounded(s, 60, () =>
      managerItems(s).some((r) => r.kind === 'restart' && r.state === 'draining'),
    );
    s.putOnOurBus('Rollback Requested', { fleet: 'manager', reason: 'ops', idempotencyKey: 'ops:late' });
    await runBounded(s, 3 * 24 * 60);

    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(stateOf(s, 0)).toBe('rolled-back');
  });

  it('finishes a rollout, a restart and a restarting config apply of one manager in one night, all delivered twice', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, duplicate: 'concurrent' });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 20);
    createSecrets(s.world, MANAGER_CONFIG);
    const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
    const outcomes: Outcome[] = [
      { kind: 'pass', output: `CONFIG_HASH=${hash}\nRESULT deferred-restart: listen_address` },
      { kind: 'pass', afterMinutes: 3, output: `CONFIG_HASH=${hash}\nRESULT applied-restart` },
    ];
    let calls = 0;
    s.world.scripts['apply-config'] = () =>
      outcomes[Math.min(++calls, outcomes.length) - 1] ?? { kind: 'hang' };
    s.imageReady('manager', AMI.managerNew, 1);
    s.putOnOurBus('Manager Restart Requested', { fleet: 'manager', reason: 'ops', idempotencyKey: 'ops:r' });
    await runBounded(s, 3 * 24 * 60);

    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(
      managerItems(s)
        .map((r) => `${r.kind} ${r.state}`)
        .sort(),
    ).toEqual(['config done', 'restart done', 'rollout done']);
  });
});

describe('duplicates and lost events around a rollback', () => {
  // FAILS: two concurrent rollback invocations both read the item in baking, both restore the
  // default (idempotent) and both send the rolled-back alert before saving (rollBack in
  // rollback.ts emits before the conditional write): two Rollout Failed events for one rollback.
  // The alert should follow the write that wins (or be keyed so the second is not sent).
  it('alerts once when the alarm event of a baking manager is delivered twice at once', async () => {
    let twice = false;
    const s = new Scenario({
      start: TUESDAY_NIGHT,
      configPath: alarmsConfig(),
      duplicateWhen: () => (twice ? 'concurrent' : undefined),
    });
    standardFleet(s.world);
    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 24 * 60, () => stateOf(s, 0) === 'baking');
    twice = true;
    s.world.setAlarm('manager-errors', 'ALARM');
    await runBounded(s, 3 * 24 * 60);

    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(stateOf(s, 0)).toBe('rolled-back');
  });

  it('finishes a manager rollback whose drain status event was lost', async () => {
    let armed = false;
    const s = new Scenario({
      start: TUESDAY_NIGHT,
      dropWhen: (e) =>
        armed &&
        e['detail-type'] === 'EC2 Command Status-change Notification' &&
        String(e.detail['document-name']).endsWith('-autopilot-drain-manager'),
    });
    standardFleet(s.world);
    s.imageReady('manager', AMI.managerNew);
    await runBounded(s, 24 * 60, () => stateOf(s, 0) === 'baking');
    armed = true;
    s.putOnOurBus('Rollback Requested', { fleet: 'manager', reason: 'ops', idempotencyKey: 'ops:lost' });
    await runBounded(s, 3 * 24 * 60);

    expect(s.dropped.length).toBeGreaterThan(0);
    expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
    expect(stateOf(s, 0)).toBe('rolled-back');
  });
});

describe('crashes in restarts and restarting applies', () => {
  it.each(['SuspendProcesses', 'SendCommand', 'ResumeProcesses'])(
    'finishes a manager restart when the function dies right after %s',
    async (api) => {
      const s = new Scenario({ start: TUESDAY_NIGHT });
      standardFleet(s.world);
      s.world.crashAfter(api, 1);
      s.putOnOurBus('Manager Restart Requested', {
        fleet: 'manager',
        reason: 'ops',
        idempotencyKey: 'ops:c',
      });
      await runBounded(s, 3 * 24 * 60);

      expect(s.world.crashed).toHaveLength(1);
      expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
      expect(managerItems(s).map((r) => `${r.kind} ${r.state}`)).toEqual(['restart done']);
      expect(
        s.world.commands.filter((c) => c.documentName.endsWith('-autopilot-restart-manager')),
      ).toHaveLength(1);
    },
  );

  it.each(['SuspendProcesses', 'SendCommand', 'ResumeProcesses'])(
    'finishes a restarting config apply when the function dies right after %s in its window',
    async (api) => {
      const s = new Scenario({ start: '2026-11-03T12:00:00Z' });
      standardFleet(s.world);
      createSecrets(s.world, MANAGER_CONFIG);
      const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
      const outcomes: Outcome[] = [
        { kind: 'pass', output: `CONFIG_HASH=${hash}\nRESULT deferred-restart: listen_address` },
        { kind: 'pass', afterMinutes: 3, output: `CONFIG_HASH=${hash}\nRESULT applied-restart` },
      ];
      let calls = 0;
      s.world.scripts['apply-config'] = () =>
        outcomes[Math.min(++calls, outcomes.length) - 1] ?? { kind: 'hang' };
      await runBounded(s, 24 * 60, () =>
        managerItems(s).some(
          (r) => r.kind === 'config' && r.state === 'awaiting-maintenance' && r.dueAt !== undefined,
        ),
      );
      s.world.crashAfter(api, 1);
      await runBounded(s, 3 * 24 * 60);

      expect(s.world.crashed).toHaveLength(1);
      expect({ problems: brokenPromises(s), ledger: ledger(s) }).toEqual({ problems: [], ledger: ledger(s) });
      expect(managerItems(s).map((r) => `${r.kind} ${r.state}`)).toEqual(['config done']);
    },
  );
});
