import { busEvent, DetailType } from '../shared/events';
import { makeHandler } from '../shared/make-handler';
import { createEngine } from '../shared/rollout/engine';
import { MANAGER_STEPS } from '../shared/rollout/manager';
import { RolloutSettings } from '../shared/rollout/settings';
import { lazyConfigSlice } from '../shared/settings';
import { restartPorts } from './ports';
import { requestRestart } from './request';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;
// A restart waits for its window or starts its drain; the rest runs in rollout-step.
export const engine = createEngine({ 'start-drain': MANAGER_STEPS['start-drain'] });

/** A jobs fleet's `recycle`: restart its manager gracefully in the next maintenance window. */
export const handler = makeHandler({
  name: 'manager-restart',
  schema: busEvent(DetailType.ManagerRestartRequested),
  correlationIdPath: 'id',
  run: async (event, { now }) => {
    const cfg = settings.get();
    const ctx = engine.context({ settings: cfg, now: now(), ports: restartPorts(cfg.ledgerTable) });
    const result = await requestRestart(event.detail, ctx);
    return { outcome: result.from === result.to ? 'unchanged' : 'advanced', ...result };
  },
});
