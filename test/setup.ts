import 'aws-sdk-client-mock-jest';

import { startCapture, stopCapture } from './helpers/output';

// No test reaches AWS: fake credentials keep an unmocked call from walking the credential chain.
process.env.AWS_REGION = 'us-east-2';
process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKEFAKEFAKEFAKE';
process.env.AWS_SECRET_ACCESS_KEY = 'fake';
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'RunnerAutopilot';

beforeEach(startCapture);
afterEach(stopCapture);
