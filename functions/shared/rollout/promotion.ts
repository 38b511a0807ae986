import { busEntry, DetailType } from '../events';
import {
  after,
  asImageRollout,
  commit,
  due,
  enter,
  fail,
  fleetByName,
  fleetsOf,
  persist,
  reject,
  scheduleStep,
  settle,
  unchanged,
} from './common';
import { brakeOn, holdByBrake } from './brake';
import type { StepContext, StepResult, Trigger } from './context';
import { promotionTiming } from './decide';
import { ALARM_HOLD_MINUTES } from './table';
import type { StepFn } from './engine';
import { recycledByManager, recycleKey, requestRestarts, restartsNote } from './recycle';
import { FINAL_STATES, type ImageRollout, type Rollout } from './model';

/** Promotion (after freeze windows and firing alarms), the bake period, and what supersedes what. */

/** A promotion held by a firing rollback alarm looks again after this. */
const ALARM_RECHECK_MINUTES = 10;
/** Promoted rollouts a newer promotion on the same template ends: they have not begun to act. */
const SUPERSEDABLE: ReadonlySet<Rollout['state']> = new Set(['baking', 'awaiting-maintenance']);

/** The fleets' rollback alarms now in ALARM. */
export const firingAlarms = async (ctx: StepContext, item: Rollout): Promise<string[]> => {
  // Fleets on one template often share an alarm (their manager's system-failure alarm): once each.
  const alarms = [...new Set(fleetsOf(ctx, item).flatMap((f) => f.rollbackAlarms))];
  if (alarms.length === 0) return [];
  const states = await ctx.ports.fleet.alarmStates(alarms);
  return alarms.filter((a) => states[a]?.state === 'ALARM');
};

/**
 * Stays in (or enters) `promotion-deferred` until `until`, with the canary gone. A freeze moves
 * the deadline to its end plus the alarm hold: the config bounds a freeze (a month at most), and
 * an alarm hold that ran into one must not use up its day inside it.
 */
const hold = async (
  ctx: StepContext,
  item: ImageRollout,
  note: string,
  until: Date,
  freeze = false,
): Promise<StepResult> => {
  if (item.canaryInstanceId) await ctx.ports.fleet.terminateInstances([item.canaryInstanceId]);
  const afterFreeze = new Date(until.getTime() + ALARM_HOLD_MINUTES * 60_000);
  const entered = enter(ctx, item, 'promotion-deferred', note, {
    dueAt: until.toISOString(),
    attempts: item.attempts + 1,
  });
  const next =
    freeze && Date.parse(entered.deadline ?? '') < afterFreeze.getTime()
      ? { ...entered, deadline: afterFreeze.toISOString() }
      : entered;
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'promote', until);
  return result;
};

/**
 * What keeps a candidate from becoming the default now: an operator's brake, a freeze window, a
 * firing rollback alarm (promoting would roll back at once). Undefined: nothing, promote.
 */
const holdOrReject = async (
  ctx: StepContext,
  item: ImageRollout,
  trigger: Trigger,
): Promise<StepResult | undefined> => {
  // Before the freeze windows: an operator's brake holds even a promotion the config would allow,
  // and at the hold's deadline too (a brake never rejects a candidate, it only waits).
  const braked = await brakeOn(ctx, item, item.fleets, 'promotion-deferred');
  if (braked.kind === 'held') {
    if (item.canaryInstanceId && !braked.announced)
      await ctx.ports.fleet.terminateInstances([item.canaryInstanceId]);
    return holdByBrake(ctx, item, braked, { state: 'promotion-deferred', step: 'promote' });
  }
  const timing = promotionTiming(fleetsOf(ctx, item), ctx.now);
  if (timing.kind === 'never')
    return fail(ctx, item, 'a freeze window never ends within a month: check the config');
  if (timing.kind === 'wait')
    return hold(
      ctx,
      item,
      `passed inside a freeze window; promotion at ${timing.until.toISOString()}`,
      timing.until,
      true,
    );
  const firing = await firingAlarms(ctx, item);
  if (firing.length === 0) return undefined;
  const reason = `rollback alarm ${firing.join(', ')} in ALARM`;
  if (trigger.kind === 'timeout') return reject(ctx, item, `${reason} for the whole hold: not promoted`);
  return hold(
    ctx,
    item,
    `held: ${reason}; promoting now would roll back at once`,
    after(ctx.now, ALARM_RECHECK_MINUTES),
  );
};

