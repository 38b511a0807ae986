import fc from 'fast-check';

import {
  classifyFleet,
  type FleetFacts,
  type FleetReport,
  INSTANCE_CLASSES,
  type InstanceFacts,
  isQuiet,
  managerState,
  stuckReason,
} from '../../../functions/fleet-sweeper/decide';
import { DEFAULT_HEALTH, fleetFactsArb, minutesAgo, NOW, sweeperFleet } from '../../arbitraries/fleet';

const quiet = { cpuMaxPercent: 0.5, networkMaxBytesPerMinute: 100, periods: 12 };
const busyCpu = { cpuMaxPercent: 80, networkMaxBytesPerMinute: 100, periods: 12 };

let next = 0;
const instance = (over: Partial<InstanceFacts> = {}): InstanceFacts => ({
  instanceId: `i-${(next++).toString(16).padStart(17, '0')}`,
  state: 'running',
  launchTime: minutesAgo(240),
  inGroup: true,
  lifecycleState: 'InService',
  launchTemplateVersion: '7',
  canary: false,
  ssm: { online: true, lastPingAt: minutesAgo(1) },
  activity: quiet,
  answers: [],
  ...over,
});

const facts = (instances: InstanceFacts[], over: Partial<FleetFacts> = {}): FleetFacts => ({
  fleet: sweeperFleet(),
  groupFound: true,
  currentVersion: '7',
  manager: { absent: false },
  autoscaler: {
    capacityPerInstance: 1,
    policy: { periods: ['* * * * *'], timezone: 'UTC', idleCount: 0, scaleFactor: 0, scaleFactorLimit: 0 },
  },
  instances,
  ...over,
});

const classOf = (report: FleetReport, id: string) => report.instances.find((v) => v.instanceId === id)?.class;
const idleAnswer = (minutes = 5) => ({ kind: 'idle' as const, at: minutesAgo(minutes) });
const busyAnswer = (jobs = 1, minutes = 5) => ({ kind: 'busy' as const, jobs, at: minutesAgo(minutes) });

