import { createHash } from 'node:crypto';

import type { Group } from '../aws/autoscaling';
import type { Fleet } from '../fleet';
import { isInside, nextWindowStart, windowEnd } from '../windows';
import { drainBoundSeconds } from './commands';
import type { HistoryEntry, ImageRollout, Rollout, RolloutState } from './model';

/** Pure rules of the rollout: no SDK, no clock, no logging. */

/** Stable per launch template and image: one candidate serves every fleet on that template. */
export const candidateIdFor = (launchTemplate: string, imageArn: string): string =>
  createHash('sha256').update(`${launchTemplate}\n${imageArn}`).digest('hex').slice(0, 20);

/** Fleets sharing one launch template roll out together; the first by name leads. */
export const fleetsOnTemplate = (fleets: readonly Fleet[], launchTemplate: string): Fleet[] =>
  fleets.filter((f) => f.launchTemplate === launchTemplate).sort((a, b) => a.name.localeCompare(b.name));

/**
 * The `recycle` fleets among `fleets`, by the manager fleet that restarts them (a jobs fleet names
 * its manager; fleets on one template may name different ones).
 */
export const recycleFleetsByManager = (fleets: readonly Fleet[]): Map<string, Fleet[]> => {
  const byManager = new Map<string, Fleet[]>();
  for (const f of fleets) {
    if (f.rollout !== 'recycle' || f.manager === undefined) continue;
    byManager.set(f.manager, [...(byManager.get(f.manager) ?? []), f]);
  }
  return byManager;
};

/** The image rollout promoted last, of those given (undefined: none was promoted). */
export const latestPromoted = (rollouts: readonly Rollout[]): ImageRollout | undefined =>
  rollouts
    .filter((r): r is ImageRollout => r.kind === 'rollout' && r.promotedAt !== undefined)
    .sort((a, b) => (b.promotedAt ?? '').localeCompare(a.promotedAt ?? ''))[0];

/**
 * The fleets the ledger may keep a fleet's image rollouts under: every fleet of its template (the
 * lead when the rollout was staged, which a later deploy may have changed) and the fleet itself.
 */
export const templateFleetsOf = (fleets: readonly Fleet[], name: string): string[] => {
  const fleet = fleets.find((f) => f.name === name);
  return [
    ...new Set([...(fleet ? fleetsOnTemplate(fleets, fleet.launchTemplate).map((f) => f.name) : []), name]),
  ];
};

/**
 * Processes a manager group must never have suspended, and why: the replacement after a drain is
 * the group's own work (Auto Scaling user guide, "How suspended processes affect other processes").
 */
const REQUIRED_PROCESSES = {
  Launch: 'the group would never launch the replacement of a drained manager, leaving the fleet without one',
  Terminate:
    'the group cannot retire instances itself (AWS: it may then launch without terminating, even past its max size), so a second manager can come up beside the first',
  HealthCheck:
    'the group stops checking its instances, so a replacement manager that fails its EC2 status checks is never replaced',
} as const;

const resumeHint = (group: string, process: string): string =>
  `resume it (aws autoscaling resume-processes --auto-scaling-group-name ${group} --scaling-processes ${process}; where Terraform manages the group, drop it from suspended_processes of its aws_autoscaling_group)`;

/**
 * Why a group may not receive a candidate, or nothing. A group on `$Latest` would launch the
 * untested candidate the moment it is staged; a manager group must never hold two managers, and
 * must be able to replace a drained manager by itself.
 *
 * `leaseHeld` says whether the fleet's manager lease is held: our drains and restarts suspend
 * `ReplaceUnhealthy` under that lease (and resume it when they end), so only then is a suspended
 * `ReplaceUnhealthy` explained. Left out it is false, which refuses: the safe answer when the
 * caller cannot tell.
 */
