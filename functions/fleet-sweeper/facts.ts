import type { Group } from '../shared/aws/autoscaling';
import type { MetricSeries, MetricStatQuery } from '../shared/aws/cloudwatch-metrics';
import type { Instance } from '../shared/aws/ec2';
import type { CommandOutput } from '../shared/aws/ssm';
import { CANARY_TAG, FLEET_TAG } from '../shared/names';
import type { ImageRollout, Lease, Rollout } from '../shared/rollout/model';
import {
  ACTIVITY_PERIOD_MINUTES,
  type Activity,
  type FleetFacts,
  idleWindowMinutes,
  type InstanceFacts,
  type ManagerState,
  managerState,
  needsActivity,
} from './decide';
import { answerOf, type JobAnswer } from './job-check';
import { activePolicy, autoscalerOf, type GroupAutoscaler } from './policy';
import type { SweeperFleet } from './settings';

/**
 * The facts of a sweep, built from what was read: which instances belong to which fleet, what to
 * read about them, and each fleet's {@link FleetFacts} for the decision. Pure: no SDK, no clock.
 */

const MINUTE = 60_000;

/** One fleet as read at the start of a sweep. */
export interface Snapshot {
  readonly fleet: SweeperFleet;
  readonly group?: Group;
  /** The launch template version the group launches now. */
  readonly currentVersion?: string;
  /** The fleet's rollouts in the ledger (for the time its current version was promoted). */
  readonly rollouts: readonly Rollout[];
  /** EC2's view of every instance carrying the group tag (members and detached ones). */
  readonly tagged: readonly Instance[];
}

/** An instance of a fleet: EC2's view and, for a member of the group, the group's. */
export interface FleetInstance {
  readonly ec2: Instance;
  readonly member?: Group['instances'][number];
}

/** What the account-wide reads found, by instance id. */
export interface InstanceReads {
  readonly impaired: ReadonlyMap<string, { since?: Date }>;
  readonly pings: ReadonlyMap<string, { online: boolean; lastPingAt?: Date }>;
  readonly activity: ReadonlyMap<string, Activity>;
  readonly answers: ReadonlyMap<string, readonly JobAnswer[]>;
  readonly waits: ReadonlyMap<string, Date>;
}

/** What to read account-wide, once the fleets' instances are known. */
export interface ReadPlan {
  /** Running instances: their status checks and SSM pings. */
  readonly running: readonly string[];
  /** Instances whose CPU and network to read, by idle window (minutes). */
  readonly activity: ReadonlyMap<number, readonly string[]>;
  /** Job-check answers sent since the start of the longest idle window. */
  readonly answersAfter: Date;
  /** Groups holding an instance in `Terminating:Wait`: when each wait began. */
  readonly waitingGroups: readonly string[];
}

/** Everything a sweep gathered, from which each fleet's facts are built. */
export interface Gathered {
  /** The fleets swept (those that could be read). */
  readonly snapshots: readonly Snapshot[];
  readonly managers: ReadonlyMap<string, ManagerState>;
  readonly autoscalers: ReadonlyMap<string, GroupAutoscaler | undefined>;
  readonly instances: ReadonlyMap<string, readonly FleetInstance[]>;
  readonly reads: InstanceReads;
}

/** The template the group launches from (its own, or its mixed-instances policy's) and the version it asks for. */
export const launchTemplateOf = (
  fleet: SweeperFleet,
  group: Group | undefined,
): { ref: { launchTemplateId: string } | { launchTemplateName: string }; version: string } => {
  const spec = group?.launchTemplate ?? group?.mixedInstancesLaunchTemplate;
  return {
    ref: spec?.id
      ? { launchTemplateId: spec.id }
      : { launchTemplateName: spec?.name ?? fleet.launchTemplate },
    version: spec?.version ?? '$Default',
  };
};

/** The version the group launches now: its `$Default`/`$Latest` resolved, or its number. */
export const resolveVersion = (
  version: string,
  template: { defaultVersion: number; latestVersion: number } | undefined,
): string | undefined => {
  if (!template) return undefined;
  if (version === '$Default') return String(template.defaultVersion);
  if (version === '$Latest') return String(template.latestVersion);
  // An empty version names none.
  return version || undefined;
};

/**
 * When the fleet's current version was promoted: the newest promotion of that version by a rollout
 * of this fleet or of the lead fleet it shares a launch template with (the ledger keeps a shared
 * candidate under the lead). `undefined` when promoted by hand: outdated ages then count from launch.
 */
export const promotedAt = (snap: Snapshot, all: readonly Snapshot[]): Date | undefined => {
  const times = all
    .flatMap((s) => s.rollouts)
    .filter(
      (r): r is ImageRollout =>
        r.kind === 'rollout' &&
        (r.fleet === snap.fleet.name || r.fleets.includes(snap.fleet.name)) &&
        r.promotedAt !== undefined &&
        String(r.candidateVersion) === snap.currentVersion,
    )
    .map((r) => Date.parse(r.promotedAt ?? ''))
    .filter(Number.isFinite);
  return times.length ? new Date(Math.max(...times)) : undefined;
};