describe('classifyFleet', () => {
  it.each<[string, Partial<InstanceFacts>, string]>([
    ['quiet and answered idle', { answers: [idleAnswer()] }, 'idle'],
    ['quiet, not asked yet', {}, 'unknown'],
    [
      'quiet, offline in SSM (cannot be asked)',
      { ssm: { online: false, lastPingAt: minutesAgo(2) } },
      'unknown',
    ],
    ['quiet, its job check failed', { answers: [{ kind: 'failed', at: minutesAgo(3) }] }, 'unknown'],
    ['quiet, its idle answer is older than the idle window', { answers: [idleAnswer(45)] }, 'unknown'],
    ['quiet, but says it runs a job', { answers: [busyAnswer()] }, 'busy'],
    ['quiet, a busy answer among idle ones', { answers: [idleAnswer(1), busyAnswer(1, 10)] }, 'busy'],
    ['CPU in use', { activity: busyCpu }, 'active'],
    ['network in use', { activity: { ...quiet, networkMaxBytesPerMinute: 5_000_000 } }, 'active'],
    ['too few periods of data', { activity: { ...quiet, periods: 2 } }, 'active'],
    ['no metrics', { activity: undefined }, 'other'],
    ['younger than the idle window', { launchTime: minutesAgo(20), activity: undefined }, 'other'],
    ['leaving the group', { lifecycleState: 'Terminating' }, 'other'],
    [
      'pending too long',
      { state: 'pending', lifecycleState: 'Pending', launchTime: minutesAgo(30) },
      'stuck',
    ],
    ['pending a little', { state: 'pending', lifecycleState: 'Pending', launchTime: minutesAgo(5) }, 'other'],
    ['failing status checks', { impaired: {} }, 'stuck'],
    ['offline in SSM too long', { ssm: { online: false, lastPingAt: minutesAgo(40) } }, 'stuck'],
    ['never registered with SSM', { ssm: undefined }, 'stuck'],
    [
      'held in Terminating:Wait beyond its limit',
      { lifecycleState: 'Terminating:Wait', waitSince: minutesAgo(90) },
      'stuck',
    ],
    ['held in Pending:Wait beyond its limit (from launch)', { lifecycleState: 'Pending:Wait' }, 'stuck'],
    ['carries the group tag but is in no group', { inGroup: false, lifecycleState: undefined }, 'orphaned'],
    [
      'just launched and not listed by the group yet',
      { inGroup: false, lifecycleState: undefined, launchTime: minutesAgo(2) },
      'other',
    ],
    ['a canary under test', { inGroup: false, canary: true, launchTime: minutesAgo(20) }, 'other'],
    ['an expired canary', { inGroup: false, canary: true, launchTime: minutesAgo(200) }, 'orphaned'],
  ])('classifies an instance %s', (_, over, expected) => {
    const i = instance(over);

    const report = classifyFleet(facts([i]), NOW, 5);

    expect(classOf(report, i.instanceId)).toBe(expected);
  });

  it('keeps the idle capacity of the active policy, divided by capacity per instance and rounded up', () => {
    const instances = Array.from({ length: 5 }, () => instance({ answers: [idleAnswer()] }));
    const policy = {
      periods: ['* * * * *'],
      timezone: 'UTC',
      idleCount: 3,
      scaleFactor: 0,
      scaleFactorLimit: 0,
    };

    const report = classifyFleet(
      facts(instances, { autoscaler: { capacityPerInstance: 2, policy } }),
      NOW,
      5,
    );

    expect(report.counts).toMatchObject({ kept: 2, idle: 3 });
    expect(report.keptIdle).toBe(2);
  });

  it('counts the spare slots of busy instances against the idle capacity', () => {
    const busy = instance({ activity: busyCpu, answers: [busyAnswer(1)] });
    const quietOnes = Array.from({ length: 3 }, () => instance({ answers: [idleAnswer()] }));
    const policy = {
      periods: ['* * * * *'],
      timezone: 'UTC',
      idleCount: 4,
      scaleFactor: 0,
      scaleFactorLimit: 0,
    };

    const report = classifyFleet(
      facts([busy, ...quietOnes], { autoscaler: { capacityPerInstance: 4, policy } }),
      NOW,
      5,
    );

    // 4 idle slots wanted, 3 spare on the busy instance: one more instance is kept.
    expect(report.counts).toMatchObject({ busy: 1, kept: 1, idle: 2 });
  });

  it('lets instances without an answer take the kept places first, so only surplus answers count idle', () => {
    const answered = instance({ answers: [idleAnswer()] });
    const unasked = instance();
    const policy = {
      periods: ['* * * * *'],
      timezone: 'UTC',
      idleCount: 1,
      scaleFactor: 0,
      scaleFactorLimit: 0,
    };

    const report = classifyFleet(
      facts([answered, unasked], { autoscaler: { capacityPerInstance: 1, policy } }),
      NOW,
      5,
    );

    expect(classOf(report, unasked.instanceId)).toBe('kept');
    expect(classOf(report, answered.instanceId)).toBe('idle');
  });

  it('uses the longer of the configured and the policy idle_time for the idle window', () => {
    const policy = {
      periods: ['* * * * *'],
      timezone: 'UTC',
      idleCount: 0,
      idleTimeMinutes: 60,
      scaleFactor: 0,
      scaleFactorLimit: 0,
    };
    const i = instance({ launchTime: minutesAgo(50), answers: [idleAnswer()] });

    const report = classifyFleet(facts([i], { autoscaler: { capacityPerInstance: 1, policy } }), NOW, 5);

    expect(report.idleWindowMinutes).toBe(70);
    expect(classOf(report, i.instanceId)).toBe('other');
  });

  it('reports quiet instances as unmanaged, never idle, while the manager is absent, and asks none of them', () => {
    const instances = [instance({ answers: [idleAnswer()] }), instance()];

    const report = classifyFleet(
      facts(instances, { manager: { absent: true, reason: 'manager draining (replace)' } }),
      NOW,
      5,
    );

    expect(report.counts).toMatchObject({ idle: 0, unknown: 0, unmanaged: 2 });
    expect(report.managerAbsent).toBe(true);
    expect(report.jobChecks).toEqual([]);
  });

  it('classifies a manager fleet for stuck, outdated and orphans only', () => {
    const fleet = sweeperFleet({ name: 'manager', role: 'manager' });
    const i = instance({ answers: [idleAnswer()] });

    const report = classifyFleet(facts([i], { fleet }), NOW, 5);

    expect(classOf(report, i.instanceId)).toBe('active');
    expect(report.jobChecks).toEqual([]);
  });

  it('asks at most maxJobChecksPerSweep quiet, online, unanswered instances, oldest first', () => {
    const fleet = sweeperFleet({ health: { ...DEFAULT_HEALTH, maxJobChecksPerSweep: 2 } });
    const old = instance({ launchTime: minutesAgo(900) });
    const mid = instance({ launchTime: minutesAgo(600) });
    const young = instance({ launchTime: minutesAgo(300) });
    const offline = instance({
      launchTime: minutesAgo(1000),
      ssm: { online: false, lastPingAt: minutesAgo(3) },
    });
    const pending = instance({
      launchTime: minutesAgo(1000),
      answers: [{ kind: 'pending', at: minutesAgo(4) }],
    });

    const report = classifyFleet(facts([young, mid, old, offline, pending], { fleet }), NOW, 5);

    expect(report.jobChecks).toEqual([old.instanceId, mid.instanceId]);
  });

  it('asks nobody when every quiet instance is kept on purpose', () => {
    const policy = {
      periods: ['* * * * *'],
      timezone: 'UTC',
      idleCount: 5,
      scaleFactor: 0,
      scaleFactorLimit: 0,
    };

    const report = classifyFleet(
      facts([instance(), instance()], { autoscaler: { capacityPerInstance: 1, policy } }),
      NOW,
      5,
    );

    expect(report.jobChecks).toEqual([]);
    expect(report.counts.kept).toBe(2);
  });

  it('terminates, when allowed, only orphans and expired canaries that answered idle', () => {
    const fleet = sweeperFleet({ health: { ...DEFAULT_HEALTH, terminateOrphans: true } });
    const idleOrphan = instance({ inGroup: false, lifecycleState: undefined, answers: [idleAnswer()] });
    const busyOrphan = instance({ inGroup: false, lifecycleState: undefined, answers: [busyAnswer()] });
    const unasked = instance({ inGroup: false, lifecycleState: undefined });
    const canary = instance({
      inGroup: false,
      canary: true,
      launchTime: minutesAgo(300),
      answers: [idleAnswer()],
    });
    const member = instance({ answers: [idleAnswer()] });

    const report = classifyFleet(facts([idleOrphan, busyOrphan, unasked, canary, member], { fleet }), NOW, 5);

    expect([...report.terminate].sort()).toEqual([idleOrphan.instanceId, canary.instanceId].sort());
    expect(report.jobChecks[0]).toBe(unasked.instanceId);
  });

  it('terminates nothing and asks no orphan when terminateOrphans is off', () => {
    const orphan = instance({ inGroup: false, lifecycleState: undefined, answers: [idleAnswer()] });

    const report = classifyFleet(
      facts([orphan, instance({ inGroup: false, lifecycleState: undefined })]),
      NOW,
      5,
    );

    expect(report.terminate).toEqual([]);
    expect(report.jobChecks).toEqual([]);
  });

  it.each<[string, Partial<FleetFacts>, Partial<InstanceFacts>, number | undefined]>([
    ['on the current version', {}, {}, undefined],
    [
      'on an older version, outdated since launch when the promotion time is unknown',
      {},
      { launchTemplateVersion: '6' },
      4,
    ],
    [
      'on an older version, outdated since the promotion',
      { currentSince: minutesAgo(60) },
      { launchTemplateVersion: '6' },
      1,
    ],
    ['an orphan is never outdated', {}, { launchTemplateVersion: '6', inGroup: false }, undefined],
  ])('reports an instance %s', (_, fleetOver, over, hours) => {
    const i = instance(over);

    const report = classifyFleet(facts([i], fleetOver), NOW, 5);

    expect(report.instances[0]?.outdatedHours).toBe(hours);
  });

  it('counts as outdated-too-long only instances behind for longer than outdatedHours', () => {
    const fresh = instance({ launchTemplateVersion: '6', launchTime: minutesAgo(60) });
    const stale = instance({ launchTemplateVersion: '6', launchTime: minutesAgo(49 * 60) });

    const report = classifyFleet(facts([fresh, stale]), NOW, 5);

    expect(report).toMatchObject({ outdated: 2, outdatedTooLong: 1 });
  });

  it('counts instance-hours of running and pending instances for one sweep interval', () => {
    const report = classifyFleet(
      facts([
        instance(),
        instance({ state: 'pending', lifecycleState: 'Pending', launchTime: minutesAgo(1) }),
        instance({ state: 'stopped' }),
      ]),
      NOW,
      6,
    );

    expect(report.instanceHours).toBeCloseTo(0.2);
    expect(report.fleetSize).toBe(3);
  });
});

