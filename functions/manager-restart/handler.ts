import { busEvent } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import { lazyConfigSlice } from '../shared/settings';
import { restartPorts } from './ports';
import { runManagerRestart } from './run';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** A jobs fleet's `recycle`: restart its manager gracefully in the next maintenance window. */
export const handler = makeHandler({
  name: 'manager-restart',
  schema: busEvent(DetailType.ManagerRestartRequested),
  correlationIdPath: 'id',
  run: (event, tools) => {
    const cfg = settings.get();
    return runManagerRestart(event, { ...tools, settings: cfg, ports: restartPorts(cfg.ledgerTable) });
  },
});
