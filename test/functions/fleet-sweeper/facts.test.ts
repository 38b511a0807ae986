import fc from 'fast-check';

import type { Group } from '../../../functions/shared/aws/autoscaling';
import type { Instance } from '../../../functions/shared/aws/ec2';
import { CANARY_TAG, FLEET_TAG } from '../../../functions/shared/names';
import type { Snapshot } from '../../../functions/fleet-sweeper/facts';
import {
  activityOf,
  activityQueries,
  activityWindow,
  answersByInstance,
  autoscalersOf,
  fleetFacts,
  fleetInstances,
  type Gathered,
  idleWindows,
  instanceFacts,
  type InstanceReads,
  launchTemplateOf,
  managerOf,
  managerStates,
  promotedAt,
  readPlan,
  resolveVersion,
} from '../../../functions/fleet-sweeper/facts';
import type { SweeperFleet } from '../../../functions/fleet-sweeper/settings';
import { rollout } from '../../fixtures/rollout';
import { minutesAgo, NOW, sweeperFleet } from '../../arbitraries/fleet';

const JOBS = sweeperFleet();
const MANAGER = sweeperFleet({
  name: 'manager',
  role: 'manager',
  autoScalingGroup: 'gitlab-runner-manager',
  manager: undefined,
});
const GROUP_TAG = 'aws:autoscaling:groupName';

const ec2 = (instanceId: string, over: Partial<Instance> = {}): Instance => ({
  instanceId,
  state: 'running',
  launchTime: minutesAgo(600),
  tags: {},
  ...over,
});

const group = (
  members: { id: string; lifecycle?: string; version?: string }[] = [],
  over: Partial<Group> = {},
): Group => ({
  name: JOBS.autoScalingGroup,
  minSize: 0,
  maxSize: 10,
  desiredCapacity: members.length,
  suspendedProcesses: [],
  instances: members.map((m) => ({
    instanceId: m.id,
    lifecycleState: m.lifecycle ?? 'InService',
    healthStatus: 'Healthy',
    launchTemplateVersion: m.version ?? '7',
    protectedFromScaleIn: true,
  })),
  ...over,
});

/** A fleet read with `members` in its group and tagged, plus `loose` tagged instances. */
const snapshot = (
  fleet: SweeperFleet,
  members: Instance[] = [],
  over: Partial<Snapshot> & { loose?: Instance[] } = {},
): Snapshot => {
  const { loose = [], ...rest } = over;
  return {
    fleet,
    group: group(members.map((m) => ({ id: m.instanceId }))),
    currentVersion: '7',
    rollouts: [],
    tagged: [...members, ...loose],
    ...rest,
  };
};

const NO_READS: InstanceReads = {
  impaired: new Map(),
  pings: new Map(),
  activity: new Map(),
  answers: new Map(),
  waits: new Map(),
};

const AUTOSCALER_TOML = `
[[runners]]
name = "docker"
[runners.autoscaler]
capacity_per_instance = 4
[runners.autoscaler.plugin_config]
name = "${JOBS.autoScalingGroup}"
[[runners.autoscaler.policy]]
idle_count = 8
idle_time = "45m"
`;

describe('resolveVersion', () => {
  const template = { defaultVersion: 7, latestVersion: 9 };

  it.each<[string, string, typeof template | undefined, string | undefined]>([
    ['the default version for $Default', '$Default', template, '7'],
    ['the latest version for $Latest', '$Latest', template, '9'],
    ['a number as it is', '5', template, '5'],
    ['nothing without a template', '$Default', undefined, undefined],
    ['nothing for an empty version', '', template, undefined],
  ])('resolves %s', (_, version, found, expected) => {
    expect(resolveVersion(version, found)).toBe(expected);
  });
});

describe('launchTemplateOf', () => {
  it.each<[string, Group | undefined, ReturnType<typeof launchTemplateOf>]>([
    [
      "the group's own template by id",
      group([], { launchTemplate: { id: 'lt-1', name: 'x', version: '$Latest' } }),
      { ref: { launchTemplateId: 'lt-1' }, version: '$Latest' },
    ],
    [
      "the group's own template by name",
      group([], { launchTemplate: { name: 'x', version: '3' } }),
      { ref: { launchTemplateName: 'x' }, version: '3' },
    ],
    [
      "a mixed-instances group's template",
      group([], { mixedInstancesLaunchTemplate: { id: 'lt-2' } }),
      { ref: { launchTemplateId: 'lt-2' }, version: '$Default' },
    ],
    [
      "the fleet's configured template when the group is not found",
      undefined,
      { ref: { launchTemplateName: JOBS.launchTemplate }, version: '$Default' },
    ],
  ])('names %s', (_, found, expected) => {
    expect(launchTemplateOf(JOBS, found)).toEqual(expected);
  });
});

