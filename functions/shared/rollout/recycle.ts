import { busEntry, DetailType } from '../events';
import type { Fleet } from '../fleet';
import { fleetsOf } from './common';
import type { StepContext } from './context';
import { candidateIdFor, recycleFleetsByManager } from './decide';
import type { Rollout } from './model';

/**
 * `recycle` fleets: a graceful restart of their manager replaces every job instance from the
 * template's default (DESIGN.md, fleeting plugin). The restarts are manager-restart's items, asked
 * for by event; a request delivered twice is one restart.
 */

/** The id of the restart item asked for with `idempotencyKey`: one restart per request. */
export const restartIdFor = (manager: string, idempotencyKey: string): string =>
  candidateIdFor(`restart:${manager}`, idempotencyKey);

/** The key of the restarts a promotion asks for, to recycle its fleets onto the candidate. */
export const recycleKey = (candidateId: string): string => `recycle:${candidateId}`;

/** An item's `recycle` fleets by the manager that restarts them. */
export const recycledByManager = (ctx: StepContext, item: Rollout): Map<string, Fleet[]> =>
  recycleFleetsByManager(fleetsOf(ctx, item));

/** Asks each manager for a graceful restart of its fleets, in one PutEvents. */
export const requestRestarts = async (
  ctx: StepContext,
  byManager: ReadonlyMap<string, readonly Fleet[]>,
  idempotencyKey: string,
  reason: (fleets: readonly Fleet[]) => string,
  afterRollback = false,
): Promise<void> => {
  if (byManager.size === 0) return;
  await ctx.ports.bus.put(
    [...byManager].map(([manager, fleets]) =>
      busEntry(
        DetailType.ManagerRestartRequested,
        { fleet: manager, reason: reason(fleets), idempotencyKey, afterRollback },
        ctx.settings.eventBusName,
      ),
    ),
  );
};

/** `; manager restart requested`, or how many were. */
export const restartsNote = (managers: number): string =>
  managers === 0
    ? ''
    : managers === 1
      ? '; manager restart requested'
      : `; ${managers} manager restarts requested`;
