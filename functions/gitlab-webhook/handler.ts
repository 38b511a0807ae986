import { makeHttpHandler } from '../shared/make-handler';
import { receiveWebhook } from './receive';
import { FunctionUrlEvent } from './schema';

/** GitLab push and tag push hooks, behind a Function URL (auth NONE: the shared token authenticates). */
export const handler = makeHttpHandler({
  name: 'gitlab-webhook',
  schema: FunctionUrlEvent,
  correlationIdPath: 'requestContext.requestId',
  // The raw event carries X-Gitlab-Token: never log it, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
  sensitiveInput: true,
  // Anyone can provoke a 401: its count is the signal, a log line per probe would be the bill.
  quietOutcomes: ['unauthorized'],
  run: receiveWebhook,
});