describe('promotedAt', () => {
  const promoted = (fleet: string, fleets: string[], version: number, minutes: number) =>
    rollout({ fleet, fleets, candidateVersion: version, promotedAt: minutesAgo(minutes).toISOString() });

  it('is the newest promotion of the current version, found under the lead fleet too', () => {
    const snap = snapshot(JOBS, [], {
      rollouts: [promoted(JOBS.name, [JOBS.name], 7, 300), promoted(JOBS.name, [JOBS.name], 6, 10)],
    });
    const lead = snapshot(sweeperFleet({ name: 'jobs-aaa' }), [], {
      rollouts: [promoted('jobs-aaa', ['jobs-aaa', JOBS.name], 7, 60)],
    });

    expect(promotedAt(snap, [snap, lead])).toEqual(minutesAgo(60));
  });

  it('is unknown when no rollout promoted the current version (promoted by hand)', () => {
    const snap = snapshot(JOBS, [], { rollouts: [promoted(JOBS.name, [JOBS.name], 6, 10)] });

    expect(promotedAt(snap, [snap])).toBeUndefined();
  });
});

describe('managerStates and managerOf', () => {
  const manager = snapshot(MANAGER, [ec2('i-0m')]);
  const draining = {
    fleet: 'manager',
    holder: 'c1',
    action: 'replace',
    acquiredAt: '',
    expiresAt: minutesAgo(-60).toISOString(),
  };

  it.each<[string, Map<string, typeof draining | undefined>, { absent: boolean } | undefined]>([
    [
      'present with an instance in service and no lease',
      new Map([['manager', undefined]]),
      { absent: false },
    ],
    ['absent while it holds a replace lease', new Map([['manager', draining]]), { absent: true }],
    ['unknown when its lease could not be read', new Map(), undefined],
  ])('a manager is %s', (_, leases, expected) => {
    const states = managerStates([manager], leases, NOW);

    expect(states.get('manager')).toEqual(
      expected === undefined ? undefined : expect.objectContaining(expected),
    );
  });

  it.each<[string, SweeperFleet, string | undefined]>([
    ['a manager fleet its own state', MANAGER, undefined],
    ['a jobs fleet its manager’s state', JOBS, undefined],
    [
      'a jobs fleet naming no manager an absent one',
      sweeperFleet({ manager: undefined }),
      'no manager fleet configured',
    ],
    [
      'a manager fleet not read an unknown state',
      sweeperFleet({ ...MANAGER, name: 'other' }),
      'manager state unknown',
    ],
  ])('gives %s', (_, fleet, reason) => {
    const managers = new Map([['manager', { absent: false }]]);

    expect(managerOf(fleet, managers, NOW)).toEqual(reason ? { absent: true, reason } : { absent: false });
  });
});

describe('autoscalersOf', () => {
  it("reads each jobs fleet's autoscaler from its manager's config, and reports one that does not parse", () => {
    const other = sweeperFleet({ name: 'jobs-other', manager: 'manager-2' });
    const unmanaged = sweeperFleet({ name: 'jobs-unmanaged', manager: undefined });
    const configs = new Map([
      ['manager', AUTOSCALER_TOML],
      ['manager-2', 'not = [toml'],
    ]);

    const { autoscalers, unreadable } = autoscalersOf([MANAGER, JOBS, other, unmanaged], configs);

    expect([...autoscalers.keys()]).toEqual([JOBS.name]);
    expect(autoscalers.get(JOBS.name)).toMatchObject({ capacityPerInstance: 4 });
    expect(unreadable.map((u) => u.fleet)).toEqual(['jobs-other']);
  });
});

