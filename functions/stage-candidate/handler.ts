import { busEvent, DetailType } from '../shared/events';
import { makeHandler } from '../shared/make-handler';
import { createEngine } from '../shared/rollout/engine';
import { RolloutSettings } from '../shared/rollout/settings';
import { stageCandidates } from '../shared/rollout/staging';
import { lazyConfigSlice } from '../shared/settings';
import { stagingPorts } from './ports';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;
// Staging launches the canary itself; every later step runs in the rollout-step function.
export const engine = createEngine({});

/** Image Ready -> for each launch template fed by the pipeline: check, candidate version, canary. */
export const handler = makeHandler({
  name: 'stage-candidate',
  schema: busEvent(DetailType.ImageReady),
  correlationIdPath: 'id',
  run: async (event, { now }) => {
    const cfg = settings.get();
    const ctx = engine.context({ settings: cfg, now: now(), ports: stagingPorts(cfg.ledgerTable) });
    const results = await stageCandidates(event.detail, ctx);
    return {
      outcome: results.length ? 'staged' : 'no-fleet',
      reason: results.length
        ? results.map((r) => `${r.fleet}: ${r.to}`).join('; ')
        : `no fleet is fed by pipeline ${event.detail.pipeline}`,
      results,
    };
  },
});
