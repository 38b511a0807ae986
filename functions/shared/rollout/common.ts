import type { ScalingProcess } from '../aws/autoscaling';
import { scheduleName } from '../aws/scheduler';
import { busEntry, DetailType } from '../events';
import { PermanentError } from '../errors';
import type { Fleet } from '../fleet';
import type { StepContext, StepResult } from './context';
import { excerptOf, transition, verdictOf } from './decide';
import { FINAL_STATES, type FinalState, type ImageRollout, type Rollout, type RolloutState } from './model';
import { DELIVERY_TIMEOUT_SECONDS, leaseMinutes, TABLE } from './table';
import { CANARY_TAG } from '../names';

/**
 * What every workflow's steps share: reading fleets, entering a state (with the table's
 * deadline), saving, ending (the one way into a final state), schedules, commands and the lease.
 */

const MINUTE = 60_000;
/** A step waiting for the lease tries again after this. */
export const LEASE_RETRY_MINUTES = 10;
/** Group processes suspended around a drain: only health replacement, never Launch or Terminate. */
export const DRAIN_SUSPENDED_PROCESSES: readonly ScalingProcess[] = ['ReplaceUnhealthy'];

export const after = (now: Date, minutes: number): Date => new Date(now.getTime() + minutes * MINUTE);
export const due = (iso: string | undefined, now: Date): boolean =>
  iso !== undefined && now.getTime() >= Date.parse(iso);

export const fleetByName = (ctx: StepContext, name: string): Fleet => {
  const fleet = ctx.settings.fleets.find((f) => f.name === name);
  // The config is fixed at deploy: a retry of the same event can never find it.
  if (!fleet) throw new PermanentError(`fleet "${name}" is not configured`);
  return fleet;
};

/** The manager fleet of an item: the lead itself, or the manager of a jobs fleet (if any). */
export const managerFleetOf = (ctx: StepContext, item: Rollout): Fleet | undefined => {
  const lead = fleetByName(ctx, item.fleet);
  if (lead.role === 'manager') return lead;
  return lead.manager ? fleetByName(ctx, lead.manager) : undefined;
};

export const requireManager = (ctx: StepContext, item: Rollout): Fleet => {
  const manager = managerFleetOf(ctx, item);
  if (!manager) throw new Error(`fleet "${item.fleet}" has no manager fleet`);
  return manager;
};

export const fleetsOf = (ctx: StepContext, item: Rollout): Fleet[] =>
  item.fleets.map((f) => fleetByName(ctx, f));

/**
 * The item in `state`. Entering a new non-final state sets the deadline the table gives it; staying
 * keeps the deadline, so retries within a state never extend it.
 */
export const enter = <T extends Rollout>(
  ctx: StepContext,
  item: T,
  state: RolloutState,
  note: string,
  patch: Partial<Omit<T, 'kind' | 'state' | 'history' | 'revision'>> = {},
): T => {
  const next = transition(item, state, note, ctx.now, patch);
  return state === item.state ? next : withDeadline(ctx, next);
};

/** The item with the deadline the table gives its state (none for a final state). */
export const withDeadline = <T extends Rollout>(ctx: StepContext, item: T): T => {
  const rule = FINAL_STATES.has(item.state) ? undefined : TABLE[item.state];
  if (!rule?.deadline) return { ...item, deadline: undefined };
  const facts = {
    now: ctx.now,
    item,
    lead: fleetByName(ctx, item.fleet),
    manager: managerFleetOf(ctx, item),
  };
  return { ...item, deadline: rule.deadline(facts).toISOString() };
};

export const resultOf = (before: Rollout | 'new', next: Rollout): StepResult => ({
  fleet: next.fleet,
  candidateId: next.candidateId,
  from: before === 'new' ? 'new' : before.state,
  to: next.state,
  note: next.history.at(-1)?.note ?? '',
});

export const unchanged = (item: Rollout, note: string): StepResult => ({
  fleet: item.fleet,
  candidateId: item.candidateId,
  from: item.state,
  to: item.state,
  note,
});

/** Saves a step under the revision it read; a final state is reached only through {@link settle}. */
export const persist = async <T extends Rollout>(ctx: StepContext, before: Rollout, next: T): Promise<T> => {
  if (FINAL_STATES.has(next.state) && next.state !== before.state)
    throw new Error(`${next.state} is final: end an item with settle(), which releases what it holds`);
  return (await ctx.ports.ledger.save(next, before.revision)) as T;
};

export const commit = async (ctx: StepContext, before: Rollout, next: Rollout): Promise<StepResult> => {
  await persist(ctx, before, next);
  return resultOf(before, next);
};