describe('fleetInstances', () => {
  it('gives each fleet its tagged instances, members or not, and the canaries testing it', () => {
    const member = ec2('i-01');
    const loose = ec2('i-02', { tags: { [GROUP_TAG]: JOBS.autoScalingGroup } });
    const canary = ec2('i-03', { tags: { [CANARY_TAG]: 'true', [FLEET_TAG]: JOBS.name } });
    const othersCanary = ec2('i-04', { tags: { [CANARY_TAG]: 'true', [FLEET_TAG]: 'elsewhere' } });

    const found = fleetInstances([snapshot(JOBS, [member], { loose: [loose] })], [canary, othersCanary]);

    expect(found.get(JOBS.name)?.map((i) => [i.ec2.instanceId, i.member !== undefined])).toEqual([
      ['i-01', true],
      ['i-02', false],
      ['i-03', false],
    ]);
  });

  it('counts every instance claimed once, in the first fleet that claims it', () => {
    // EC2 lists an instance once per listing: the lists are unique, but may overlap.
    const ids = fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { maxLength: 10 });
    fc.assert(
      fc.property(fc.array(ids, { minLength: 1, maxLength: 4 }), ids, (fleets, canaryIds) => {
        const snaps = fleets.map((tagged, n) =>
          snapshot(sweeperFleet({ name: `f${n}` }), [], {
            group: group(),
            loose: tagged.map((i) => ec2(`i-${i}`)),
          }),
        );
        const canaryOf = (i: number) => i % fleets.length;
        const canaries = canaryIds.map((i) => ec2(`i-${i}`, { tags: { [FLEET_TAG]: `f${canaryOf(i)}` } }));
        const firstClaim = (i: number) =>
          fleets.findIndex((tagged, n) => tagged.includes(i) || (canaryIds.includes(i) && canaryOf(i) === n));

        const found = fleetInstances(snaps, canaries);

        const claimed = [...new Set([...fleets.flat(), ...canaryIds])];
        const placed = claimed.map((i) =>
          fleets.flatMap((_, n) =>
            (found.get(`f${n}`) ?? []).some((x) => x.ec2.instanceId === `i-${i}`) ? [n] : [],
          ),
        );
        return placed.every(
          (fleetsOf, k) => fleetsOf.length === 1 && fleetsOf[0] === firstClaim(claimed[k]!),
        );
      }),
      { verbose: 1 },
    );
  });
});

describe('idleWindows', () => {
  it("takes the active policy's idle_time when it is longer than the fleet's own", () => {
    const { autoscalers } = autoscalersOf([JOBS], new Map([['manager', AUTOSCALER_TOML]]));
    const snaps = [snapshot(JOBS), snapshot(MANAGER)];

    const windows = idleWindows(snaps, autoscalers, NOW);

    expect(windows.get(JOBS.name)).toBe(45 + JOBS.health.idleGraceMinutes);
    expect(windows.get(MANAGER.name)).toBe(MANAGER.health.idleTimeMinutes + MANAGER.health.idleGraceMinutes);
  });
});

describe('readPlan', () => {
  it("reads CPU and network only of a jobs fleet's running, in-service instances older than the window", () => {
    const old = ec2('i-01');
    const young = ec2('i-02', { launchTime: minutesAgo(5) });
    const stopped = ec2('i-03', { state: 'stopped' });
    const loose = ec2('i-04');
    const manager = ec2('i-05');
    const snaps = [snapshot(JOBS, [old, young, stopped], { loose: [loose] }), snapshot(MANAGER, [manager])];
    const windows = new Map([
      [JOBS.name, 30],
      [MANAGER.name, 20],
    ]);

    const plan = readPlan(snaps, fleetInstances(snaps, []), windows, NOW);

    expect(plan).toEqual({
      running: ['i-01', 'i-02', 'i-04', 'i-05'],
      activity: new Map([[30, ['i-01']]]),
      answersAfter: minutesAgo(30),
      waitingGroups: [],
    });
  });

  it('names the groups holding an instance in Terminating:Wait', () => {
    const snaps = [
      snapshot(JOBS, [], { group: group([{ id: 'i-01', lifecycle: 'Terminating:Wait' }]) }),
      snapshot(MANAGER, [ec2('i-02')]),
    ];

    const plan = readPlan(snaps, fleetInstances(snaps, []), new Map(), NOW);

    expect(plan.waitingGroups).toEqual([JOBS.autoScalingGroup]);
    expect(plan.answersAfter).toEqual(NOW);
  });
});

describe('activity', () => {
  it('reads the window up to the current whole minute', () => {
    expect(activityWindow(30, new Date('2026-11-30T10:05:42.123Z'))).toEqual({
      start: new Date('2026-11-30T09:35:00Z'),
      end: new Date('2026-11-30T10:05:00Z'),
    });
  });

  it('asks CPU at its maximum and network in and out as sums, per 5-minute period', () => {
    expect(activityQueries('i-01').map((q) => [q.key, q.metricName, q.stat, q.periodSeconds])).toEqual([
      ['i-01/cpu', 'CPUUtilization', 'Maximum', 300],
      ['i-01/in', 'NetworkIn', 'Sum', 300],
      ['i-01/out', 'NetworkOut', 'Sum', 300],
    ]);
  });

  it('adds network in and out per period and keeps the busiest minute', () => {
    const [t1, t2] = [minutesAgo(5), minutesAgo(10)];
    const series = new Map([
      ['i-01/cpu', { timestamps: [t1, t2], values: [3, 9] }],
      ['i-01/in', { timestamps: [t1, t2], values: [1000, 4000] }],
      ['i-01/out', { timestamps: [t1, t2], values: [5000, 500] }],
    ]);

    expect(activityOf('i-01', series)).toEqual({
      cpuMaxPercent: 9,
      networkMaxBytesPerMinute: 1200,
      periods: 2,
    });
  });

  it.each([
    ['no series', new Map()],
    ['an empty CPU series', new Map([['i-01/cpu', { timestamps: [], values: [] }]])],
  ])('knows no activity from %s', (_, series) => {
    expect(activityOf('i-01', series)).toBeUndefined();
  });
});

