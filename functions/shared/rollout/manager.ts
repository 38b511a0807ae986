import { applyParameters } from '../runner-config/apply-command';
import {
  after,
  asImageRollout,
  commit,
  DRAIN_SUSPENDED_PROCESSES,
  due,
  enter,
  fail,
  holdLease,
  itemParameters,
  liveManager,
  persist,
  readCommands,
  requireManager,
  scheduleStep,
  sendOnce,
  settle,
  unchanged,
} from './common';
import { brakeOn, holdByBrake } from './brake';
import type { StepContext, StepResult } from './context';
import { drainBoundSeconds } from './commands';
import { drainCommandSeconds, drainWindowMinutes, maintenanceTiming } from './decide';
import type { StepFn } from './engine';
import type { Rollout } from './model';
import { startBake } from './promotion';
import type { Fleet } from '../fleet';
import { COMMAND_MARGIN_SECONDS, leaseMinutes, MAINTENANCE_WAIT_MINUTES, SLACK_MINUTES } from './table';

/**
 * A manager's maintenance: inside a window long enough, under the fleet's lease, with health
 * replacement suspended, drain (or restart, or apply with a restart), terminate through the group,
 * wait for the replacement and check its health. Rollbacks run the same steps towards the
 * previous default.
 */

const ACTION: Record<Rollout['kind'], string> = {
  rollout: 'replace',
  restart: 'restart',
  config: 'config-restart',
};
const rollingBack = (item: Rollout): boolean => item.state.startsWith('rollback-');
/** Part of a rollback: a rollback's drain, or the restart that recycles fleets back after one. */
const partOfRollback = (item: Rollout): boolean =>
  rollingBack(item) || (item.kind === 'restart' && item.afterRollback === true);

/** The versions a manager may run after this item's replacement: its target, or the current default. */
const acceptedVersions = async (ctx: StepContext, item: Rollout): Promise<number[]> => {
  if (item.kind !== 'rollout') return [];
  const target = rollingBack(item) ? item.previousDefault : item.candidateVersion;
  const current = await ctx.ports.fleet.getLaunchTemplate({ launchTemplateId: item.launchTemplateId ?? '' });
  return [target, current?.defaultVersion].filter((v): v is number => v !== undefined);
};

const startDrain: StepFn = async (item, ctx, trigger) => {
  const manager = requireManager(ctx, item);
  if (trigger.kind === 'reconcile' && item.dueAt !== undefined && !due(item.dueAt, ctx.now))
    return unchanged(item, 'maintenance not due');
  // A rollback's drain (or restart) is never held (see brake.ts); any other drain, restart or
  // restarting apply waits while a brake covers its fleets or its manager, even past its deadline.
  if (!partOfRollback(item)) {
    const braked = await brakeOn(ctx, item, [...item.fleets, manager.name]);
    if (braked.kind === 'held') return holdByBrake(ctx, item, braked, { step: 'maintenance' });
  }
  if (trigger.kind === 'timeout')
    return fail(
      ctx,
      item,
      `no maintenance window with a free lease of ${manager.name} before ${item.deadline}`,
    );
  // A rollback of a manager being replaced goes on at once; everything else waits for a window.
  if (!item.immediate) {
    const timing = maintenanceTiming(manager, ctx.now, drainWindowMinutes(manager));
    if (timing.kind === 'never')
      return fail(
        ctx,
        item,
        `manager fleet ${manager.name} has no maintenance window of ${drainWindowMinutes(manager)} minutes`,
      );
    if (timing.kind === 'wait') {
      const next = enter(
        ctx,
        item,
        item.state,
        `waiting for the maintenance window at ${timing.until.toISOString()}`,
        { dueAt: timing.until.toISOString(), ...nextWindowDeadline(ctx, item, manager, timing.until) },
      );
      const result = await commit(ctx, item, next);
      await scheduleStep(ctx, next, 'maintenance', timing.until);
      return result;
    }
  }
  return holdLease(ctx, item, rollingBack(item) ? 'rollback' : ACTION[item.kind], () => drain(ctx, item));
};

/**
 * A rollback that missed its window (a lease held past the window's usable part) waits for the
 * next one: its deadline moves with it, bounded by the maintenance wait from the rollback's start.
 */
const nextWindowDeadline = (
  ctx: StepContext,
  item: Rollout,
  manager: Fleet,
  windowStart: Date,
): { deadline?: string } => {
  if (item.state !== 'rollback-draining') return {};
  const drain = Math.ceil(drainCommandSeconds(manager, item.kind) / 60) + SLACK_MINUTES;
  const bound = Date.parse(item.stateSince) + (MAINTENANCE_WAIT_MINUTES + drain) * 60_000;
  const wanted = windowStart.getTime() + (leaseMinutes(manager, item.kind) + drain) * 60_000;
  return {
    deadline: new Date(Math.min(bound, Math.max(wanted, Date.parse(item.deadline ?? '') || 0))).toISOString(),
  };
};