export const groupProblems = (
  fleet: Fleet,
  group: Group | undefined,
  warmPool: { configured: boolean },
  launchTemplateId: string,
  { leaseHeld = false }: { leaseHeld?: boolean } = {},
): string[] => {
  if (!group) return [`group ${fleet.autoScalingGroup} does not exist`];
  const problems: string[] = [];
  const spec = group.launchTemplate ?? group.mixedInstancesLaunchTemplate;
  if (!spec || (spec.id !== launchTemplateId && spec.name !== fleet.launchTemplate)) {
    problems.push(`group ${group.name} does not launch from launch template ${fleet.launchTemplate}`);
  } else if (spec.version !== '$Default') {
    problems.push(
      `group ${group.name} launches version "${spec.version ?? '(none)'}", not $Default: it would take a candidate before its canary passed; set the group to $Default`,
    );
  }
  if (fleet.role === 'manager') {
    if (group.maxSize > 1)
      problems.push(
        `manager group ${group.name} has max size ${group.maxSize}: two managers delete each other's job instances; set it to 1`,
      );
    if (!group.suspendedProcesses.includes('AZRebalance'))
      problems.push(
        `manager group ${group.name} does not suspend AZRebalance, which launches a second manager before terminating one`,
      );
    if (warmPool.configured) problems.push(`manager group ${group.name} has a warm pool: remove it`);
    // MaxHealthyPercentage is the share of the desired capacity that may be in service or pending
    // while the group replaces instances (Auto Scaling API reference, InstanceMaintenancePolicy).
    // Above 100 on a one-instance group that is a second manager beside the first: certain with
    // MinHealthyPercentage 100, which keeps every desired instance in service, so the old one
    // stays until its replacement is ready ("Launch before terminating" in the user guide's
    // "Instance maintenance policies"), possible below it. Without a policy the group
    // terminates first and launches while the old one terminates (Auto Scaling user guide, "View
    // the reason for health check failures").
    const policy = group.instanceMaintenancePolicy;
    if (policy && policy.maxHealthyPercentage > 100)
      problems.push(
        `manager group ${group.name} has an instance maintenance policy (MinHealthyPercentage ${policy.minHealthyPercentage}, MaxHealthyPercentage ${policy.maxHealthyPercentage}) that ${policy.minHealthyPercentage >= 100 ? 'launches' : 'may launch'} a replacement before terminating the manager it replaces: two managers at once; set MaxHealthyPercentage to 100 or remove the policy (aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${group.name} --instance-maintenance-policy MinHealthyPercentage=-1,MaxHealthyPercentage=-1; where Terraform manages the group, its instance_maintenance_policy block)`,
      );
    for (const [process, why] of Object.entries(REQUIRED_PROCESSES)) {
      if (group.suspendedProcesses.includes(process))
        problems.push(
          `manager group ${group.name} suspends ${process}: ${why}; ${resumeHint(group.name, process)}`,
        );
    }
    if (group.suspendedProcesses.includes('ReplaceUnhealthy') && !leaseHeld)
      problems.push(
        `manager group ${group.name} suspends ReplaceUnhealthy while no drain or restart of ours holds the fleet's lease: someone else suspended it or a crashed run left it, and a manager that fails its health checks is never replaced; unless someone needs it suspended, ${resumeHint(group.name, 'ReplaceUnhealthy')}`,
      );
  }
  return problems;
};

/** A drain (or restart, which also waits for health) command outlasts the drain bound. */
export const drainCommandSeconds = (
  manager: Pick<Fleet, 'maxJobMinutes'>,
  kind: 'rollout' | 'restart' | 'config',
): number => {
  const drain = drainBoundSeconds(manager);
  if (kind === 'rollout') return drain + 600;
  if (kind === 'restart') return drain + 900;
  // A restarting apply that turns out unhealthy drains and waits for health a second time to restore.
  return Math.min(2 * (drain + 300) + 600, 172_800);
};

/** The outcome an apply-config command printed last (`RESULT <outcome>[: <detail>]`). */
export const applyResultOf = (stdout: string): { outcome: string; detail: string } | undefined => {
  const lines = stdout.split('\n').filter((l) => l.startsWith('RESULT '));
  const last = lines.at(-1);
  if (!last) return undefined;
  const match = /^RESULT (\S+?)(?::\s*(.*))?$/.exec(last.trim());
  return match ? { outcome: match[1] ?? '', detail: match[2] ?? '' } : undefined;
};

/** Runners whose rotated token the apply wrote back (`TOKEN_ROTATED=<name>` lines). */
export const rotatedTokensOf = (stdout: string): string[] =>
  stdout
    .split('\n')
    .flatMap((l) => (l.startsWith('TOKEN_ROTATED=') ? [l.slice('TOKEN_ROTATED='.length).trim()] : []));