const promote: StepFn = async (stored, ctx, trigger) => {
  const item = asImageRollout(stored);
  const { settings, now, ports } = ctx;
  if (
    item.state === 'promotion-deferred' &&
    trigger.kind !== 'timeout' &&
    item.dueAt &&
    !due(item.dueAt, now)
  )
    return unchanged(item, 'promotion not due');
  // The rollback target is the default this promotion replaces, read now: another candidate may
  // have been promoted since staging.
  const current = await ports.fleet.getLaunchTemplate({ launchTemplateId: item.launchTemplateId ?? '' });
  if (!current) return fail(ctx, item, `launch template ${item.launchTemplateId} no longer exists`);
  const candidate = item.candidateVersion ?? 0;
  // Already the default (a retry after the default changed, or someone set it): the candidate is
  // live, so a hold or a rejection would leave it running unwatched. The promotion finishes and its
  // bake watches the rollback alarms.
  let promoting: ImageRollout = item;
  if (current.defaultVersion !== candidate) {
    const held = await holdOrReject(ctx, item, trigger);
    if (held) return held;
    if (current.defaultVersion > candidate)
      return reject(
        ctx,
        item,
        `superseded: the default is already version ${current.defaultVersion}, newer than this candidate`,
      );
    // The rollback target is saved before the default changes: a retry after a crash finds the
    // default already at the candidate and must not fall back on the default seen at staging.
    promoting = await persist(ctx, item, { ...item, previousDefault: current.defaultVersion });
  } else {
    // Live already, so a firing rollback alarm rolls it back now, before any manager acts on it: the
    // alarm's own event found nothing promoted to roll back.
    const firing = await firingAlarms(ctx, item);
    if (firing.length > 0) {
      if (item.canaryInstanceId) await ports.fleet.terminateInstances([item.canaryInstanceId]);
      const live = enter(ctx, item, 'baking', `default is already version ${candidate}`, {
        promotedAt: now.toISOString(),
      });
      return ctx.dispatch(await persist(ctx, item, live), {
        kind: 'rollback',
        reason: `alarm ${firing.join(', ')} in ALARM when the promotion was retried`,
      });
    }
  }
  await ports.fleet.setDefaultVersion(promoting.launchTemplateId ?? '', candidate);
  if (promoting.canaryInstanceId) await ports.fleet.terminateInstances([promoting.canaryInstanceId]);
  await ports.bus.put([
    busEntry(
      DetailType.CandidatePromoted,
      {
        fleet: promoting.fleet,
        fleets: [...promoting.fleets],
        candidateId: promoting.candidateId,
        imageArn: promoting.imageArn,
        amiId: promoting.amiId,
        launchTemplateId: promoting.launchTemplateId ?? '',
        version: candidate,
        previousVersion: promoting.previousDefault ?? 0,
      },
      settings.eventBusName,
    ),
  ]);
  await supersedeOlder(ctx, promoting);

  if (promoting.role === 'manager') {
    const waiting = enter(ctx, promoting, 'awaiting-maintenance', `default is now version ${candidate}`, {
      promotedAt: now.toISOString(),
    });
    return ctx.dispatch(await persist(ctx, promoting, waiting), { kind: 'maintenance' });
  }

  const byManager = recycledByManager(ctx, promoting);
  await requestRestarts(
    ctx,
    byManager,
    recycleKey(promoting.candidateId),
    (fleets) => `recycle ${fleets.map((f) => f.name).join(', ')} onto version ${candidate}`,
  );
  return startBake(ctx, promoting, `default is now version ${candidate}${restartsNote(byManager.size)}`);
};

/**
 * A newer promotion on the same template ends the older promoted rollouts that have not begun to
 * act (baking, or waiting for a window): their bake end or rollback could otherwise restore a
 * default older than this one. One mid-drain finishes under its lease and bakes what it finds.
 */
const supersedeOlder = async (ctx: StepContext, promoted: ImageRollout): Promise<void> => {
  const older = (await ctx.ports.ledger.listFleet(promoted.fleet)).filter(
    (r): r is ImageRollout =>
      r.kind === 'rollout' &&
      r.candidateId !== promoted.candidateId &&
      r.launchTemplateId === promoted.launchTemplateId &&
      r.promotedAt !== undefined &&
      !FINAL_STATES.has(r.state) &&
      SUPERSEDABLE.has(r.state),
  );
  for (const r of older) {
    await settle(
      ctx,
      r,
      'superseded',
      `version ${promoted.candidateVersion} (${promoted.candidateId}) was promoted over it`,
    );
  }
};

/** Enters the bake period: rollback alarms are watched until it ends. */
export const startBake = async (
  ctx: StepContext,
  item: ImageRollout,
  note: string,
  stored: Rollout = item,
): Promise<StepResult> => {
  const lead = fleetByName(ctx, item.fleet);
  const next = enter(ctx, item, 'baking', note, { promotedAt: item.promotedAt ?? ctx.now.toISOString() });
  const result = await commit(ctx, stored, next);
  await scheduleStep(ctx, next, 'bake-end', after(ctx.now, lead.bakePeriodMinutes));
  return result;
};

const endBake: StepFn = async (stored, ctx, trigger) => {
  const item = asImageRollout(stored);
  // A rollback that restored the default and then died, retries spent: it is finished, not baked.
  if (item.restoring)
    return ctx.dispatch(item, { kind: 'rollback', reason: item.reason ?? 'an interrupted rollback' });
  if (trigger.kind !== 'timeout' && !due(item.deadline, ctx.now))
    return unchanged(item, 'bake period not over');
  const firing = await firingAlarms(ctx, item);
  if (firing.length > 0)
    return ctx.dispatch(item, {
      kind: 'rollback',
      reason: `alarm ${firing.join(', ')} in ALARM at the end of the bake period`,
    });
  return settle(ctx, item, 'done', 'bake period passed without a rollback alarm');
};

export const PROMOTION_STEPS = { promote, 'end-bake': endBake } as const;