/** Each manager fleet whose lease was read: present, or absent and why. */
export const managerStates = (
  snapshots: readonly Snapshot[],
  leases: ReadonlyMap<string, Lease | undefined>,
  at: Date,
): Map<string, ManagerState> =>
  new Map(
    snapshots
      .filter((snap) => leases.has(snap.fleet.name))
      .map((snap) => {
        const states = new Map(snap.tagged.map((i) => [i.instanceId, i.state]));
        const state = managerState({
          configured: true,
          groupFound: snap.group !== undefined,
          members: (snap.group?.instances ?? []).map((m) => ({
            state: states.get(m.instanceId) ?? 'unknown',
            lifecycleState: m.lifecycleState,
          })),
          lease: leases.get(snap.fleet.name),
          now: at,
        });
        return [snap.fleet.name, state];
      }),
  );

/** A manager fleet's own state; a jobs fleet's manager's, absent when it names none that was read. */
export const managerOf = (
  fleet: SweeperFleet,
  managers: ReadonlyMap<string, ManagerState>,
  at: Date,
): ManagerState =>
  fleet.role === 'manager'
    ? (managers.get(fleet.name) ?? { absent: true, reason: 'manager state unknown' })
    : (managers.get(fleet.manager ?? '') ??
      managerState({ configured: false, groupFound: false, members: [], now: at }));

/**
 * The autoscaler of each jobs fleet whose manager's config.toml was read (`undefined` when no
 * runner scales its group), and the fleets whose manager's config does not parse.
 */
export const autoscalersOf = (
  fleets: readonly SweeperFleet[],
  configs: ReadonlyMap<string, string | undefined>,
): {
  autoscalers: Map<string, GroupAutoscaler | undefined>;
  unreadable: { fleet: string; error: unknown }[];
} => {
  const autoscalers = new Map<string, GroupAutoscaler | undefined>();
  const unreadable: { fleet: string; error: unknown }[] = [];
  for (const fleet of fleets.filter((f) => f.role === 'jobs')) {
    const text = fleet.manager ? configs.get(fleet.manager) : undefined;
    if (text === undefined) continue;
    try {
      autoscalers.set(fleet.name, autoscalerOf(text, fleet.autoScalingGroup));
    } catch (error) {
      unreadable.push({ fleet: fleet.name, error });
    }
  }
  return { autoscalers, unreadable };
};

/**
 * The instances of each fleet: its group's tagged instances (members or not) and the canaries
 * testing it. An instance counts once, in the first fleet that claims it.
 */
export const fleetInstances = (
  snapshots: readonly Snapshot[],
  canaries: readonly Instance[],
): Map<string, FleetInstance[]> => {
  const byFleet = new Map<string, FleetInstance[]>();
  const known = new Set<string>();
  for (const snap of snapshots) {
    const members = new Map((snap.group?.instances ?? []).map((m) => [m.instanceId, m]));
    const tagged = new Set(snap.tagged.map((t) => t.instanceId));
    const own = [
      ...snap.tagged,
      ...canaries.filter((c) => c.tags[FLEET_TAG] === snap.fleet.name && !tagged.has(c.instanceId)),
    ]
      .filter((i) => !known.has(i.instanceId))
      .map((ec2) => ({ ec2, member: members.get(ec2.instanceId) }));
    own.forEach((i) => known.add(i.ec2.instanceId));
    byFleet.set(snap.fleet.name, own);
  }
  return byFleet;
};

/** Each fleet's idle window now: its own, or the active policy's `idle_time` when longer. */
export const idleWindows = (
  snapshots: readonly Snapshot[],
  autoscalers: ReadonlyMap<string, GroupAutoscaler | undefined>,
  at: Date,
): Map<string, number> =>
  new Map(
    snapshots.map((s) => {
      const autoscaler = autoscalers.get(s.fleet.name);
      const policy = autoscaler ? activePolicy(autoscaler.policies, at) : undefined;
      return [s.fleet.name, idleWindowMinutes(s.fleet, policy)];
    }),
  );

/** What EC2 and the group say of an instance: its facts before any account-wide read. */
const ownFacts = ({ ec2, member }: FleetInstance): InstanceFacts => ({
  instanceId: ec2.instanceId,
  state: ec2.state,
  launchTime: ec2.launchTime,
  inGroup: member !== undefined,
  lifecycleState: member?.lifecycleState,
  // An empty version names none.
  launchTemplateVersion: member?.launchTemplateVersion || undefined,
  canary: ec2.tags[CANARY_TAG] === 'true',
  answers: [],
});