export type Verdict = { kind: 'pass' } | { kind: 'fail'; reason: string } | { kind: 'pending' };

/** Invocation statuses (GetCommandInvocation `Status`) that end it without success. */
const FAILED = new Set(['Failed', 'TimedOut', 'Cancelled', 'Cancelling']);

/**
 * All invocations (GetCommandInvocation `Status`) must succeed; any failure decides at once;
 * otherwise the verdict waits.
 */
export const verdictOf = (
  invocations: readonly { commandId: string; status: string | undefined }[],
): Verdict => {
  const failed = invocations.find((i) => i.status && FAILED.has(i.status));
  if (failed) return { kind: 'fail', reason: `command ${failed.commandId} ended ${failed.status}` };
  if (invocations.length > 0 && invocations.every((i) => i.status === 'Success')) return { kind: 'pass' };
  return { kind: 'pending' };
};

export type Timing = { kind: 'now' } | { kind: 'wait'; until: Date } | { kind: 'never' };

/** Nothing is promoted inside a freeze window: the step waits for its end. */
export const promotionTiming = (fleets: readonly Fleet[], now: Date): Timing => {
  const windows = fleets.flatMap((f) => f.freezeWindows);
  if (!isInside(windows, now)) return { kind: 'now' };
  const end = windowEnd(windows, now);
  return end ? { kind: 'wait', until: end } : { kind: 'never' };
};

/** Time a manager's replacement needs to start after its drain: terminate, launch, boot. */
export const REPLACEMENT_START_MINUTES = 10;
/** How late a step scheduled for a window's start may run and still count as starting with it. */
const LATE_START_MINUTES = 2;
/** How many windows ahead a drain looks for one long enough before calling the config wrong. */
const WINDOWS_AHEAD = 14;

/**
 * A manager is drained, replaced or restarted only inside one of its maintenance windows, and a
 * drain starts only while the window still holds `neededMinutes` (the drain bound and the start
 * of the replacement): one started late would replace the manager outside the window.
 */
export const maintenanceTiming = (manager: Fleet, now: Date, neededMinutes = 0): Timing => {
  const windows = manager.maintenanceWindows;
  let at = now;
  for (let i = 0; i < WINDOWS_AHEAD; i++) {
    const start = nextWindowStart(windows, at);
    if (!start) return { kind: 'never' };
    // A run scheduled for the window's start arrives a little late: that is still its start.
    const from = Math.max(start.getTime(), now.getTime()) - LATE_START_MINUTES * 60_000;
    const end = windowEnd(windows, start);
    // A window that never ends within the search is long enough for anything.
    if (!end || end.getTime() - from >= neededMinutes * 60_000)
      return start.getTime() <= now.getTime() ? { kind: 'now' } : { kind: 'wait', until: start };
    at = end;
  }
  return { kind: 'never' };
};

/** What a drain needs left of its window: the drain bound and the replacement's start. */
export const drainWindowMinutes = (manager: Pick<Fleet, 'maxJobMinutes'>): number =>
  Math.ceil(drainBoundSeconds(manager) / 60) + REPLACEMENT_START_MINUTES;

/** The last lines of a command's output: enough to see why, small enough for an event. */
export const excerptOf = (stdout: string, stderr: string, maxChars = 2000): string => {
  const lines = `${stdout}\n${stderr}`.split('\n').filter((l) => l.trim());
  return lines.slice(-20).join('\n').slice(-maxChars);
};

export const MAX_HISTORY = 100;

/** The item in its next state, with the step recorded in its history. */
export const transition = <T extends Rollout>(
  item: T,
  state: RolloutState,
  note: string,
  now: Date,
  patch: Partial<Omit<T, 'kind' | 'state' | 'history' | 'revision'>> = {},
): T => {
  const entry: HistoryEntry = { at: now.toISOString(), state, note };
  const sameState = state === item.state;
  const last = item.history.at(-1);
  // A recheck that finds the same (an alarm still firing) says so once: a day of them would push
  // the rest of the story out of the capped history.
  const repeated = last?.state === state && last.note === note;
  return {
    ...item,
    attempts: sameState ? item.attempts : 0,
    ...patch,
    state,
    stateSince: sameState ? item.stateSince : now.toISOString(),
    history: repeated ? item.history : [...item.history, entry].slice(-MAX_HISTORY),
  };
};
