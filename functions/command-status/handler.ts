import { makeHandler } from '../shared/make-handler';
import { ALL_STEPS } from '../shared/rollout/all-steps';
import { createEngine } from '../shared/rollout/engine';
import { stepPorts } from '../shared/rollout/ports';
import { RolloutSettings } from '../shared/rollout/settings';
import { lazyConfigSlice } from '../shared/settings';
import { CommandStatusChange } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;
export const engine = createEngine(ALL_STEPS);

/** A smoke, drain, restart, apply or health command of a rollout has settled. */
export const handler = makeHandler({
  name: 'command-status',
  schema: CommandStatusChange,
  correlationIdPath: 'id',
  run: async (event, { now }) => {
    const cfg = settings.get();
    const { parameters, 'command-id': commandId } = event.detail;
    const result = await engine.advance(
      parameters.Fleet[0] as string,
      parameters.CandidateId[0] as string,
      { kind: 'command', commandId },
      { settings: cfg, now: now(), ports: stepPorts(cfg.ledgerTable) },
    );
    return { outcome: result.from === result.to ? 'unchanged' : 'advanced', commandId, ...result };
  },
});
