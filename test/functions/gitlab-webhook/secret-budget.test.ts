import { createServer, type Server, type Socket } from 'node:net';

import type { handler as Handler } from '../../../functions/gitlab-webhook/handler';
import { resetSettings } from '../../../functions/gitlab-webhook/receive';
import { resetSecretState } from '../../../functions/gitlab-webhook/secret';
import { resetEventBridgeClient } from '../../../functions/shared/aws/eventbridge';
import { resetSnsClient } from '../../../functions/shared/aws/sns';
import { resetSecretProviders } from '../../../functions/shared/secrets';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { context } from '../../helpers/context';
import { fixture } from '../../helpers/fixtures';

/**
 * The token check reads the secret first (cold start, or a forced re-read after a wrong token).
 * An SSM endpoint that accepts the connection and never answers must not hold the webhook past
 * GitLab's 10 s: the delivery would fail and count toward disabling the hook.
 */
const ENV = { ...process.env };
const sockets: Socket[] = [];
let server: Server;
let handler: typeof Handler;

/** GitLab gives up after 10 s; the function's own timeout is 10 s too (infra/autopilot-stack.ts). */
const GITLAB_BUDGET_MS = 8_000;

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
  ({ handler } = await import('../../../functions/gitlab-webhook/handler'));
});

beforeEach(() => {
  resetSecretProviders();
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

describe('gitlab-webhook secret read time budget', () => {
  it("answers 503 inside GitLab's budget on a cold start when SSM never answers the secret read", async () => {
    const started = Date.now();
    const timedOut = Symbol('timed out');
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      handler(fixture('gitlab/push.json'), context('gitlab-webhook')),
      new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(() => resolve(timedOut), GITLAB_BUDGET_MS);
      }),
    ]);
    clearTimeout(timer);
    const elapsed = Date.now() - started;

    expect(sockets.length).toBeGreaterThanOrEqual(1); // the secret read did reach the hung endpoint
    expect(result).not.toBe(timedOut);
    expect(elapsed).toBeLessThan(GITLAB_BUDGET_MS);
    expect((result as { statusCode: number }).statusCode).toBe(503);
  }, 15_000);
});
