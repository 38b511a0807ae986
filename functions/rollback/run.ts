import type { RunDeps } from '../shared/make-handler';
import type { Ports, StepResult } from '../shared/rollout/context';
import { templateFleetsOf } from '../shared/rollout/decide';
import { createEngine } from '../shared/rollout/engine';
import { MANAGER_STEPS } from '../shared/rollout/manager';
import { ROLLBACK_STEPS, rollbackTarget } from '../shared/rollout/rollback';
import type { RolloutSettings } from '../shared/rollout/settings';
import { decideRollback } from './decide';
import type { RollbackInput } from './schema';

// A rollback restores the default and starts a manager's drain; the rest runs in rollout-step.
export const engine = createEngine({ ...ROLLBACK_STEPS, 'start-drain': MANAGER_STEPS['start-drain'] });

/**
 * For each concerned fleet, its latest promoted rollout (if it may still be rolled back) is rolled
 * back, once however many of the fleets sharing its template are concerned.
 */
export const runRollback = async (
  event: RollbackInput,
  { settings, now, ports }: RunDeps<RolloutSettings, Ports>,
) => {
  const { source, fleets, reason } = decideRollback(event, settings.fleets);
  const results: StepResult[] = [];
  const handled = new Set<string>();
  for (const fleet of fleets) {
    // A rollout of fleets sharing a template is kept under its lead, whichever fleet asks.
    const names = templateFleetsOf(settings.fleets, fleet);
    const rollouts = (await Promise.all(names.map((name) => ports.ledger.listFleet(name)))).flat();
    const rollout = rollbackTarget(rollouts, fleet, source);
    if (!rollout || handled.has(rollout.candidateId)) continue;
    handled.add(rollout.candidateId);
    results.push(
      await engine.advance(
        rollout.fleet,
        rollout.candidateId,
        { kind: 'rollback', reason },
        { settings, now: now(), ports },
      ),
    );
  }
  return { outcome: results.length ? 'rolled-back' : 'nothing-to-roll-back', reason, results };
};
