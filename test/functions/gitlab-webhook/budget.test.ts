import { createServer, type Server, type Socket } from 'node:net';

import { resetSecretCache } from '../../../functions/shared/aws/secrets';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import type * as Handler from '../../../functions/gitlab-webhook/handler';
import { FALLBACK_DEADLINE_MS, PUT_DEADLINE_MS } from '../../../functions/gitlab-webhook/ports';
import { resetSecretState } from '../../../functions/gitlab-webhook/secret';
import { resetEventBridgeClient } from '../../../functions/shared/aws/eventbridge';
import { resetSnsClient } from '../../../functions/shared/aws/sns';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { context } from '../../../rehearsal/context';
import { fixture } from '../../helpers/fixtures';

/**
 * The answer's time bound, against real SDK clients: SSM, EventBridge and SNS endpoints that
 * accept connections and never answer. GitLab gives a hook 10 s; the webhook must answer well
 * inside.
 */
const ssm = mockClient(SSMClient);
const ENV = { ...process.env };
const sockets: Socket[] = [];
let server: Server;
let handler: typeof Handler.handler;
let resetSettings: typeof Handler.resetSettings;

beforeAll(async () => {
  server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  process.env = {
    ...ENV,
    AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${port}`,
    [CONFIG_ENV]: JSON.stringify({
      eventBusName: 'bus',
      fallbackTopicArn: 'arn:aws:sns:us-east-2:123456789012:fallback',
      secret: { parameter: '/token' },
      rules: [{ name: 'runner-images', project: 'platform/runner-images', pipelines: ['jobs'] }],
    }),
  };
  ({ handler, resetSettings } = await import('../../../functions/gitlab-webhook/handler'));
});

beforeEach(() => {
  ssm.reset();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'test-webhook-token' } });
  resetSecretCache();
  resetSecretState();
  resetSettings();
  resetEventBridgeClient();
  resetSnsClient();
});

afterAll(async () => {
  process.env = ENV;
  sockets.forEach((s) => s.destroy());
  await new Promise((resolve) => server.close(resolve));
});

describe('gitlab-webhook time budget', () => {
  it('answers 503 within its deadlines (2.2 s) when neither EventBridge nor SNS ever answers, having waited out both deadlines', async () => {
    const started = Date.now();

    const result = await handler(fixture('gitlab/push.json'), context('gitlab-webhook'));

    const elapsed = Date.now() - started;
    expect(result.statusCode).toBe(503);
    expect(elapsed).toBeGreaterThanOrEqual(PUT_DEADLINE_MS + FALLBACK_DEADLINE_MS - 50);
    // The deadlines plus slack for a busy test machine: well inside GitLab's 10 s with a cold start.
    expect(elapsed).toBeLessThan(PUT_DEADLINE_MS + FALLBACK_DEADLINE_MS + 700);
    expect(sockets.length).toBeGreaterThanOrEqual(2);
  }, 10_000);

  // Last: it gives SSM its real `send` back, for good in this file.
  it("answers 503 inside GitLab's budget on a cold start when SSM never answers the secret read", async () => {
    ssm.restore();
    const before = sockets.length;
    const started = Date.now();

    const result = await handler(fixture('gitlab/push.json'), context('gitlab-webhook'));

    expect(result.statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sockets.length).toBeGreaterThan(before);
  }, 15_000);
});
