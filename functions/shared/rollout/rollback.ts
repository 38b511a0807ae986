import { maintenanceTiming, drainWindowMinutes } from './decide';
import {
  asImageRollout,
  commit,
  emitFailure,
  enter,
  fail,
  requireManager,
  scheduleStep,
  settle,
} from './common';
import type { StepFn } from './engine';
import { type ImageRollout, type Rollout, type RolloutState } from './model';

/**
 * Rolling back restores the previous default, and only while the default is still this
 * candidate: after a newer promotion, restoring would move the default backwards. A manager
 * already running the candidate is then drained and replaced on the restored version.
 */

/** States from which an alarm rolls back (within the bake period); a person may also roll back `done`. */
const ALARM_ROLLBACK_FROM: ReadonlySet<RolloutState> = new Set([
  'baking',
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
  const latest = rollouts
    .filter(
      (r): r is ImageRollout =>
        r.kind === 'rollout' && r.fleets.includes(fleet) && r.promotedAt !== undefined,
    )
    .sort((a, b) => (b.promotedAt ?? '').localeCompare(a.promotedAt ?? ''))[0];
  const allowed = source === 'alarm' ? ALARM_ROLLBACK_FROM : REQUEST_ROLLBACK_FROM;
  return latest && allowed.has(latest.state) ? latest : undefined;
};

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
  if (current.defaultVersion !== item.candidateVersion)
    return settle(
      ctx,
      item,
      'superseded',
      `not rolled back (${reason}): the default is version ${current.defaultVersion}, no longer this candidate's ${item.candidateVersion}`,
    );
  await ctx.ports.fleet.setDefaultVersion(item.launchTemplateId, item.previousDefault);
  await emitFailure(ctx, { ...item, reason }, item.state, 'rolled-back', reason);
  const note = `default restored to version ${item.previousDefault}: ${reason}`;
  // A jobs fleet, or a manager not replaced yet, runs no candidate: the default is the whole rollback.
  if (item.role === 'jobs' || item.state === 'awaiting-maintenance')
    return settle(ctx, { ...item, reason }, 'rolled-back', note);

  // A manager mid-replacement holds the lease and goes on at once; a baked one waits for a window.
  const immediate = item.state === 'replacing' || item.state === 'verifying';
  const manager = requireManager(ctx, item);
  const timing = immediate
    ? { kind: 'now' as const }
    : maintenanceTiming(manager, ctx.now, drainWindowMinutes(manager));
  const marked = enter(ctx, item, 'rollback-draining', note, {
    reason,
    commands: [],
    immediate,
    ...(timing.kind === 'wait' ? { dueAt: timing.until.toISOString() } : { dueAt: undefined }),
  });
  if (timing.kind === 'wait') {
    const result = await commit(ctx, item, marked);
    await scheduleStep(ctx, marked, 'maintenance', timing.until);
    return result;
  }
  const saved = await ctx.ports.ledger.save(marked, item.revision);
  return ctx.dispatch(saved, { kind: 'maintenance' });
};

export const ROLLBACK_STEPS = { 'roll-back': rollBack } as const;
