import type { JobAnswer } from './job-check';
import { type AutoscalerPolicy, keptIdleInstances } from './policy';
import type { SweeperFleet } from './settings';

/**
 * The sweeper's rules: given one snapshot of a fleet (its group, its instances and what AWS knows
 * of each), which instances are idle, stuck, orphaned or outdated, whom to ask whether a job runs,
 * and which orphans may go. Pure: no SDK, no clock, no logging.
 */

const MINUTE = 60_000;

/**
 * Every instance of a fleet gets exactly one class (so the counts add up to the instances seen):
 * - `orphaned`: ours (group tag, canary) but in no group, or an expired canary;
 * - `stuck`: pending too long, failing status checks, offline in SSM too long, or held in a
 *   lifecycle wait beyond its limit;
 * - `idle`: quiet beyond the idle window, beyond the capacity the policy keeps, and the instance
 *   itself said it runs no job;
 * - `unknown`: as idle, but without a fresh answer (not asked yet, unreachable, failed check);
 * - `kept`: quiet, but within the idle capacity the active policy keeps on purpose;
 * - `busy`: the instance said it runs a job;
 * - `unmanaged`: quiet while the fleet's manager is absent or draining (reported, never idle);
 * - `active`: CPU or network show work (and every in-service manager instance);
 * - `other`: not judged: young, not in service, leaving, no metrics yet, a live canary.
 */
export const INSTANCE_CLASSES = [
  'orphaned',
  'stuck',
  'idle',
  'unknown',
  'kept',
  'busy',
  'unmanaged',
  'active',
  'other',
] as const;
export type InstanceClass = (typeof INSTANCE_CLASSES)[number];

/** An expired canary outlived its checks by this much (its rollout terminates it when done). */
export const CANARY_MARGIN_MINUTES = 60;
/** A group instance can appear in EC2 before the group lists it: younger ones are never orphans. */
export const ORPHAN_GRACE_MINUTES = 10;
/** A job check not finished after this is forgotten and may be sent again. */
export const PENDING_CHECK_MINUTES = 15;
/** The metrics period; basic EC2 monitoring publishes every 5 minutes. */
export const ACTIVITY_PERIOD_MINUTES = 5;
/** Lease actions under which a manager is drained or replaced (functions/shared/rollout/manager.ts). */
export const DRAINING_ACTIONS: readonly string[] = ['replace', 'restart', 'rollback'];

export interface Activity {
  /** Highest CPUUtilization (percent) of any period in the window. */
  readonly cpuMaxPercent: number;
  /** Highest NetworkIn + NetworkOut of any period, per minute. */
  readonly networkMaxBytesPerMinute: number;
  /** Periods with data in the window. */
  readonly periods: number;
}

export interface InstanceFacts {
  readonly instanceId: string;
  /** EC2 state: pending, running, shutting-down, stopping, stopped. */
  readonly state: string;
  readonly launchTime?: Date;
  /** Listed among the group's instances. */
  readonly inGroup: boolean;
  /** The group's lifecycle state (InService, Pending, Pending:Wait, Terminating:Wait, ...). */
  readonly lifecycleState?: string;
  /** When a `Terminating:Wait` began (the group's scaling activity); `Pending:Wait` counts from launch. */
  readonly waitSince?: Date;
  /** The launch template version the group says the instance came from. */
  readonly launchTemplateVersion?: string;
  /** Tagged `runner-autopilot:canary=true`. */
  readonly canary: boolean;
  /** A failing instance or system status check, and since when if EC2 says. */
  readonly impaired?: { readonly since?: Date };
  /** SSM's view; `undefined` when the agent never registered. */
  readonly ssm?: { readonly online: boolean; readonly lastPingAt?: Date };
  /** CPU and network over the idle window; `undefined` when not read or no data. */
  readonly activity?: Activity;
  /** Job-check answers found in command history (any age; stale ones are ignored here). */
  readonly answers: readonly JobAnswer[];
}

export interface FleetFacts {
  readonly fleet: SweeperFleet;
  readonly groupFound: boolean;
  /** The launch template version the group launches now (its `$Default`, `$Latest` or number, resolved). */
  readonly currentVersion?: string;
  /** When that version became the default, if the ledger knows (a rollout's promotion). */
  readonly currentSince?: Date;
  /** For a jobs fleet, its manager; for a manager fleet, itself. */
  readonly manager: ManagerState;
  /**
   * The group's autoscaler from the manager's config, with the policy active now (`undefined` when
   * none matches); `undefined` when there is no config to read (nothing is known to be kept).
   */
  readonly autoscaler?: { readonly capacityPerInstance: number; readonly policy?: AutoscalerPolicy };
  readonly instances: readonly InstanceFacts[];
}