/** An instance's facts: its own and what the account-wide reads found about it. */
export const instanceFacts = (instance: FleetInstance, reads: InstanceReads): InstanceFacts => {
  const id = instance.ec2.instanceId;
  return {
    ...ownFacts(instance),
    waitSince: reads.waits.get(id),
    impaired: reads.impaired.get(id),
    ssm: reads.pings.get(id),
    activity: reads.activity.get(id),
    answers: reads.answers.get(id) ?? [],
  };
};

/** What to read about the fleets' instances: only what the decision will look at. */
export const readPlan = (
  snapshots: readonly Snapshot[],
  instances: ReadonlyMap<string, readonly FleetInstance[]>,
  windows: ReadonlyMap<string, number>,
  at: Date,
): ReadPlan => {
  const activity = new Map<number, string[]>();
  for (const snap of snapshots) {
    const window = windows.get(snap.fleet.name)!;
    for (const i of instances.get(snap.fleet.name) ?? []) {
      if (needsActivity(snap.fleet, ownFacts(i), at, window))
        activity.set(window, [...(activity.get(window) ?? []), i.ec2.instanceId]);
    }
  }
  const longest = Math.max(0, ...windows.values());
  return {
    running: [...instances.values()]
      .flat()
      .filter((i) => i.ec2.state === 'running')
      .map((i) => i.ec2.instanceId),
    activity,
    answersAfter: new Date(at.getTime() - longest * MINUTE),
    waitingGroups: snapshots
      .filter((s) => (s.group?.instances ?? []).some((m) => m.lifecycleState === 'Terminating:Wait'))
      .map((s) => s.fleet.autoScalingGroup),
  };
};

/** The metrics window of an idle window: the last `minutes`, up to the current whole minute. */
export const activityWindow = (minutes: number, at: Date): { start: Date; end: Date } => {
  const end = new Date(Math.floor(at.getTime() / MINUTE) * MINUTE);
  return { start: new Date(end.getTime() - minutes * MINUTE), end };
};

/** CPU (maximum) and network in and out (sums) of an instance, per activity period. */
export const activityQueries = (instanceId: string): MetricStatQuery[] =>
  (
    [
      ['cpu', 'CPUUtilization', 'Maximum'],
      ['in', 'NetworkIn', 'Sum'],
      ['out', 'NetworkOut', 'Sum'],
    ] as const
  ).map(([key, metricName, stat]) => ({
    key: `${instanceId}/${key}`,
    namespace: 'AWS/EC2',
    metricName,
    dimensions: { InstanceId: instanceId },
    stat,
    periodSeconds: ACTIVITY_PERIOD_MINUTES * 60,
  }));

/** An instance's activity from its {@link activityQueries}' series; `undefined` without CPU data. */
export const activityOf = (
  instanceId: string,
  series: ReadonlyMap<string, MetricSeries>,
): Activity | undefined => {
  const cpu = series.get(`${instanceId}/cpu`);
  if (!cpu || cpu.values.length === 0) return undefined;
  const traffic = new Map<number, number>();
  for (const key of ['in', 'out']) {
    const s = series.get(`${instanceId}/${key}`);
    s?.timestamps.forEach((t, n) =>
      traffic.set(t.getTime(), (traffic.get(t.getTime()) ?? 0) + (s.values[n] ?? 0)),
    );
  }
  return {
    cpuMaxPercent: Math.max(...cpu.values),
    networkMaxBytesPerMinute: Math.max(0, ...traffic.values()) / ACTIVITY_PERIOD_MINUTES,
    periods: cpu.values.length,
  };
};

/** The job-check answers of each instance, in the order the command history lists them. */
export const answersByInstance = (outputs: readonly CommandOutput[]): Map<string, JobAnswer[]> => {
  const answers = new Map<string, JobAnswer[]>();
  for (const out of outputs)
    answers.set(out.instanceId, [...(answers.get(out.instanceId) ?? []), answerOf(out)]);
  return answers;
};

/** One fleet's facts for the decision. */
export const fleetFacts = (snap: Snapshot, sweep: Gathered, at: Date): FleetFacts => {
  const autoscaler = sweep.autoscalers.get(snap.fleet.name);
  return {
    fleet: snap.fleet,
    groupFound: snap.group !== undefined,
    currentVersion: snap.currentVersion,
    currentSince: promotedAt(snap, sweep.snapshots),
    manager: managerOf(snap.fleet, sweep.managers, at),
    autoscaler: autoscaler
      ? { capacityPerInstance: autoscaler.capacityPerInstance, policy: activePolicy(autoscaler.policies, at) }
      : undefined,
    instances: (sweep.instances.get(snap.fleet.name) ?? []).map((i) => instanceFacts(i, sweep.reads)),
  };
};
