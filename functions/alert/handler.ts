import { makeHandler } from '../shared/make-handler';
import { runAlert } from './alert';
import { AlertInput } from './schema';

export { resetSettings } from './alert';

/** Our alarms' state changes and our failure events -> SNS (email) and chat webhooks. */
export const handler = makeHandler({
  name: 'alert',
  schema: AlertInput,
  correlationIdPath: 'id',
  run: runAlert,
});