export interface ManagerState {
  readonly absent: boolean;
  readonly reason?: string;
}

export interface InstanceVerdict {
  readonly instanceId: string;
  readonly class: InstanceClass;
  readonly reason: string;
  /** Hours since the instance fell behind the group's current version (in-group instances only). */
  readonly outdatedHours?: number;
}

export interface FleetReport {
  readonly fleet: string;
  readonly role: SweeperFleet['role'];
  readonly groupFound: boolean;
  readonly managerAbsent: boolean;
  readonly managerReason?: string;
  readonly policyKnown: boolean;
  readonly idleWindowMinutes: number;
  /** Quiet instances the active policy keeps on purpose. */
  readonly keptIdle: number;
  readonly counts: Readonly<Record<InstanceClass, number>>;
  /** Instances in the group. */
  readonly fleetSize: number;
  /** Every instance classified: group members, orphans and canaries of the fleet. */
  readonly total: number;
  readonly outdated: number;
  /** Outdated for longer than `health.outdatedHours`: what the outdated alarm counts. */
  readonly outdatedTooLong: number;
  /** Running and pending instances times the sweep interval, in hours. */
  readonly instanceHours: number;
  readonly instances: readonly InstanceVerdict[];
  /** Whom to ask, this sweep, whether a job runs (at most `maxJobChecksPerSweep`). */
  readonly jobChecks: readonly string[];
  /** Orphans and expired canaries that answered idle, when `terminateOrphans` is on. */
  readonly terminate: readonly string[];
}

const minutesSince = (now: Date, at: Date | undefined): number =>
  at === undefined ? 0 : (now.getTime() - at.getTime()) / MINUTE;

/** How long an instance must have been quiet: the longer of the configured and the policy's `idle_time`, plus the grace. */
export const idleWindowMinutes = (fleet: SweeperFleet, policy?: AutoscalerPolicy): number =>
  Math.max(fleet.health.idleTimeMinutes, policy?.idleTimeMinutes ?? 0) + fleet.health.idleGraceMinutes;

/** Whether an instance's CPU and network are worth reading: a jobs fleet's running, in-service instance older than the window. */
export const needsActivity = (
  fleet: SweeperFleet,
  i: InstanceFacts,
  now: Date,
  windowMinutes: number,
): boolean =>
  fleet.role === 'jobs' &&
  i.inGroup &&
  i.state === 'running' &&
  i.lifecycleState === 'InService' &&
  i.launchTime !== undefined &&
  minutesSince(now, i.launchTime) >= windowMinutes;

/** Quiet over the whole window: enough periods of data, every one below both thresholds. */
export const isQuiet = (
  fleet: SweeperFleet,
  activity: Activity | undefined,
  windowMinutes: number,
): boolean => {
  if (!activity) return false;
  const wanted = Math.max(1, Math.ceil(windowMinutes / ACTIVITY_PERIOD_MINUTES) - 1);
  return (
    activity.periods >= wanted &&
    activity.cpuMaxPercent < fleet.health.idleCpuPercent &&
    activity.networkMaxBytesPerMinute < fleet.health.idleNetworkBytesPerMinute
  );
};

/**
 * A manager is absent while its fleet holds a drain/replace/restart/rollback lease that has not
 * expired, or when its group has no running in-service instance.
 */
export const managerState = (input: {
  readonly configured: boolean;
  readonly groupFound: boolean;
  readonly members: readonly { readonly state: string; readonly lifecycleState?: string }[];
  readonly lease?: { readonly action: string; readonly expiresAt: string };
  readonly now: Date;
}): ManagerState => {
  if (!input.configured) return { absent: true, reason: 'no manager fleet configured' };
  const lease = input.lease;
  if (lease && DRAINING_ACTIONS.includes(lease.action) && Date.parse(lease.expiresAt) > input.now.getTime())
    return { absent: true, reason: `manager draining (${lease.action} lease until ${lease.expiresAt})` };
  if (!input.groupFound) return { absent: true, reason: 'manager group not found' };
  if (!input.members.some((m) => m.state === 'running' && m.lifecycleState === 'InService'))
    return { absent: true, reason: 'no manager instance in service' };
  return { absent: false };
};

