import type { RunDeps } from '../shared/make-handler';
import { ALL_STEPS } from '../shared/rollout/all-steps';
import type { Ports } from '../shared/rollout/context';
import { createEngine } from '../shared/rollout/engine';
import type { RolloutSettings } from '../shared/rollout/settings';
import { decideCommandStatus } from './decide';
import type { CommandStatusChange } from './schema';

// A command of any state may settle: every step is registered.
export const engine = createEngine(ALL_STEPS);

export const runCommandStatus = async (
  event: CommandStatusChange,
  { settings, now, ports }: RunDeps<RolloutSettings, Ports>,
) => {
  const { fleet, candidateId, trigger } = decideCommandStatus(event.detail);
  const result = await engine.advance(fleet, candidateId, trigger, { settings, now: now(), ports });
  return {
    outcome: result.from === result.to ? 'unchanged' : 'advanced',
    commandId: trigger.commandId,
    ...result,
  };
};
