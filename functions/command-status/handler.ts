import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import { advance } from '../shared/rollout/steps';
import { lazyConfigSlice } from '../shared/settings';
import { CommandStatusChange } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** A smoke, drain, restart or health command of a rollout has settled. */
export const handler = makeHandler({
  name: 'command-status',
  schema: CommandStatusChange,
  correlationIdPath: 'id',
  run: async (event, { now }) => {
    const { parameters, 'command-id': commandId } = event.detail;
    const result = await advance(
      parameters.Fleet[0] as string,
      parameters.CandidateId[0] as string,
      { kind: 'command', commandId },
      { settings: settings.get(), now: now() },
    );
    return { outcome: result.from === result.to ? 'unchanged' : 'advanced', commandId, ...result };
  },
});