/** Why an instance is stuck, or `undefined`. */
export const stuckReason = (fleet: SweeperFleet, i: InstanceFacts, now: Date): string | undefined => {
  const h = fleet.health;
  const age = minutesSince(now, i.launchTime);
  if ((i.state === 'pending' || i.lifecycleState === 'Pending') && age > h.stuckPendingMinutes)
    return `pending for ${Math.floor(age)} min`;
  if (i.lifecycleState?.endsWith(':Wait')) {
    const since = i.lifecycleState === 'Pending:Wait' ? i.launchTime : i.waitSince;
    const waited = minutesSince(now, since);
    if (since !== undefined && waited > h.lifecycleWaitMinutes)
      return `held in ${i.lifecycleState} for ${Math.floor(waited)} min`;
  }
  if (i.state !== 'running') return undefined;
  if (i.impaired) return 'failing status checks';
  if (age > h.ssmOfflineMinutes && !i.ssm?.online) {
    const offline = i.ssm?.lastPingAt === undefined ? age : minutesSince(now, i.ssm.lastPingAt);
    if (offline > h.ssmOfflineMinutes)
      return i.ssm ? `offline in SSM for ${Math.floor(offline)} min` : 'never registered with SSM';
  }
  return undefined;
};

/** The fresh answers (sent within the window; pending ones only recently), newest first. */
const freshAnswers = (answers: readonly JobAnswer[], now: Date, windowMinutes: number): JobAnswer[] =>
  answers
    .filter((a) => {
      const age = minutesSince(now, a.at);
      return age >= 0 && age <= (a.kind === 'pending' ? PENDING_CHECK_MINUTES : windowMinutes);
    })
    .sort((a, b) => b.at.getTime() - a.at.getTime());

type Said = { kind: 'busy'; jobs: number } | { kind: 'idle' } | { kind: 'pending' } | { kind: 'none' };
/** Busy if any fresh answer says so; idle if the newest finished one does; else pending or none. */
const said = (fresh: readonly JobAnswer[]): Said => {
  const busy = fresh.find((a) => a.kind === 'busy');
  if (busy) return { kind: 'busy', jobs: busy.jobs };
  const finished = fresh.find((a) => a.kind === 'idle' || a.kind === 'failed');
  if (finished?.kind === 'idle') return { kind: 'idle' };
  if (fresh.some((a) => a.kind === 'pending')) return { kind: 'pending' };
  return { kind: 'none' };
};

const byAge = (a: InstanceFacts, b: InstanceFacts): number =>
  (a.launchTime?.getTime() ?? 0) - (b.launchTime?.getTime() ?? 0) || a.instanceId.localeCompare(b.instanceId);

const emptyCounts = (): Record<InstanceClass, number> =>
  Object.fromEntries(INSTANCE_CLASSES.map((c) => [c, 0])) as Record<InstanceClass, number>;

