import { busEvent, DetailType } from '../shared/events';
import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import { requestRestart } from '../shared/rollout/steps';
import { lazyConfigSlice } from '../shared/settings';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** A jobs fleet's `recycle`: restart its manager gracefully in the next maintenance window. */
export const handler = makeHandler({
  name: 'manager-restart',
  schema: busEvent(DetailType.ManagerRestartRequested),
  correlationIdPath: 'id',
  run: async (event, { now }) => {
    const result = await requestRestart(event.detail, { settings: settings.get(), now: now() });
    return { outcome: result.from === result.to ? 'unchanged' : 'advanced', ...result };
  },
});
