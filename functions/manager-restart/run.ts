import type { ManagerRestartRequestedDetail } from '../shared/events';
import type { RunDeps } from '../shared/make-handler';
import { fleetByName, unchanged, withDeadline } from '../shared/rollout/common';
import type { Ports, StepContext, StepResult } from '../shared/rollout/context';
import { createEngine, guardRefusal } from '../shared/rollout/engine';
import { MANAGER_STEPS } from '../shared/rollout/manager';
import type { RolloutSettings } from '../shared/rollout/settings';
import { restartIdFor } from '../shared/rollout/recycle';
import { decideRestart } from './decide';

// A restart waits for its window or starts its drain; the rest runs in rollout-step.
export const engine = createEngine({ 'start-drain': MANAGER_STEPS['start-drain'] });

const requestRestart = async (
  detail: ManagerRestartRequestedDetail,
  ctx: StepContext,
): Promise<StepResult> => {
  const manager = fleetByName(ctx, detail.fleet);
  const existing = await ctx.ports.ledger.get(
    manager.name,
    restartIdFor(manager.name, detail.idempotencyKey),
  );
  const decision = decideRestart({ detail, manager, existing, now: ctx.now });
  if (decision.kind === 'already-requested') return unchanged(decision.item, 'restart already requested');
  const item = withDeadline(ctx, decision.item);
  // A concurrent delivery created it first: that one goes on.
  if ((await ctx.ports.ledger.create(item)) === 'exists') return unchanged(item, 'restart already requested');
  return guardRefusal(ctx, item.fleet, item.candidateId, () => ctx.dispatch(item, { kind: 'maintenance' }));
};

export const runManagerRestart = async (
  event: { readonly detail: ManagerRestartRequestedDetail },
  { settings, now, ports }: RunDeps<RolloutSettings, Ports>,
) => {
  const result = await requestRestart(event.detail, engine.context({ settings, now: now(), ports }));
  return { outcome: result.from === result.to ? 'unchanged' : 'advanced', ...result };
};
