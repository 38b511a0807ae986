import { makeHttpHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import { webhookPorts } from './ports';
import { runWebhook } from './run';
import { FunctionUrlEvent } from './schema';
import { WebhookSettings } from './settings';

/** Read on first use, not at import, so a config error is an answered 503 rather than an init crash. */
const settings = lazyConfigSlice(WebhookSettings);
export const resetSettings = settings.reset;

/** GitLab push and tag push hooks, behind a Function URL (auth NONE: the shared token authenticates). */
export const handler = makeHttpHandler({
  name: 'gitlab-webhook',
  schema: FunctionUrlEvent,
  correlationIdPath: 'requestContext.requestId',
  // The raw event carries X-Gitlab-Token: never log it, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
  sensitiveInput: true,
  // Anyone can provoke a 401: its count is the signal, a log line per probe would be the bill.
  quietOutcomes: ['unauthorized'],
  run: (event, tools) => {
    const cfg = settings.get();
    return runWebhook(event, { ...tools, settings: cfg, ports: webhookPorts(cfg) });
  },
});
