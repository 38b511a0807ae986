import { fleetByName, unchanged, withDeadline } from '../shared/rollout/common';
import type { StepContext, StepResult } from '../shared/rollout/context';
import { candidateIdFor, transition } from '../shared/rollout/decide';
import { guardRefusal } from '../shared/rollout/engine';
import type { ManagerRestart } from '../shared/rollout/model';

/**
 * A graceful manager restart for a `recycle`: a ledger item under the fleet's lease, drained in a
 * maintenance window like a replacement, so restarts and rollouts of one manager never overlap.
 */
export const requestRestart = async (
  detail: { fleet: string; reason: string; idempotencyKey: string },
  ctx: StepContext,
): Promise<StepResult> => {
  const manager = fleetByName(ctx, detail.fleet);
  const candidateId = candidateIdFor(`restart:${manager.name}`, detail.idempotencyKey);
  const existing = await ctx.ports.ledger.get(manager.name, candidateId);
  if (existing) return unchanged(existing, 'restart already requested');
  const requested: ManagerRestart = {
    kind: 'restart',
    fleet: manager.name,
    fleets: [manager.name],
    candidateId,
    role: 'manager',
    pipeline: manager.pipeline,
    state: 'awaiting-maintenance',
    stateSince: ctx.now.toISOString(),
    attempts: 0,
    history: [],
    revision: 0,
  };
  const item = withDeadline(ctx, transition(requested, 'awaiting-maintenance', detail.reason, ctx.now));
  if ((await ctx.ports.ledger.create(item)) === 'exists') return unchanged(item, 'restart already requested');
  return guardRefusal(ctx, item.fleet, item.candidateId, () => ctx.dispatch(item, { kind: 'maintenance' }));
};
