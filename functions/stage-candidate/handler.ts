import { busEvent, DetailType } from '../shared/events';
import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import { stageCandidates } from '../shared/rollout/steps';
import { lazyConfigSlice } from '../shared/settings';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** Image Ready -> for each launch template fed by the pipeline: check, candidate version, canary. */
export const handler = makeHandler({
  name: 'stage-candidate',
  schema: busEvent(DetailType.ImageReady),
  correlationIdPath: 'id',
  run: async (event, { now }) => {
    const results = await stageCandidates(event.detail, { settings: settings.get(), now: now() });
    return {
      outcome: results.length ? 'staged' : 'no-fleet',
      reason: results.length
        ? results.map((r) => `${r.fleet}: ${r.to}`).join('; ')
        : `no fleet is fed by pipeline ${event.detail.pipeline}`,
      results,
    };
  },
});
