import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import { alertPorts } from './ports';
import { runRequest } from './run';
import { AlertRequest } from './schema';
import { AlertSettings } from './settings';

const settings = lazyConfigSlice(AlertSettings);
export const resetSettings = settings.reset;

/**
 * Our alarms' state changes and our failure events -> SNS (email) and chat webhooks; and the
 * scheduled re-checks of alarms the rate limit held back (`{ "recheck": "<alarm name>" }`).
 */
export const handler = makeHandler({
  name: 'alert',
  schema: AlertRequest,
  correlationIdPath: 'id',
  run: (request, tools) => {
    const cfg = settings.get();
    return runRequest(request, { ...tools, settings: cfg, ports: alertPorts(cfg.stateTable) });
  },
});