/** Classifies every instance of one fleet and plans this sweep's job checks and terminations. */
export const classifyFleet = (facts: FleetFacts, now: Date, sweepEveryMinutes: number): FleetReport => {
  const { fleet } = facts;
  const h = fleet.health;
  const policy = facts.autoscaler?.policy;
  const window = idleWindowMinutes(fleet, policy);
  const capacity = facts.autoscaler?.capacityPerInstance ?? 1;
  const verdicts = new Map<string, InstanceVerdict>();
  const set = (i: InstanceFacts, cls: InstanceClass, reason: string) =>
    verdicts.set(i.instanceId, { instanceId: i.instanceId, class: cls, reason });
  const pool: { i: InstanceFacts; said: Said }[] = [];
  const busyJobs: number[] = [];
  const orphans: InstanceFacts[] = [];

  const instances = [...new Map(facts.instances.map((i) => [i.instanceId, i])).values()].sort(byAge);
  for (const i of instances) {
    const age = minutesSince(now, i.launchTime);
    const fresh = freshAnswers(i.answers, now, window);
    if (!i.inGroup) {
      if (i.state === 'shutting-down') set(i, 'other', 'terminating');
      else if (i.canary && age <= fleet.canaryLifetimeMinutes + CANARY_MARGIN_MINUTES)
        set(i, 'other', 'canary under test');
      else if (i.canary) {
        set(i, 'orphaned', `expired canary (${Math.floor(age)} min old)`);
        orphans.push(i);
      } else if (age <= ORPHAN_GRACE_MINUTES) set(i, 'other', 'just launched, not listed by the group yet');
      else {
        set(i, 'orphaned', 'carries the group tag but is in no group');
        orphans.push(i);
      }
      continue;
    }
    const stuck = stuckReason(fleet, i, now);
    if (stuck) {
      set(i, 'stuck', stuck);
      continue;
    }
    if (i.state !== 'running' || i.lifecycleState !== 'InService') {
      set(i, 'other', `${i.state}, ${i.lifecycleState ?? 'not in service'}`);
      continue;
    }
    if (fleet.role === 'manager') {
      set(i, 'active', 'manager in service');
      continue;
    }
    const answer = said(fresh);
    if (answer.kind === 'busy') {
      set(i, 'busy', `runs ${answer.jobs} job(s)`);
      busyJobs.push(answer.jobs);
      continue;
    }
    if (!needsActivity(fleet, i, now, window) || i.activity === undefined) {
      set(i, 'other', age < window ? 'younger than the idle window' : 'no CPU/network data');
      continue;
    }
    if (!isQuiet(fleet, i.activity, window)) {
      set(i, 'active', 'CPU or network in use');
      // Its job count is unknown: count it full, so no spare slot is assumed on it.
      busyJobs.push(capacity);
      continue;
    }
    if (facts.manager.absent) {
      set(i, 'unmanaged', facts.manager.reason ?? 'manager absent');
      continue;
    }
    pool.push({ i, said: answer });
  }

  // The policy keeps `kept` quiet instances; those without an answer take those places first, so
  // an instance is called idle only when more instances answered idle than the policy keeps.
  const kept = facts.autoscaler ? keptIdleInstances(policy, capacity, busyJobs) : 0;
  // An idle answer counts only from an instance still reachable now: one that cannot be asked is unknown.
  const saysIdle = (p: { i: InstanceFacts; said: Said }) =>
    p.said.kind === 'idle' && p.i.ssm?.online === true;
  const unanswered = pool.filter((p) => !saysIdle(p));
  const answeredIdle = pool.filter(saysIdle);
  const ordered = [...unanswered, ...answeredIdle];
  ordered.forEach((p, n) => {
    if (n < kept) set(p.i, 'kept', `idle capacity kept by the active policy (${kept})`);
    else if (saysIdle(p)) set(p.i, 'idle', `quiet for ${window} min and says it runs no job`);
    else
      set(
        p.i,
        'unknown',
        p.said.kind === 'pending'
          ? 'quiet; job check under way'
          : p.i.ssm?.online
            ? 'quiet; not asked yet'
            : 'quiet; cannot be asked (offline in SSM)',
      );
  });

  // Job checks: orphans first (only when they may be terminated), then the quiet pool.
  const askable = (i: InstanceFacts) =>
    i.state === 'running' &&
    i.ssm?.online === true &&
    said(freshAnswers(i.answers, now, window)).kind === 'none';
  const toAsk = [
    ...(h.terminateOrphans ? orphans.filter(askable) : []),
    ...(pool.length > kept
      ? pool
          .filter((p) => p.said.kind === 'none')
          .map((p) => p.i)
          .filter(askable)
      : []),
  ].slice(0, h.maxJobChecksPerSweep);

  const terminate = h.terminateOrphans
    ? orphans
        .filter((i) => !i.inGroup && i.state === 'running' && i.ssm?.online === true)
        .filter((i) => said(freshAnswers(i.answers, now, window)).kind === 'idle')
        .map((i) => i.instanceId)
    : [];

  const withOutdated = instances.map((i) => {
    const v = verdicts.get(i.instanceId)!;
    if (
      !i.inGroup ||
      facts.currentVersion === undefined ||
      i.launchTemplateVersion === undefined ||
      i.launchTemplateVersion === facts.currentVersion
    )
      return v;
    const since = Math.max(i.launchTime?.getTime() ?? now.getTime(), facts.currentSince?.getTime() ?? 0);
    return { ...v, outdatedHours: Math.max(0, (now.getTime() - since) / (60 * MINUTE)) };
  });

  const counts = emptyCounts();
  for (const v of withOutdated) counts[v.class]++;
  const outdated = withOutdated.filter((v) => v.outdatedHours !== undefined);
  const billed = instances.filter((i) => i.state === 'running' || i.state === 'pending').length;
  return {
    fleet: fleet.name,
    role: fleet.role,
    groupFound: facts.groupFound,
    managerAbsent: facts.manager.absent,
    ...(facts.manager.reason ? { managerReason: facts.manager.reason } : {}),
    policyKnown: facts.autoscaler !== undefined,
    idleWindowMinutes: window,
    keptIdle: Math.min(kept, pool.length),
    counts,
    fleetSize: instances.filter((i) => i.inGroup).length,
    total: instances.length,
    outdated: outdated.length,
    outdatedTooLong: outdated.filter((v) => (v.outdatedHours ?? 0) > h.outdatedHours).length,
    instanceHours: (billed * sweepEveryMinutes) / 60,
    instances: withOutdated,
    jobChecks: toAsk.map((i) => i.instanceId),
    terminate,
  };
};
