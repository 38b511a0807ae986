import { busEvent } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import { lazyConfigSlice } from '../shared/settings';
import { stagingPorts } from './ports';
import { runStageCandidate } from './run';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** Image Ready -> for each launch template fed by the pipeline: check, candidate version, canary. */
export const handler = makeHandler({
  name: 'stage-candidate',
  schema: busEvent(DetailType.ImageReady),
  correlationIdPath: 'id',
  run: (event, tools) => {
    const cfg = settings.get();
    return runStageCandidate(event, { ...tools, settings: cfg, ports: stagingPorts(cfg.ledgerTable) });
  },
});
