import { makeHandler } from '../shared/make-handler';
import { stepPorts } from '../shared/rollout/ports';
import { RolloutSettings } from '../shared/rollout/settings';
import { lazyConfigSlice } from '../shared/settings';
import { runRolloutStep } from './run';
import { StepInput } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** A scheduled step of a rollout (canary check, deferred promotion, maintenance, health, bake end). */
export const handler = makeHandler({
  name: 'rollout-step',
  schema: StepInput,
  correlationIdPath: 'candidateId',
  run: (input, tools) => {
    const cfg = settings.get();
    return runRolloutStep(input, { ...tools, settings: cfg, ports: stepPorts(cfg.ledgerTable) });
  },
});
