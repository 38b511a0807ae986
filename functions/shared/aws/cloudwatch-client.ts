import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { clientConfig } from './client-config';
import { memoClient } from './memo-client';

/** The one CloudWatch client: alarm states (`cloudwatch.ts`) and metric reads share it. */
const client = /* @__PURE__ */ memoClient(() => new CloudWatchClient(clientConfig));
export const cloudWatch = (): CloudWatchClient => client.get();
export const resetCloudWatchClient = (): void => client.reset();