/** An alert for the item's outcome (Rollout Failed, or Config Apply Failed for a config apply). */
export const emitFailure = async (
  ctx: StepContext,
  item: Rollout,
  stage: string,
  outcome: string,
  reason: string,
): Promise<void> => {
  const excerpt = item.excerpt ? { excerpt: item.excerpt } : {};
  await ctx.ports.bus.put([
    item.kind === 'config'
      ? busEntry(
          DetailType.ConfigApplyFailed,
          {
            fleet: item.fleet,
            applyId: item.candidateId,
            stage: outcome === 'failed' ? stage : outcome,
            reason,
            ...excerpt,
          },
          ctx.settings.eventBusName,
        )
      : busEntry(
          DetailType.RolloutFailed,
          {
            fleet: item.fleet,
            candidateId: item.candidateId,
            ...(item.kind === 'rollout' ? { imageArn: item.imageArn } : {}),
            stage,
            outcome,
            reason,
            ...excerpt,
          },
          ctx.settings.eventBusName,
        ),
  ]);
};

/**
 * Ends an item: resumes the group processes it suspended, releases the manager lease it holds,
 * saves the final state, then sends the alert if one is due. Every final state is reached here, so
 * nothing an item took is left behind; a crash part way repeats only idempotent calls.
 */
export const settle = async <T extends Rollout>(
  ctx: StepContext,
  item: T,
  state: FinalState,
  note: string,
  options: {
    patch?: Partial<Omit<T, 'kind' | 'state' | 'history' | 'revision'>>;
    alert?: { stage: string; outcome: string };
  } = {},
): Promise<StepResult> => {
  const manager = managerFleetOf(ctx, item);
  const holds = manager !== undefined && (item.role === 'manager' || item.kind !== 'rollout');
  // The ending is claimed under the revision read before anything is let go: a step that decided
  // from a stale read (a late timeout) stops here instead of releasing a lease its item still needs.
  const claimed = holds ? await ctx.ports.ledger.save(item, item.revision) : item;
  if (manager && item.suspendedReplaceUnhealthy)
    await ctx.ports.fleet.resumeProcesses(manager.autoScalingGroup, DRAIN_SUSPENDED_PROCESSES);
  if (manager && holds) await ctx.ports.ledger.releaseLease(manager.name, item.candidateId);
  const next = {
    ...transition(item, state, note, ctx.now, options.patch ?? {}),
    deadline: undefined,
    dueAt: undefined,
    suspendedReplaceUnhealthy: undefined,
  };
  await ctx.ports.ledger.save(next, claimed.revision);
  if (options.alert)
    await emitFailure(ctx, next, options.alert.stage, options.alert.outcome, next.reason ?? note);
  return resultOf(item, next);
};

/** Ends an item as failed, with an alert: a person must look. */
export const fail = (ctx: StepContext, item: Rollout, reason: string): Promise<StepResult> =>
  settle(
    ctx,
    item.kind === 'config' ? { ...item, reason, result: 'failed' } : { ...item, reason },
    'failed',
    reason,
    {
      alert: { stage: item.state, outcome: 'failed' },
    },
  );

/** A one-time schedule that re-invokes the step function; its name makes a repeat a no-op. */
export const scheduleStep = async (
  ctx: StepContext,
  item: Rollout,
  step: string,
  at: Date,
): Promise<void> => {
  const { scheduler } = ctx.settings;
  await ctx.ports.schedules.once({
    name: scheduleName([item.candidateId, step, String(item.attempts), at.toISOString()]),
    groupName: scheduler.groupName,
    at,
    targetArn: scheduler.targetArn,
    roleArn: scheduler.roleArn,
    deadLetterArn: scheduler.deadLetterArn,
    input: { fleet: item.fleet, candidateId: item.candidateId, step },
    description: `runner-autopilot ${step} for ${item.fleet} candidate ${item.candidateId}`,
  });
};

/** Document parameters that let the SSM status event find its item (never a secret). */
export const itemParameters = (item: Rollout): Record<string, string[]> => ({
  Fleet: [item.fleet],
  CandidateId: [item.candidateId],
});

/**
 * Sends a command unless it was already sent for this step (SendCommand has no client token): a
 * command with the same comment, document and instance since the stored item entered its state
 * is reused. `stored` is the item as read, before this step's transition.
 */
