import * as v from '../../../functions/shared/valibot';
import { resetSecretCache } from '../../../functions/shared/aws/secrets';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import type * as Handler from '../../../functions/gitlab-webhook/handler';
import type { FunctionUrlEvent } from '../../../functions/gitlab-webhook/schema';
import { resetSecretState } from '../../../functions/gitlab-webhook/secret';
import { resetEventBridgeClient } from '../../../functions/shared/aws/eventbridge';
import { resetSnsClient } from '../../../functions/shared/aws/sns';
import { RedriveMessage } from '../../../functions/shared/redrive';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { context } from '../../../rehearsal/context';
import { fixture } from '../../helpers/fixtures';
import { jsonLines, logEntries, metricNames, output } from '../../helpers/output';

const ssm = mockClient(SSMClient);
const eventBridge = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);

const TOKEN = 'test-webhook-token';
const WRONG = 'wrong-webhook-token';
const PARAMETER = '/runner-autopilot/gitlab-webhook-token';
const BUS = 'runner-autopilot-gitlab-runners';
const FALLBACK = 'arn:aws:sns:us-east-2:123456789012:webhook-fallback';

const SETTINGS = {
  eventBusName: BUS,
  fallbackTopicArn: FALLBACK,
  secret: { parameter: PARAMETER },
  rules: [
    {
      name: 'runner-images',
      project: 'platform/runner-images',
      branches: ['main'],
      tags: ['v*'],
      paths: ['images/**', 'scripts/**'],
      pipelines: ['jobs', 'manager'],
    },
  ],
};

const ENV = { ...process.env };
let handler: typeof Handler.handler;
let resetSettings: typeof Handler.resetSettings;

beforeAll(async () => {
  // Event logging on while the handler (and its logger) is built: the token must still never show.
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  ({ handler, resetSettings } = await import('../../../functions/gitlab-webhook/handler'));
});

beforeEach(() => {
  process.env = { ...ENV, POWERTOOLS_LOGGER_LOG_EVENT: 'true', [CONFIG_ENV]: JSON.stringify(SETTINGS) };
  ssm.reset();
  eventBridge.reset();
  sns.reset();
  ssm.onAnyCommand().rejects(new Error('unexpected SSM call'));
  eventBridge.onAnyCommand().rejects(new Error('unexpected EventBridge call'));
  sns.onAnyCommand().rejects(new Error('unexpected SNS call'));
  ssm
    .on(GetParameterCommand, { Name: PARAMETER, WithDecryption: true })
    .resolves({ Parameter: { Name: PARAMETER, Type: 'SecureString', Value: TOKEN } });
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `event-${i + 1}` })),
  }));
  resetSecretCache();
  resetSecretState();
  resetSettings();
  resetEventBridgeClient();
  resetSnsClient();
});

afterAll(() => {
  process.env = ENV;
});

type Patch = (e: FunctionUrlEvent) => void;

const load = (name: string, ...patches: Patch[]): FunctionUrlEvent => {
  const event = fixture<FunctionUrlEvent>(`gitlab/${name}.json`);
  patches.forEach((p) => p(event));
  return event;
};

const header =
  (name: string, value: string | undefined): Patch =>
  (e) => {
    if (value === undefined) delete e.headers[name];
    else e.headers[name] = value;
  };

const payload =
  (change: (body: Record<string, unknown>) => void): Patch =>
  (e) => {
    const body = JSON.parse(e.body ?? '') as Record<string, unknown>;
    change(body);
    e.body = JSON.stringify(body);
  };

const configure = (overrides: Record<string, unknown>): void => {
  process.env[CONFIG_ENV] = JSON.stringify({ ...SETTINGS, ...overrides });
  resetSettings();
};

const invoke = async (event: unknown) => {
  const result = await handler(event, context('gitlab-webhook'));
  return {
    statusCode: result.statusCode,
    body: JSON.parse(result.body) as Record<string, unknown>,
    raw: result.body,
  };
};

/** The entries of every PutEvents call, details parsed. */
const sentEntries = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((c) =>
    (c.args[0].input.Entries ?? []).map((e: PutEventsRequestEntry) => ({
      ...e,
      Detail: JSON.parse(e.Detail ?? '') as Record<string, unknown>,
    })),
  );

