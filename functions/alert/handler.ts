import { makeHandler } from '../shared/make-handler';
import { runRequest } from './alert';
import { AlertRequest } from './schema';

export { resetSettings } from './alert';

/**
 * Our alarms' state changes and our failure events -> SNS (email) and chat webhooks; and the
 * scheduled re-checks of alarms the rate limit held back (`{ "recheck": "<alarm name>" }`).
 */
export const handler = makeHandler({
  name: 'alert',
  schema: AlertRequest,
  correlationIdPath: 'id',
  run: runRequest,
});
