import type { ManagerRestartRequestedDetail } from '../shared/events';
import type { Fleet } from '../shared/fleet';
import { transition } from '../shared/rollout/decide';
import type { ManagerRestart, Rollout } from '../shared/rollout/model';
import { restartIdFor } from '../shared/rollout/recycle';

export interface RestartFacts {
  readonly detail: ManagerRestartRequestedDetail;
  readonly manager: Fleet;
  /** The ledger's item for `restartIdFor(manager, key)`, if the request was seen before. */
  readonly existing: Rollout | undefined;
  readonly now: Date;
}

export type RestartDecision =
  | { readonly kind: 'already-requested'; readonly item: Rollout }
  /** The new item, waiting for a maintenance window (its deadline is the table's, set on entry). */
  | { readonly kind: 'request'; readonly item: ManagerRestart };

/**
 * A graceful manager restart for a `recycle`: a ledger item under the fleet's lease, drained in a
 * maintenance window like a replacement, so restarts and rollouts of one manager never overlap.
 */
export const decideRestart = ({ detail, manager, existing, now }: RestartFacts): RestartDecision => {
  if (existing) return { kind: 'already-requested', item: existing };
  const requested: ManagerRestart = {
    kind: 'restart',
    fleet: manager.name,
    fleets: [manager.name],
    candidateId: restartIdFor(manager.name, detail.idempotencyKey),
    role: 'manager',
    pipeline: manager.pipeline,
    ...(detail.afterRollback ? { afterRollback: true } : {}),
    state: 'awaiting-maintenance',
    stateSince: now.toISOString(),
    attempts: 0,
    history: [],
    revision: 0,
  };
  return { kind: 'request', item: transition(requested, 'awaiting-maintenance', detail.reason, now) };
};