describe('classifyFleet properties', () => {
  const params = { numRuns: 300, verbose: 1 } as const;
  const run = (f: FleetFacts) => classifyFleet(f, NOW, 5);
  const byId = (f: FleetFacts) => new Map(f.instances.map((i) => [i.instanceId, i]));
  const fresh = (i: InstanceFacts, window: number) =>
    i.answers.filter((a) => NOW.getTime() - a.at.getTime() <= window * 60_000);

  it('never calls idle an instance that says (freshly) it runs a job', () => {
    fc.assert(
      fc.property(fleetFactsArb(), (f) => {
        const report = run(f);
        const ids = byId(f);
        return report.instances
          .filter((v) => v.class === 'idle')
          .every(
            (v) => !fresh(ids.get(v.instanceId)!, report.idleWindowMinutes).some((a) => a.kind === 'busy'),
          );
      }),
      params,
    );
  });

  it('calls idle only instances that answered idle and are reachable', () => {
    fc.assert(
      fc.property(fleetFactsArb(), (f) => {
        const report = run(f);
        const ids = byId(f);
        return report.instances
          .filter((v) => v.class === 'idle')
          .every((v) => {
            const i = ids.get(v.instanceId)!;
            return i.inGroup && fresh(i, report.idleWindowMinutes).some((a) => a.kind === 'idle');
          });
      }),
      params,
    );
  });

  it('never calls idle an unreachable instance (offline in SSM, or never registered)', () => {
    fc.assert(
      fc.property(fleetFactsArb(), (f) => {
        const report = run(f);
        const ids = byId(f);
        return report.instances
          .filter((v) => !ids.get(v.instanceId)!.ssm?.online)
          .every((v) => v.class !== 'idle' && !report.terminate.includes(v.instanceId));
      }),
      params,
    );
  });

  it('never calls idle the capacity the active policy keeps', () => {
    fc.assert(
      fc.property(fleetFactsArb(), (f) => {
        const report = run(f);
        const quietCount = report.counts.idle + report.counts.unknown + report.counts.kept;
        const policy = f.autoscaler?.policy;
        const cap = f.autoscaler?.capacityPerInstance ?? 1;
        // Each busy or active instance runs at least one job, so its spare slots are at most cap - 1.
        const spare = (report.counts.busy + report.counts.active) * (cap - 1);
        const keptAtLeast =
          f.autoscaler && policy ? Math.ceil(Math.max(0, policy.idleCount - spare) / cap) : 0;
        return report.counts.idle <= Math.max(0, quietCount - keptAtLeast);
      }),
      params,
    );
  });

  it('never calls idle an instance of a fleet whose manager is absent, or of a manager fleet', () => {
    fc.assert(
      fc.property(fleetFactsArb(), (f) => {
        const report = run(f);
        return (
          !(f.manager.absent || f.fleet.role === 'manager') ||
          report.counts.idle + report.counts.unknown === 0
        );
      }),
      params,
    );
  });

  it('gives every instance exactly one class, so the counts add up', () => {
    fc.assert(
      fc.property(fleetFactsArb(), (f) => {
        const report = run(f);
        const sum = INSTANCE_CLASSES.reduce((n, c) => n + report.counts[c], 0);
        return (
          sum === f.instances.length &&
          report.total === f.instances.length &&
          report.instances.length === f.instances.length &&
          report.fleetSize === f.instances.filter((i) => i.inGroup).length &&
          report.outdatedTooLong <= report.outdated &&
          report.outdated <= report.fleetSize
        );
      }),
      params,
    );
  });

  it('never terminates an instance in a group, or one that did not answer idle, or anything when not allowed', () => {
    fc.assert(
      fc.property(fleetFactsArb(), (f) => {
        const report = run(f);
        const ids = byId(f);
        return report.terminate.every((id) => {
          const i = ids.get(id)!;
          const answers = fresh(i, report.idleWindowMinutes);
          return (
            f.fleet.health.terminateOrphans &&
            !i.inGroup &&
            i.state === 'running' &&
            answers.some((a) => a.kind === 'idle') &&
            !answers.some((a) => a.kind === 'busy')
          );
        });
      }),
      params,
    );
  });

  it('asks at most maxJobChecksPerSweep instances, each online and running', () => {
    fc.assert(
      fc.property(fleetFactsArb(), (f) => {
        const report = run(f);
        const ids = byId(f);
        return (
          report.jobChecks.length <= f.fleet.health.maxJobChecksPerSweep &&
          new Set(report.jobChecks).size === report.jobChecks.length &&
          report.jobChecks.every(
            (id) => ids.get(id)!.ssm?.online === true && ids.get(id)!.state === 'running',
          )
        );
      }),
      params,
    );
  });

  it('is total and deterministic', () => {
    fc.assert(
      fc.property(fleetFactsArb(), (f) => {
        expect(run(f)).toEqual(run(f));
      }),
      { numRuns: 100 },
    );
  });
});

