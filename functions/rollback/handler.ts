import { listFleetRollouts } from '../shared/ledger';
import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import { advance, rollbackCandidates, type StepResult } from '../shared/rollout/steps';
import { lazyConfigSlice } from '../shared/settings';
import { RollbackInput } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

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
    const results: StepResult[] = [];
    for (const fleet of fleets) {
      const rollout = rollbackCandidates(
        await listFleetRollouts(cfg.ledgerTable, fleet),
        fleet,
        event.source === 'aws.cloudwatch' ? 'alarm' : 'request',
      );
      if (!rollout) continue;
      results.push(
        await advance(
          rollout.fleet,
          rollout.candidateId,
          { kind: 'rollback', reason },
          { settings: cfg, now: now() },
        ),
      );
    }
    return { outcome: results.length ? 'rolled-back' : 'nothing-to-roll-back', reason, results };
  },
});