describe('answersByInstance', () => {
  it("collects each instance's answers, in history order", () => {
    const out = (instanceId: string, status: string, output: string, minutes: number) => ({
      commandId: `c-${minutes}`,
      instanceId,
      status,
      output,
      requestedAt: minutesAgo(minutes),
    });

    const answers = answersByInstance([
      out('i-01', 'Success', 'JOBS 0\nRESULT idle', 5),
      out('i-02', 'InProgress', '', 5),
      out('i-01', 'Success', 'JOBS 2\nRESULT busy', 10),
    ]);

    expect(answers).toEqual(
      new Map([
        [
          'i-01',
          [
            { kind: 'idle', at: minutesAgo(5) },
            { kind: 'busy', jobs: 2, at: minutesAgo(10) },
          ],
        ],
        ['i-02', [{ kind: 'pending', at: minutesAgo(5) }]],
      ]),
    );
  });
});

describe('instanceFacts', () => {
  it('joins what EC2 and the group say with what the reads found', () => {
    const reads: InstanceReads = {
      impaired: new Map([['i-01', { since: minutesAgo(20) }]]),
      pings: new Map([['i-01', { online: true, lastPingAt: minutesAgo(1) }]]),
      activity: new Map([['i-01', { cpuMaxPercent: 1, networkMaxBytesPerMinute: 10, periods: 6 }]]),
      answers: new Map([['i-01', [{ kind: 'idle' as const, at: minutesAgo(5) }]]]),
      waits: new Map([['i-01', minutesAgo(30)]]),
    };
    const [member] = group([{ id: 'i-01', lifecycle: 'Terminating:Wait', version: '6' }]).instances;

    expect(instanceFacts({ ec2: ec2('i-01'), member }, reads)).toEqual({
      instanceId: 'i-01',
      state: 'running',
      launchTime: minutesAgo(600),
      inGroup: true,
      lifecycleState: 'Terminating:Wait',
      launchTemplateVersion: '6',
      waitSince: minutesAgo(30),
      canary: false,
      impaired: { since: minutesAgo(20) },
      ssm: { online: true, lastPingAt: minutesAgo(1) },
      activity: { cpuMaxPercent: 1, networkMaxBytesPerMinute: 10, periods: 6 },
      answers: [{ kind: 'idle', at: minutesAgo(5) }],
    });
  });

  it('knows nothing more of an instance the reads did not find', () => {
    const facts = instanceFacts({ ec2: ec2('i-01', { tags: { [CANARY_TAG]: 'true' } }) }, NO_READS);

    expect(facts).toMatchObject({ inGroup: false, canary: true, answers: [] });
    for (const key of ['lifecycleState', 'impaired', 'ssm', 'activity', 'waitSince'] as const)
      expect(facts[key]).toBeUndefined();
  });
});

describe('fleetFacts', () => {
  const gathered = (snaps: Snapshot[], configs = new Map<string, string>()): Gathered => ({
    snapshots: snaps,
    managers: new Map([['manager', { absent: false }]]),
    autoscalers: autoscalersOf(
      snaps.map((s) => s.fleet),
      configs,
    ).autoscalers,
    instances: fleetInstances(snaps, []),
    reads: NO_READS,
  });

  it('gives a jobs fleet its version, manager, autoscaler with the active policy, and instances', () => {
    const snap = snapshot(JOBS, [ec2('i-01')]);

    const facts = fleetFacts(snap, gathered([snap], new Map([['manager', AUTOSCALER_TOML]])), NOW);

    expect(facts).toMatchObject({
      fleet: JOBS,
      groupFound: true,
      currentVersion: '7',
      manager: { absent: false },
      autoscaler: { capacityPerInstance: 4, policy: { idleCount: 8, idleTimeMinutes: 45 } },
      instances: [{ instanceId: 'i-01', inGroup: true }],
    });
  });

  it('knows no autoscaler without a config, and no group when none was found', () => {
    const snap = snapshot(JOBS, [], { group: undefined, currentVersion: undefined });

    const facts = fleetFacts(snap, gathered([snap]), NOW);

    expect(facts).toMatchObject({ groupFound: false, instances: [] });
    expect(facts.autoscaler).toBeUndefined();
    expect(facts.currentVersion).toBeUndefined();
  });
});