describe('stuckReason', () => {
  it('names how long an instance has been offline in SSM', () => {
    const i = instance({ ssm: { online: false, lastPingAt: minutesAgo(42) } });

    expect(stuckReason(sweeperFleet(), i, NOW)).toBe('offline in SSM for 42 min');
  });

  it('does not judge the SSM agent of a stopped instance', () => {
    const i = instance({ state: 'stopped', ssm: undefined });

    expect(stuckReason(sweeperFleet(), i, NOW)).toBeUndefined();
  });

  it('leaves a Terminating:Wait of unknown start alone', () => {
    const i = instance({ lifecycleState: 'Terminating:Wait' });

    expect(stuckReason(sweeperFleet(), i, NOW)).toBeUndefined();
  });
});

describe('isQuiet', () => {
  it.each([
    [{ cpuMaxPercent: 2.9, networkMaxBytesPerMinute: 199_999, periods: 5 }, true],
    [{ cpuMaxPercent: 3, networkMaxBytesPerMinute: 0, periods: 5 }, false],
    [{ cpuMaxPercent: 0, networkMaxBytesPerMinute: 200_000, periods: 5 }, false],
    [{ cpuMaxPercent: 0, networkMaxBytesPerMinute: 0, periods: 4 }, false],
  ])('judges %j over a 30-minute window as quiet: %s', (activity, expected) => {
    expect(isQuiet(sweeperFleet(), activity, 30)).toBe(expected);
  });
});

