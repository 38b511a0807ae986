import { makeHandler } from '../shared/make-handler';
import { ALL_STEPS } from '../shared/rollout/all-steps';
import { createEngine } from '../shared/rollout/engine';
import { stepPorts } from '../shared/rollout/ports';
import { RolloutSettings } from '../shared/rollout/settings';
import { lazyConfigSlice } from '../shared/settings';
import { StepInput } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;
export const engine = createEngine(ALL_STEPS);

/** A scheduled step of a rollout (canary check, deferred promotion, maintenance, health, bake end). */
export const handler = makeHandler({
  name: 'rollout-step',
  schema: StepInput,
  correlationIdPath: 'candidateId',
  run: async ({ fleet, candidateId, step }, { now }) => {
    const cfg = settings.get();
    const result = await engine.advance(
      fleet,
      candidateId,
      { kind: step },
      { settings: cfg, now: now(), ports: stepPorts(cfg.ledgerTable) },
    );
    return { outcome: result.from === result.to ? 'unchanged' : 'advanced', ...result };
  },
});
