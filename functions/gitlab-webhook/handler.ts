import { LambdaFunctionUrlSchema } from '@aws-lambda-powertools/parser/schemas/lambda';

import { makeHttpHandler } from '../shared/make-handler';
import { receiveWebhook } from './receive';

/** GitLab push and tag push hooks, behind a Function URL (auth NONE: the shared token authenticates). */
export const handler = makeHttpHandler({
  name: 'gitlab-webhook',
  schema: LambdaFunctionUrlSchema,
  correlationIdPath: 'requestContext.requestId',
  // The raw event carries X-Gitlab-Token: never log it, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
  sensitiveInput: true,
  run: receiveWebhook,
});