describe('gitlab-webhook handler', () => {
  it('is the wrapped middy chain', () => {
    expect(typeof handler.use).toBe('function');
  });

  describe('200 queued', () => {
    it('puts one Bake Requested event per pipeline of the matched rule and answers what it queued', async () => {
      const result = await invoke(load('push'));

      expect(result.statusCode).toBe(200);
      const reason = 'push to platform/runner-images main (fdca6c00) matched rule runner-images';
      expect(result.body).toEqual({
        outcome: 'queued',
        reason,
        pipelines: ['jobs', 'manager'],
        rules: ['runner-images'],
        eventIds: ['event-1', 'event-2'],
        itemCount: 2,
      });
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
      expect(sentEntries()).toEqual(
        ['jobs', 'manager'].map((pipeline) => ({
          Source: 'runner-autopilot',
          DetailType: 'Bake Requested',
          EventBusName: BUS,
          Detail: {
            pipeline,
            idempotencyKey: `gitlab:b1e4f7a2-6c3d-4e5f-8a9b-0c1d2e3f4a5b:${pipeline}`,
            reason,
          },
        })),
      );
      expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: PARAMETER, WithDecryption: true });
    });

    it('queues a tag push, which lists no commits, as touching every path', async () => {
      const result = await invoke(load('tag-push'));

      expect(result.statusCode).toBe(200);
      expect(result.body).toMatchObject({
        pipelines: ['jobs', 'manager'],
        reason: expect.stringMatching(
          /^tag push to platform\/runner-images v1\.4\.0 \(\w{8}\) matched rule runner-images$/,
        ),
      });
    });

    it('queues a push of 25 commits whose 20 listed ones touch only docs/ (the others are unknown)', async () => {
      const result = await invoke(load('push.many-commits'));

      expect(result.statusCode).toBe(200);
      expect(sentEntries().map((e) => e.Detail.pipeline)).toEqual(['jobs', 'manager']);
    });

    it('reads header names in any case', async () => {
      const event = load('push');
      event.headers = Object.fromEntries(
        Object.entries(event.headers).map(([k, v]) => [
          k.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()),
          v,
        ]),
      );

      const result = await invoke(event);

      expect(event.headers['X-Gitlab-Token']).toBe(TOKEN);
      expect(result.statusCode).toBe(200);
    });

    it('gives a GitLab retry (same Idempotency-Key) the same idempotency keys', async () => {
      await invoke(load('push'));
      await invoke(load('push', header('x-gitlab-event-uuid', '11111111-2222-4333-8444-555555555555')));

      const keys = sentEntries().map((e) => e.Detail.idempotencyKey);
      expect(keys).toHaveLength(4);
      expect(keys.slice(2)).toEqual(keys.slice(0, 2));
    });

    it('falls back to X-Gitlab-Event-UUID when there is no Idempotency-Key (GitLab before 17.4)', async () => {
      await invoke(load('push', header('idempotency-key', undefined)));

      expect(sentEntries().map((e) => e.Detail.idempotencyKey)).toEqual([
        'gitlab:5d2c9a7e-1b34-4f8e-a6c1-93e0b7d2f4a8:jobs',
        'gitlab:5d2c9a7e-1b34-4f8e-a6c1-93e0b7d2f4a8:manager',
      ]);
    });

    it('counts the decoded size of a base64 body, and parses it', async () => {
      configure({ maxBodyBytes: 3000 });
      const event = load('push');
      const bytes = Buffer.byteLength(event.body ?? '');
      event.body = Buffer.from(event.body ?? '').toString('base64');
      event.isBase64Encoded = true;

      const result = await invoke(event);

      expect(bytes).toBeLessThanOrEqual(3000);
      expect(event.body.length).toBeGreaterThan(3000);
      expect(result.statusCode).toBe(200);
    });

    it('logs one info line with the outcome and the Function URL request id', async () => {
      await invoke(load('push'));

      const infos = logEntries().filter((l) => l.level === 'INFO');
      expect(infos).toHaveLength(1);
      expect(infos[0]).toMatchObject({
        message: 'queued',
        itemCount: 2,
        correlation_id: '8f4e2b1a-3c5d-4e6f-9a7b-1c2d3e4f5a6b',
        deliveryKey: 'b1e4f7a2-6c3d-4e5f-8a9b-0c1d2e3f4a5b',
      });
    });
  });

  describe('401 unauthorized', () => {
    it.each([
      ['a missing token', header('x-gitlab-token', undefined)],
      ['an empty token', header('x-gitlab-token', '')],
    ])('refuses %s without reading the secret or putting events', async (_name, patch) => {
      const result = await invoke(load('push', patch));

      expect(result.statusCode).toBe(401);
      expect(result.body).toEqual({ outcome: 'unauthorized', reason: 'missing or wrong X-Gitlab-Token' });
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });

    it('refuses a wrong token before any body work: an oversized non-JSON body is still a 401', async () => {
      configure({ maxBodyBytes: 1024 });
      const event = load('push', header('x-gitlab-token', WRONG), header('x-gitlab-event', 'Bogus'));
      event.body = 'x'.repeat(5000);

      const result = await invoke(event);

      expect(result.statusCode).toBe(401);
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
      expect(metricNames()).toContain('Unauthorized');
      expect(metricNames()).not.toContain('PermanentFailure');
    });

    it('does not re-read the secret for every wrong token', async () => {
      for (let i = 0; i < 5; i += 1) await invoke(load('push', header('x-gitlab-token', WRONG)));

      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });
  });

  describe('the token comes before the envelope (nobody can page the team without it)', () => {
    const odd: Patch = (e) => {
      const http = e.requestContext.http as Record<string, unknown>;
      http.method = 'PROPFIND';
      delete http.userAgent;
    };

    it('answers 401 to an unauthenticated request with an odd method and no user agent, counting no PermanentFailure', async () => {
      const result = await invoke(load('push', odd, header('x-gitlab-token', undefined)));

      expect(result.statusCode).toBe(401);
      expect(metricNames()).toContain('Unauthorized');
      expect(metricNames()).not.toContain('PermanentFailure');
      expect(logEntries().filter((l) => l.level === 'ERROR')).toEqual([]);
    });

    it.each(['GET', 'PUT', 'PROPFIND'])(
      'answers 405 (Allow: POST) to %s with a good token, putting nothing and paging nobody',
      async (method) => {
        const event = load('push', (e) => void (e.requestContext.http.method = method));

        const result = await handler(event, context('gitlab-webhook'));

        expect(result.statusCode).toBe(405);
        expect(result.headers.allow).toBe('POST');
        expect(JSON.parse(result.body)).toMatchObject({ outcome: 'method-not-allowed' });
        expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
        expect(metricNames()).not.toContain('PermanentFailure');
      },
    );

    it('logs a 401 at debug only, so a flood of probes writes no info line', async () => {
      await invoke(load('push', header('x-gitlab-token', WRONG)));

      const levels = logEntries().map((l) => l.level);
      expect(levels).toContain('DEBUG');
      expect(levels.filter((l) => l !== 'DEBUG')).toEqual([]);
    });

    it('counts one Unauthorized per refused request', async () => {
      await invoke(load('push', header('x-gitlab-token', WRONG)));

      const values = jsonLines().flatMap((l) => ('Unauthorized' in l ? [l.Unauthorized] : []));
      expect(values).toEqual([1]);
    });
  });

  describe('reasons are capped in answers and log lines', () => {
    const huge = 'a'.repeat(500_000);

    it.each([
      ['a ref that is neither a branch nor a tag', `refs/odd/${huge}`, 202],
      ['a branch that matches no rule', `refs/heads/${huge}`, 202],
      ['a tag that matches', `refs/tags/v${huge}`, 200],
    ])('%s of 500,000 characters', async (_name, ref, status) => {
      const result = await invoke(
        load(
          'push',
          payload((b) => (b.ref = ref)),
        ),
      );

      expect(result.statusCode).toBe(status);
      expect(result.raw.length).toBeLessThan(2048);
      expect(
        Math.max(
          ...output()
            .split('\n')
            .map((l) => l.length),
        ),
      ).toBeLessThan(8192);
    });

    it('caps a project path of 500,000 characters', async () => {
      const result = await invoke(
        load(
          'push',
          payload((b) => ((b.project as Record<string, unknown>).path_with_namespace = `platform/${huge}`)),
        ),
      );

      expect(result.statusCode).toBe(202);
      expect(result.raw.length).toBeLessThan(2048);
      expect(
        Math.max(
          ...output()
            .split('\n')
            .map((l) => l.length),
        ),
      ).toBeLessThan(8192);
    });
  });

  describe('4xx refusals', () => {
    it('answers 413 to a body over maxBodyBytes', async () => {
      configure({ maxBodyBytes: 1024 });

      const result = await invoke(load('push'));

      expect(result.statusCode).toBe(413);
      expect(result.body).toEqual({
        outcome: 'rejected',
        reason: 'body of 2367 bytes exceeds maxBodyBytes (1024)',
      });
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });

    it('answers 400 to a body that is not JSON', async () => {
      const event = load('push');
      event.body = 'payload=%7B%22object_kind%22%7D';

      const result = await invoke(event);

      expect(result.statusCode).toBe(400);
      expect(result.body.reason).toMatch(/not JSON/);
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });

    it('answers 400 to a push without a body', async () => {
      const event = load('push');
      delete event.body;

      const result = await invoke(event);

      expect(result.statusCode).toBe(400);
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });

    it.each([
      [
        'project.path_with_namespace',
        payload((b) => delete (b.project as Record<string, unknown>).path_with_namespace),
      ],
      ['total_commits_count', payload((b) => (b.total_commits_count = '25'))],
      ['commits.0.id', payload((b) => ((b.commits as Record<string, unknown>[])[0]!.id = 'not-a-sha'))],
      ['object_kind', payload((b) => (b.object_kind = 'merge_request'))],
      ['(root)', (e: FunctionUrlEvent) => void (e.body = '"push"')],
      ['(root)', (e: FunctionUrlEvent) => void (e.body = '[1, 2]')],
    ])('answers 400 naming %s when the JSON is not a push payload', async (field, patch) => {
      const result = await invoke(load('push', patch));

      expect(result.statusCode).toBe(400);
      expect(result.body.reason).toEqual(expect.stringContaining(`not a push payload: ${field}:`));
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });

    it('answers 400 when neither Idempotency-Key nor X-Gitlab-Event-UUID is set', async () => {
      const result = await invoke(
        load('push', header('idempotency-key', undefined), header('x-gitlab-event-uuid', undefined)),
      );

      expect(result.statusCode).toBe(400);
      expect(result.body.reason).toMatch(/Idempotency-Key or X-Gitlab-Event-UUID/);
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
      expect(metricNames()).toContain('PermanentFailure');
    });

    it('answers 400 from the factory to an event that is not a Function URL event', async () => {
      const result = await invoke({ body: '{}', headers: { 'x-gitlab-token': TOKEN } });

      expect(result.statusCode).toBe(400);
      expect(result.body.reason).toMatch(/does not match its schema/);
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });
  });

  describe('202 accepted, nothing to do', () => {
    it.each([
      ['Merge Request Hook', header('x-gitlab-event', 'Merge Request Hook')],
      [
        'Pipeline Hook with a non-push body',
        (e: FunctionUrlEvent) => {
          e.headers['x-gitlab-event'] = 'Pipeline Hook';
          e.body = '{"object_kind":"pipeline"}';
        },
      ],
      ['no X-Gitlab-Event', header('x-gitlab-event', undefined)],
    ])('ignores %s (a 4xx would get the hook disabled)', async (_name, patch) => {
      const result = await invoke(load('push', patch));

      expect(result.statusCode).toBe(202);
      expect(result.body).toMatchObject({
        outcome: 'ignored',
        reason: expect.stringMatching(/is not a push$/),
      });
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });

    it.each([
      ['a deleted branch', 'push'],
      ['a deleted tag', 'tag-push'],
    ])('ignores %s', async (_name, name) => {
      const deleted = payload((b) => {
        b.before = b.after;
        b.after = '0'.repeat(40);
        b.checkout_sha = null;
      });

      const result = await invoke(load(name, deleted));

      expect(result.statusCode).toBe(202);
      expect(result.body).toMatchObject({
        outcome: 'ignored',
        reason: expect.stringMatching(/was deleted$/),
      });
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });

    it('answers no-match, saying why, when no rule matches', async () => {
      const result = await invoke(load('push.no-match'));

      expect(result.statusCode).toBe(202);
      expect(result.body).toEqual({
        outcome: 'no-match',
        reason: expect.stringContaining(
          'runner-images: project platform/website is not platform/runner-images',
        ),
      });
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });
  });

  describe('202 deferred: PutEvents keeps failing, the fallback topic holds the push', () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    it.each<[string, () => void]>([
      [
        'reports failed entries',
        () =>
          void eventBridge.on(PutEventsCommand).resolves({
            FailedEntryCount: 1,
            Entries: [
              { EventId: 'event-1' },
              { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
            ],
          }),
      ],
      ['is throttled past its retries', () => void eventBridge.on(PutEventsCommand).rejects(throttled)],
    ])('answers 202 deferred when PutEvents %s, counting Deferred', async (_name, failPutEvents) => {
      failPutEvents();
      sns.on(PublishCommand).resolves({ MessageId: 'message-1' });

      const result = await invoke(load('push'));

      expect(result.statusCode).toBe(202);
      expect(result.body).toEqual({
        outcome: 'deferred',
        reason: 'push to platform/runner-images main (fdca6c00) matched rule runner-images',
        pipelines: ['jobs', 'manager'],
        rules: ['runner-images'],
        messageId: 'message-1',
        itemCount: 2,
      });
      expect(metricNames()).toContain('Deferred');
      expect(metricNames()).not.toContain('TransientFailure');
      expect(logEntries().filter((l) => l.level === 'WARN')).toEqual([
        expect.objectContaining({ message: 'PutEvents failed: handing the entries to the fallback topic' }),
      ]);
    });

    it('hands the fallback the very entries it could not put, idempotency keys included', async () => {
      eventBridge.on(PutEventsCommand).rejects(throttled);
      sns.on(PublishCommand).resolves({ MessageId: 'message-1' });

      await invoke(load('push'));

      const put = sentEntries();
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
      const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
      expect(input.TopicArn).toBe(FALLBACK);
      expect(input.Subject).toBeUndefined();
      const message = v.parse(RedriveMessage, JSON.parse(input.Message ?? ''));
      expect(message).toEqual({
        origin: 'gitlab:b1e4f7a2-6c3d-4e5f-8a9b-0c1d2e3f4a5b',
        entries: put.map((e) => ({ detailType: e.DetailType, detail: e.Detail })),
      });
      expect(message.entries.map((e) => (e.detail as { idempotencyKey: string }).idempotencyKey)).toEqual([
        'gitlab:b1e4f7a2-6c3d-4e5f-8a9b-0c1d2e3f4a5b:jobs',
        'gitlab:b1e4f7a2-6c3d-4e5f-8a9b-0c1d2e3f4a5b:manager',
      ]);
    });

    it('does not touch the fallback when PutEvents succeeds', async () => {
      await invoke(load('push'));

      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    });
  });

  describe('503: the push is lost only when the fallback fails too', () => {
    it('answers 503 when PutEvents and the fallback topic both fail, logging both errors', async () => {
      eventBridge
        .on(PutEventsCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      sns
        .on(PublishCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AuthorizationErrorException' }));

      const result = await invoke(load('push'));

      expect(result.statusCode).toBe(503);
      expect(result.body).toEqual({ outcome: 'failed', reason: 'temporary failure, retry later' });
      expect(metricNames()).toContain('TransientFailure');
      expect(metricNames()).not.toContain('Deferred');
      const failed = logEntries().find((l) => l.message === 'failed') as { error: { message: string } };
      expect(failed.error.message).toMatch(/PutEvents and the fallback topic both failed/);
      expect(output()).toContain('Rate exceeded');
      expect(output()).toContain('denied');
    });

    it('answers 503 without putting events when the secret cannot be read', async () => {
      ssm
        .on(GetParameterCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

      const result = await invoke(load('push'));

      expect(result.statusCode).toBe(503);
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });

    it('answers 503 when its config is missing, and reads the config once', async () => {
      await invoke(load('push'));
      delete process.env[CONFIG_ENV];

      const kept = await invoke(load('push'));
      resetSettings();
      const missing = await invoke(load('push'));

      expect(kept.statusCode).toBe(200);
      expect(missing.statusCode).toBe(503);
    });
  });

  describe('the secret never leaks', () => {
    const cases: [string, () => FunctionUrlEvent, number][] = [
      ['queued', () => load('push'), 200],
      ['wrong token', () => load('push', header('x-gitlab-token', WRONG)), 401],
      ['too large', () => load('push', (e) => void (e.body = ' '.repeat(2 * 1024 * 1024))), 413],
      ['not JSON', () => load('push', (e) => void (e.body = '{')), 400],
      [
        'not a push',
        () =>
          load(
            'push',
            payload((b) => delete b.ref),
          ),
        400,
      ],
      [
        'no delivery id',
        () => load('push', header('idempotency-key', undefined), header('x-gitlab-event-uuid', undefined)),
        400,
      ],
      ['other event', () => load('push', header('x-gitlab-event', 'Issue Hook')), 202],
      ['no match', () => load('push.no-match'), 202],
    ];

    it.each(cases)(
      '%s: neither the token nor the secret is in any log line or the answer',
      async (_name, event, status) => {
        const result = await invoke(event());

        expect(result.statusCode).toBe(status);
        expect(logEntries().length).toBeGreaterThan(0);
        expect(output()).not.toContain(TOKEN);
        expect(output()).not.toContain(WRONG);
        expect(result.raw).not.toContain(TOKEN);
      },
    );

    it('503 from PutEvents and the fallback: the token is in no log line', async () => {
      eventBridge
        .on(PutEventsCommand)
        .resolves({ FailedEntryCount: 2, Entries: [{ ErrorCode: 'InternalFailure' }] });
      sns.on(PublishCommand).rejects(new Error('InternalError'));

      await invoke(load('push'));

      expect(output()).not.toContain(TOKEN);
    });
  });
});