describe('managerState', () => {
  const inService = [{ state: 'running', lifecycleState: 'InService' }];
  it.each<[string, Parameters<typeof managerState>[0], boolean]>([
    ['present', { configured: true, groupFound: true, members: inService, now: NOW }, false],
    [
      'draining under a replace lease',
      {
        configured: true,
        groupFound: true,
        members: inService,
        lease: { action: 'replace', expiresAt: '2026-11-30T12:00:00Z' },
        now: NOW,
      },
      true,
    ],
    [
      'restarting under a restart lease',
      {
        configured: true,
        groupFound: true,
        members: inService,
        lease: { action: 'restart', expiresAt: '2026-11-30T12:00:00Z' },
        now: NOW,
      },
      true,
    ],
    [
      'present after its rollback lease expired',
      {
        configured: true,
        groupFound: true,
        members: inService,
        lease: { action: 'rollback', expiresAt: '2026-11-30T09:00:00Z' },
        now: NOW,
      },
      false,
    ],
    [
      'absent with no instance in service',
      {
        configured: true,
        groupFound: true,
        members: [{ state: 'running', lifecycleState: 'Pending' }],
        now: NOW,
      },
      true,
    ],
    ['absent when its group is gone', { configured: true, groupFound: false, members: [], now: NOW }, true],
    ['absent when not configured', { configured: false, groupFound: false, members: [], now: NOW }, true],
  ])('reports a manager %s', (_, input, absent) => {
    expect(managerState(input).absent).toBe(absent);
  });
});