/** A member of the group that is starting on another version than `target` (not yet running). */
const bootingOffTarget = async (
  ctx: StepContext,
  manager: Fleet,
  target: number | undefined,
  exclude: string | undefined,
): Promise<string | undefined> => {
  const group = await ctx.ports.fleet.describeGroup(manager.autoScalingGroup);
  return group?.instances.find(
    (i) =>
      i.instanceId !== exclude &&
      (i.lifecycleState === 'InService' || i.lifecycleState.startsWith('Pending')) &&
      i.launchTemplateVersion !== String(target),
  )?.instanceId;
};

const drain = async (ctx: StepContext, item: Rollout): Promise<StepResult> => {
  const { settings } = ctx;
  const manager = requireManager(ctx, item);
  const draining = rollingBack(item) ? 'rollback-draining' : 'draining';
  const live = await liveManager(ctx, manager);
  const target =
    item.kind === 'rollout' ? (rollingBack(item) ? item.previousDefault : item.candidateVersion) : undefined;
  if (!live && rollingBack(item)) {
    // The candidate's manager may still be booting: it is drained once it runs, never left running.
    const booting = await bootingOffTarget(ctx, manager, target, item.managerInstanceId);
    if (booting) {
      const retryAt = after(ctx.now, manager.canary.checkIntervalMinutes);
      const next = enter(ctx, item, item.state, `waiting for ${booting} to boot before draining it`, {
        attempts: item.attempts + 1,
        dueAt: retryAt.toISOString(),
      });
      const result = await commit(ctx, item, next);
      await scheduleStep(ctx, next, 'maintenance', retryAt);
      return result;
    }
  }
  if (!live || (target !== undefined && live.version === String(target))) {
    // Nothing to drain: no manager takes jobs, or the live one already runs the target version.
    if (item.kind !== 'rollout')
      return settle(ctx, item, 'done', 'no live manager: the next one renders its config at boot');
    return awaitReplacement(
      ctx,
      item,
      live ? `manager ${live.instanceId} already runs version ${target}` : 'no live manager to drain',
    );
  }
  // Health replacement during a drain would kill its jobs: suspended (recorded first) until it ends.
  let current = item;
  if (!live.suspended.includes('ReplaceUnhealthy') || item.suspendedReplaceUnhealthy) {
    if (!item.suspendedReplaceUnhealthy)
      current = await persist(
        ctx,
        item,
        enter(ctx, item, item.state, 'suspending ReplaceUnhealthy for the drain', {
          suspendedReplaceUnhealthy: true,
        }),
      );
    await ctx.ports.fleet.suspendProcesses(manager.autoScalingGroup, DRAIN_SUSPENDED_PROCESSES);
  }
  const executionSeconds = drainCommandSeconds(manager, item.kind);
  const commandId = await sendOnce(ctx, current, draining, {
    ...(item.kind === 'config'
      ? {
          documentName: settings.documents.applyConfig,
          parameters: applyParameters(item, manager, settings.configPrefixes[manager.name] ?? '', true),
        }
      : {
          documentName:
            item.kind === 'restart' ? settings.documents.restartManager : settings.documents.drainManager,
          parameters: { ...itemParameters(item), DrainTimeoutSeconds: [String(drainBoundSeconds(manager))] },
        }),
    instanceId: live.instanceId,
    executionSeconds,
  });
  const verb =
    item.kind === 'rollout' ? 'draining' : item.kind === 'restart' ? 'restarting' : 'applying with a restart';
  const next = enter(
    ctx,
    current,
    draining,
    `${verb} ${live.instanceId} (running jobs finish first, up to ${manager.maxJobMinutes} min)`,
    {
      managerInstanceId: live.instanceId,
      commands: [{ commandId, instanceId: live.instanceId }],
      dueAt: undefined,
    },
  );
  return commit(ctx, current, next);
};

/** Terminates the drained manager through its group (gone already counts) and waits for the new one. */
const awaitReplacement = async (
  ctx: StepContext,
  item: Rollout,
  note: string,
  drained?: string,
): Promise<StepResult> => {
  const manager = requireManager(ctx, item);
  if (drained) {
    const group = await ctx.ports.fleet.describeGroup(manager.autoScalingGroup);
    const member = group?.instances.find((i) => i.instanceId === drained);
    // A retry after a crash finds it terminating or gone: that termination was ours.
    if (member && !member.lifecycleState.startsWith('Terminat'))
      await ctx.ports.fleet.terminateInGroup(drained);
  }
  if (item.suspendedReplaceUnhealthy)
    await ctx.ports.fleet.resumeProcesses(manager.autoScalingGroup, DRAIN_SUSPENDED_PROCESSES);
  const next = enter(ctx, item, rollingBack(item) ? 'rollback-replacing' : 'replacing', note, {
    suspendedReplaceUnhealthy: undefined,
    commands: [],
  });
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'health-check', after(ctx.now, manager.canary.checkIntervalMinutes));
  return result;
};

