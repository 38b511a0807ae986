import type { RunDeps } from '../shared/make-handler';
import { ALL_STEPS } from '../shared/rollout/all-steps';
import type { Ports } from '../shared/rollout/context';
import { createEngine } from '../shared/rollout/engine';
import type { RolloutSettings } from '../shared/rollout/settings';
import { decideStep } from './decide';
import type { StepInput } from './schema';

// A scheduled step may reach any state: every step is registered.
export const engine = createEngine(ALL_STEPS);

export const runRolloutStep = async (
  input: StepInput,
  { settings, now, ports }: RunDeps<RolloutSettings, Ports>,
) => {
  const { fleet, candidateId, trigger } = decideStep(input);
  const result = await engine.advance(fleet, candidateId, trigger, { settings, now: now(), ports });
  return { outcome: result.from === result.to ? 'unchanged' : 'advanced', ...result };
};
