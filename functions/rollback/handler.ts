import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import type { StepResult } from '../shared/rollout/context';
import { createEngine } from '../shared/rollout/engine';
import { MANAGER_STEPS } from '../shared/rollout/manager';
import { ROLLBACK_STEPS, rollbackTarget } from '../shared/rollout/rollback';
import { lazyConfigSlice } from '../shared/settings';
import { rollbackPorts } from './ports';
import { RollbackInput } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;
// A rollback restores the default and starts a manager's drain; the rest runs in rollout-step.
export const engine = createEngine({ ...ROLLBACK_STEPS, 'start-drain': MANAGER_STEPS['start-drain'] });

/** A rollback alarm fired, or someone asked: restore each concerned fleet's previous default. */
export const handler = makeHandler({
  name: 'rollback',
  schema: RollbackInput,
  correlationIdPath: 'id',
  run: async (event, { now }) => {
    const cfg = settings.get();
    const [fleets, reason] =
      event.source === 'aws.cloudwatch'
        ? [
            event.detail.state.value === 'ALARM'
              ? cfg.fleets.filter((f) => f.rollbackAlarms.includes(event.detail.alarmName)).map((f) => f.name)
              : [],
            `alarm ${event.detail.alarmName} is ${event.detail.state.value}`,
          ]
        : [[event.detail.fleet], event.detail.reason];
    const ports = rollbackPorts(cfg.ledgerTable);
    const results: StepResult[] = [];
    for (const fleet of fleets) {
      const rollout = rollbackTarget(
        await ports.ledger.listFleet(fleet),
        fleet,
        event.source === 'aws.cloudwatch' ? 'alarm' : 'request',
      );
      if (!rollout) continue;
      results.push(
        await engine.advance(
          rollout.fleet,
          rollout.candidateId,
          { kind: 'rollback', reason },
          { settings: cfg, now: now(), ports },
        ),
      );
    }
    return { outcome: results.length ? 'rolled-back' : 'nothing-to-roll-back', reason, results };
  },
});