const readDrain: StepFn = async (item, ctx, trigger) => {
  if (trigger.kind === 'command' && !(item.commands ?? []).some((c) => c.commandId === trigger.commandId))
    return unchanged(item, `command ${trigger.commandId} is not awaited`);
  if ((item.commands ?? []).length === 0) {
    if (trigger.kind === 'timeout')
      return fail(ctx, item, `${item.state} found no window and lease in time: a person must look`);
    if (item.state === 'rollback-draining' && (item.dueAt === undefined || due(item.dueAt, ctx.now)))
      return ctx.dispatch(item, { kind: 'maintenance' });
    return unchanged(
      item,
      item.state === 'rollback-draining' ? 'waits for the maintenance window' : 'no drain command recorded',
    );
  }
  const { verdict, excerpt } = await readCommands(ctx, item);
  const withExcerpt = excerpt ? { ...item, excerpt } : item;
  if (verdict.kind === 'pending')
    return trigger.kind === 'timeout'
      ? fail(ctx, withExcerpt, `the drain of ${item.managerInstanceId} overran its bound: a person must look`)
      : unchanged(item, 'drain still running');
  if (verdict.kind === 'fail')
    return fail(ctx, withExcerpt, `drain of ${item.managerInstanceId} failed or overran: ${verdict.reason}`);
  if (item.kind === 'restart')
    return settle(ctx, item, 'done', `restarted ${item.managerInstanceId} gracefully`);
  return awaitReplacement(
    ctx,
    item,
    `terminated ${item.managerInstanceId} through its group; waiting for its replacement`,
    item.managerInstanceId,
  );
};

const checkReplacement: StepFn = async (stored, ctx, trigger) => {
  const item = asImageRollout(stored);
  const manager = requireManager(ctx, item);
  const replacement = await liveManager(ctx, manager, {
    exclude: item.managerInstanceId ? [item.managerInstanceId] : [],
    versions: await acceptedVersions(ctx, item),
  });
  const online = replacement ? await ctx.ports.commands.online([replacement.instanceId]) : new Set<string>();
  if (replacement && online.has(replacement.instanceId)) {
    const verifying = rollingBack(item) ? 'rollback-verifying' : 'verifying';
    const commandId = await sendOnce(ctx, item, verifying, {
      documentName: ctx.settings.documents.managerHealth,
      instanceId: replacement.instanceId,
      parameters: itemParameters(item),
      executionSeconds: COMMAND_MARGIN_SECONDS,
    });
    return commit(
      ctx,
      item,
      enter(ctx, item, verifying, `checking the health of ${replacement.instanceId}`, {
        commands: [{ commandId, instanceId: replacement.instanceId }],
        replacementInstanceId: replacement.instanceId,
      }),
    );
  }
  if (trigger.kind === 'timeout') {
    const reason = `no healthy manager within ${manager.healthTimeoutMinutes} minutes`;
    return rollingBack(item)
      ? fail(ctx, item, `${reason} after rolling back`)
      : ctx.dispatch(item, { kind: 'rollback', reason });
  }
  const next = enter(ctx, item, item.state, `no new manager online yet (check ${item.attempts + 1})`, {
    attempts: item.attempts + 1,
  });
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'health-check', after(ctx.now, manager.canary.checkIntervalMinutes));
  return result;
};

const readHealth: StepFn = async (stored, ctx, trigger) => {
  const item = asImageRollout(stored);
  if (trigger.kind === 'command' && !(item.commands ?? []).some((c) => c.commandId === trigger.commandId))
    return unchanged(item, `command ${trigger.commandId} is not awaited`);
  const { verdict, excerpt } = await readCommands(ctx, item);
  const withExcerpt = excerpt ? { ...item, excerpt } : item;
  const unhealthy =
    verdict.kind === 'fail'
      ? `new manager unhealthy: ${verdict.reason}`
      : verdict.kind === 'pending' && trigger.kind === 'timeout'
        ? 'the health check did not report in time'
        : undefined;
  if (verdict.kind === 'pending' && !unhealthy) return unchanged(item, 'health check still running');
  if (unhealthy) {
    return rollingBack(item)
      ? fail(ctx, withExcerpt, `manager still unhealthy after rolling back: ${unhealthy}`)
      : ctx.dispatch(withExcerpt, { kind: 'rollback', reason: unhealthy });
  }
  const manager = requireManager(ctx, item);
  if (rollingBack(item)) {
    // Usually the restored default; a newer promotion's version when one came meanwhile.
    const group = await ctx.ports.fleet.describeGroup(manager.autoScalingGroup);
    const version = group?.instances.find(
      (i) => i.instanceId === item.replacementInstanceId,
    )?.launchTemplateVersion;
    return settle(
      ctx,
      item,
      'rolled-back',
      `manager ${item.replacementInstanceId} healthy on version ${version ?? '?'}`,
    );
  }
  await ctx.ports.ledger.releaseLease(manager.name, item.candidateId);
  return startBake(ctx, { ...item, commands: [] }, `new manager ${item.replacementInstanceId} healthy`, item);
};

export const MANAGER_STEPS = {
  'start-drain': startDrain,
  'read-drain': readDrain,
  'check-replacement': checkReplacement,
  'read-health': readHealth,
} as const;
