import { drainWindowMinutes, latestPromoted, maintenanceTiming } from './decide';
import {
  asImageRollout,
  commit,
  emitFailure,
  enter,
  fail,
  liveManager,
  persist,
  requireManager,
  resultOf,
  scheduleStep,
  settle,
} from './common';
import type { StepContext } from './context';
import type { StepFn } from './engine';
import { recycledByManager, recycleKey, requestRestarts, restartIdFor, restartsNote } from './recycle';
import { type ImageRollout, type Rollout, type RolloutState } from './model';

/**
 * Rolling back restores the previous default, and only while the default is still this
 * candidate: after a newer promotion, restoring would move the default backwards. A manager
 * already running the candidate is then drained and replaced on the restored version.
 */

/** States from which an alarm rolls back (within the bake period); a person may also roll back `done`. */
const ALARM_ROLLBACK_FROM: ReadonlySet<RolloutState> = new Set([
  'baking',
  'draining',
  'verifying',
  'replacing',
  'awaiting-maintenance',
]);
const REQUEST_ROLLBACK_FROM: ReadonlySet<RolloutState> = new Set([...ALARM_ROLLBACK_FROM, 'done']);

/** The rollout a rollback trigger (alarm or request) concerns: the fleet's latest promoted one. */
export const rollbackTarget = (
  rollouts: readonly Rollout[],
  fleet: string,
  source: 'alarm' | 'request',
): ImageRollout | undefined => {
  // Only the latest promoted rollout: rolling that one back never cascades to older ones.
  const latest = latestPromoted(rollouts.filter((r) => r.fleets.includes(fleet)));
  const allowed = source === 'alarm' ? ALARM_ROLLBACK_FROM : REQUEST_ROLLBACK_FROM;
  return latest && allowed.has(latest.state) ? latest : undefined;
};

/** Manager states in which the replacement is under way: the rollback drains at once, under the lease. */
const MID_REPLACEMENT: ReadonlySet<RolloutState> = new Set(['draining', 'replacing', 'verifying']);

const rollBack: StepFn = async (stored, ctx, trigger) => {
  const item = asImageRollout(stored);
  const reason = trigger.kind === 'rollback' ? trigger.reason : `rollback on ${trigger.kind}`;
  if (item.previousDefault === undefined || item.launchTemplateId === undefined)
    return fail(ctx, item, `cannot roll back (${reason}): no previous default recorded`);
  const current = await ctx.ports.fleet.getLaunchTemplate({ launchTemplateId: item.launchTemplateId });
  if (!current)
    return fail(
      ctx,
      item,
      `cannot roll back (${reason}): launch template ${item.launchTemplateId} no longer exists`,
    );
  // Our own restore, begun before a crash, looks like the default moved: it is not a newer promotion.
  const ours = item.restoring === true && current.defaultVersion === item.previousDefault;
  if (current.defaultVersion !== item.candidateVersion && !ours)
    return settle(
      ctx,
      item,
      'superseded',
      `not rolled back (${reason}): the default is version ${current.defaultVersion}, no longer this candidate's ${item.candidateVersion}`,
    );
  // Recorded before the default changes, under the revision read: of two deliveries one goes on.
  const restoring = item.restoring ? item : await persist(ctx, item, { ...item, restoring: true, reason });
  if (!ours) await ctx.ports.fleet.setDefaultVersion(item.launchTemplateId, item.previousDefault);
  await emitFailure(ctx, { ...restoring, reason }, item.state, 'rolled-back', reason);
  const note = `default restored to version ${item.previousDefault}: ${reason}`;
  if (item.role === 'jobs') {
    const again = await recycleBack(ctx, item);
    return settle(ctx, { ...restoring, reason }, 'rolled-back', `${note}${again}`);
  }

  const manager = requireManager(ctx, item);
  const immediate = MID_REPLACEMENT.has(item.state);
  if (!immediate) {
    // Waiting for a window, baked or done: the manager needs replacing only if it runs the candidate
    // (an older rollout's replacement may have picked it up as the current default).
    const live = await liveManager(ctx, manager);
    if (live?.version !== String(item.candidateVersion))
      return settle(ctx, { ...restoring, reason }, 'rolled-back', `${note}; the manager never ran it`);
  }
  const timing = immediate
    ? { kind: 'now' as const }
    : maintenanceTiming(manager, ctx.now, drainWindowMinutes(manager));
  // A drain under way (the old manager) goes on: its replacement comes up on the restored default.
  const marked = enter(ctx, restoring, 'rollback-draining', note, {
    reason,
    immediate,
    ...(item.state === 'draining' ? {} : { commands: [] }),
    ...(timing.kind === 'wait' ? { dueAt: timing.until.toISOString() } : { dueAt: undefined }),
  });
  if (timing.kind === 'wait') {
    const result = await commit(ctx, restoring, marked);
    await scheduleStep(ctx, marked, 'maintenance', timing.until);
    return result;
  }
  const saved = await persist(ctx, restoring, marked);
  return item.state === 'draining' ? resultOf(item, saved) : ctx.dispatch(saved, { kind: 'maintenance' });
};

/**
 * The `recycle` fleets a manager has already restarted onto the candidate (its restart began) keep
 * running it until their instances retire: that manager restarts again, in its window, onto the
 * restored default. A restart not begun yet starts the runner after the restore and needs none.
 * The default is restored before this runs, so a restart that begins meanwhile is right too.
 */
const recycleBack = async (ctx: StepContext, item: ImageRollout): Promise<string> => {
  const byManager = recycledByManager(ctx, item);
  for (const manager of [...byManager.keys()]) {
    const restart = await ctx.ports.ledger.get(manager, restartIdFor(manager, recycleKey(item.candidateId)));
    if (!restart || restart.state === 'awaiting-maintenance') byManager.delete(manager);
  }
  await requestRestarts(
    ctx,
    byManager,
    `rollback:${item.candidateId}`,
    (fleets) =>
      `recycle ${fleets.map((f) => f.name).join(', ')} back onto version ${item.previousDefault} after the rollback of version ${item.candidateVersion}`,
    true,
  );
  return restartsNote(byManager.size);
};

export const ROLLBACK_STEPS = { 'roll-back': rollBack } as const;
