import { busEvent, DetailType } from '../shared/events';
import { makeHandler } from '../shared/make-handler';
import { createEngine } from '../shared/rollout/engine';
import { awsPorts } from '../shared/rollout/ports';
import { RolloutSettings } from '../shared/rollout/settings';
import { STAGING_STEPS, stageCandidates } from '../shared/rollout/staging';
import { lazyConfigSlice } from '../shared/settings';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;
export const engine = createEngine(STAGING_STEPS);

/** Image Ready -> for each launch template fed by the pipeline: check, candidate version, canary. */
export const handler = makeHandler({
  name: 'stage-candidate',
  schema: busEvent(DetailType.ImageReady),
  correlationIdPath: 'id',
  run: async (event, { now }) => {
    const cfg = settings.get();
    const ctx = engine.context({ settings: cfg, now: now(), ports: awsPorts(cfg.ledgerTable) });
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
