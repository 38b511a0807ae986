import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import { advance } from '../shared/rollout/steps';
import { lazyConfigSlice } from '../shared/settings';
import { StepInput } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** A scheduled step of a rollout (canary check, deferred promotion, maintenance, health, bake end). */
export const handler = makeHandler({
  name: 'rollout-step',
  schema: StepInput,
  correlationIdPath: 'candidateId',
  run: async ({ fleet, candidateId, step }, { now }) => {
    const result = await advance(
      fleet,
      candidateId,
      { kind: step },
      { settings: settings.get(), now: now() },
    );
    return { outcome: result.from === result.to ? 'unchanged' : 'advanced', ...result };
  },
});
