import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { clientConfig } from './client-config';
import { memoClient } from './memo-client';

/** The one CloudWatch client: alarm states (`cloudwatch.ts`) and metric reads share it. */
const client = memoClient(() => new CloudWatchClient(clientConfig));
export const cloudWatch = client.get;
export const resetCloudWatchClient = client.reset;