export const sendOnce = async (
  ctx: StepContext,
  stored: Rollout,
  step: RolloutState,
  input: {
    documentName: string;
    instanceId: string;
    parameters: Record<string, string[]>;
    executionSeconds: number;
  },
): Promise<string> => {
  const comment = `runner-autopilot ${stored.candidateId} ${step}`;
  const existing = await ctx.ports.commands.find({
    instanceId: input.instanceId,
    documentName: input.documentName,
    after: new Date(stored.stateSince),
  });
  const mine = existing.find((c) => c.comment === comment);
  if (mine) return mine.commandId;
  const { commandId } = await ctx.ports.commands.send({
    documentName: input.documentName,
    instanceIds: [input.instanceId],
    // The document's own `executionTimeout` bounds the run; SendCommand's timeout only bounds delivery.
    parameters: { ...input.parameters, executionTimeout: [String(input.executionSeconds)] },
    timeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
    comment,
  });
  return commandId;
};

/** Reads every recorded command of the current state and decides; never sends one. */
export const readCommands = async (ctx: StepContext, item: Rollout) => {
  const invocations = await Promise.all(
    (item.commands ?? []).map(async ({ commandId, instanceId }) => {
      const invocation = await ctx.ports.commands.invocation(commandId, instanceId);
      return {
        commandId,
        status: invocation?.status,
        stdout: invocation?.stdout ?? '',
        stderr: invocation?.stderr ?? '',
      };
    }),
  );
  const verdict = verdictOf(invocations);
  const failed = invocations.find((i) => i.status !== 'Success');
  return { verdict, invocations, excerpt: failed ? excerptOf(failed.stdout, failed.stderr) : undefined };
};

/** The in-service manager of a manager fleet (never a canary), with the version it launched from. */
export const liveManager = async (
  ctx: StepContext,
  manager: Fleet,
  options: { exclude?: readonly string[]; versions?: readonly number[] } = {},
): Promise<{ instanceId: string; version?: string; suspended: readonly string[] } | undefined> => {
  const group = await ctx.ports.fleet.describeGroup(manager.autoScalingGroup);
  const inService = (group?.instances ?? [])
    .filter((i) => i.lifecycleState === 'InService' && !(options.exclude ?? []).includes(i.instanceId))
    // A replacement counts only once it runs a version it may run.
    .filter(
      (i) =>
        options.versions === undefined || options.versions.some((v) => i.launchTemplateVersion === String(v)),
    );
  if (inService.length === 0) return undefined;
  const instances = await ctx.ports.fleet.describeInstances(inService.map((i) => i.instanceId));
  const live = instances.find((i) => i.state === 'running' && i.tags[CANARY_TAG] !== 'true');
  if (!live) return undefined;
  return {
    instanceId: live.instanceId,
    version: inService.find((i) => i.instanceId === live.instanceId)?.launchTemplateVersion,
    suspended: group?.suspendedProcesses ?? [],
  };
};

/**
 * Runs `then` holding the manager fleet's lease (re-entrant for this item), or stays and retries:
 * drain, replace, recycle, roll back and restarting applies of one manager never overlap.
 */
export const holdLease = async (
  ctx: StepContext,
  item: Rollout,
  action: string,
  then: () => Promise<StepResult>,
): Promise<StepResult> => {
  const manager = requireManager(ctx, item);
  const lease = await ctx.ports.ledger.acquireLease({
    fleet: manager.name,
    holder: item.candidateId,
    action,
    now: ctx.now,
    ttlMinutes: leaseMinutes(manager, item.kind),
  });
  if (lease.acquired) return then();
  const retryAt = after(ctx.now, LEASE_RETRY_MINUTES);
  const next = enter(
    ctx,
    item,
    item.state,
    `lease of ${manager.name} held by ${lease.heldBy.holder} (${lease.heldBy.action}); retry at ${retryAt.toISOString()}`,
    { attempts: item.attempts + 1, dueAt: retryAt.toISOString() },
  );
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'maintenance', retryAt);
  return result;
};

/** Ends a candidate that never became the default: its canary goes, the default stays. */
export const reject = async (
  ctx: StepContext,
  item: ImageRollout,
  reason: string,
  excerpt?: string,
): Promise<StepResult> => {
  if (item.canaryInstanceId) await ctx.ports.fleet.terminateInstances([item.canaryInstanceId]);
  return settle(
    ctx,
    { ...item, reason, ...(excerpt ? { excerpt } : {}) },
    'rejected',
    `${reason}; default stays ${item.previousDefault}`,
    {
      alert: { stage: item.state, outcome: 'rejected' },
    },
  );
};

/** The steps of image rollouts act on image rollouts only. */
export const asImageRollout = (item: Rollout): ImageRollout => {
  if (item.kind !== 'rollout') throw new Error(`${item.kind} ${item.candidateId} is not an image rollout`);
  return item;
};
