import { resetSecretCache } from '../../../functions/shared/aws/secrets';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import * as v from '../../../functions/shared/valibot';

import { handler, resetSettings } from '../../../functions/alert/handler';
import { contentKey } from '../../../functions/alert/decide';
import { AlertInput } from '../../../functions/alert/schema';
import { deliveryKey } from '../../../functions/alert/store';
import { resetEc2Client } from '../../../functions/shared/aws/ec2';
import { resetSnsClient } from '../../../functions/shared/aws/sns';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { installDocumentTable, type Item, keyOf } from '../../../rehearsal/document-table';
import { context } from '../../../rehearsal/context';
import { jsonLines, logEntries, metricNames, output } from '../../helpers/output';
import {
  alarmSample,
  bakeFailed,
  CANARY,
  configApplyFailed,
  configDriftDetected,
  imageReady,
  MANAGER_INSTANCE,
  rolloutFailed,
  type Sample,
  SETTINGS,
} from './samples';
import { resetDocumentClient } from '../../../functions/shared/aws/dynamodb';

const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const secretsManager = mockClient(SecretsManagerClient);

const HOOKS = {
  slack: 'https://hooks.slack.com/services/T0001/B0001/slack-secret-path',
  mattermost: 'https://chat.example.com/hooks/mattermost-secret-path',
  teams:
    'https://prod-00.westeurope.logic.azure.com/workflows/teams-secret-path/triggers/manual/paths/invoke',
} as const;
type Kind = keyof typeof HOOKS;
const href = (url: string | URL | Request): string =>
  typeof url === 'string' ? url : url instanceof URL ? url.href : url.url;
const kindOf = (url: string): Kind =>
  (Object.entries(HOOKS).find(([, u]) => u === url)?.[0] ?? 'unknown') as Kind;

let items: Map<string, Item>;
const deliveries = () => [...items.values()].filter((i) => i.sk === 'DELIVERY');
const itemAt = (pk: string, sk: string) => items.get(keyOf({ pk, sk }));

/** What each chat endpoint answers; every POST is recorded with its parsed body. */
let answers: Partial<Record<Kind, number>>;
let posts: { kind: Kind; body: Record<string, unknown> }[];
const stubFetch = () =>
  jest.spyOn(global, 'fetch').mockImplementation((url, init) => {
    const kind = kindOf(href(url));
    posts.push({ kind, body: JSON.parse(init?.body as string) as Record<string, unknown> });
    const status = answers[kind] ?? (kind === 'teams' ? 202 : 200);
    return Promise.resolve(new Response(status < 300 ? 'ok' : 'no_service', { status }));
  });

const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const run = (event: Sample) => handler(event, context('alert'));
const withState = (sample: Sample, value: string, timestamp: string): Sample => {
  const state = sample.detail.state as Record<string, unknown>;
  return {
    ...sample,
    id: `${sample.id}-${value}-${timestamp}`,
    detail: { ...sample.detail, state: { ...state, value, timestamp } },
  };
};

describe('alert handler', () => {
  const env = { ...process.env };
  beforeEach(() => {
    ddb.reset();
    sns.reset();
    ec2.reset();
    ssm.reset();
    secretsManager.reset();
    ddb.onAnyCommand().rejects(new Error('unexpected DynamoDB call'));
    sns.onAnyCommand().rejects(new Error('unexpected SNS call'));
    ec2.onAnyCommand().rejects(new Error('unexpected EC2 call'));
    ssm.onAnyCommand().rejects(new Error('unexpected SSM call'));
    secretsManager.onAnyCommand().rejects(new Error('unexpected Secrets Manager call'));
    answers = {};
    posts = [];
    items = installDocumentTable(ddb, { tableName: SETTINGS.stateTable }).items;
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    ssm
      .on(GetParameterCommand, { Name: '/runner-autopilot/chat/slack' })
      .resolves({ Parameter: { Value: `${HOOKS.slack}\n` } });
    ssm
      .on(GetParameterCommand, { Name: '/runner-autopilot/chat/mattermost' })
      .resolves({ Parameter: { Value: HOOKS.mattermost } });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'runner-autopilot/chat/teams' })
      .resolves({ SecretString: HOOKS.teams });
    stubFetch();
    resetSecretCache();
    resetSettings();
    resetDocumentClient();
    resetDocumentClient();
    resetSnsClient();
    resetEc2Client();
    process.env[CONFIG_ENV] = JSON.stringify(SETTINGS);
  });
  afterEach(() => {
    process.env = { ...env };
  });

  describe('a single-metric alarm', () => {
    it('publishes to the topic and posts to every chat channel in its own format', async () => {
      const result = await run(alarmSample('singleMetric'));

      expect(result).toMatchObject({
        outcome: 'sent',
        status: 'firing',
        severity: 'critical',
        sentCount: 4,
        failedChannels: [],
      });
      expect(published()).toEqual([
        {
          TopicArn: SETTINGS.topicArn,
          // Cut to SNS's limit (under 100 characters).
          Subject:
            '[CRITICAL] gitlab-runners: start-bake refused an input for good (bad event, unknown pipeline, re...',
          Message: expect.stringContaining('What to do:\nread the ERROR lines with errorKind "permanent"'),
        },
      ]);
      expect(posts.map((p) => p.kind).sort()).toEqual(['mattermost', 'slack', 'teams']);
      expect(posts.find((p) => p.kind === 'slack')?.body).toMatchObject({
        text: expect.any(String),
        blocks: expect.any(Array),
      });
      expect(posts.find((p) => p.kind === 'mattermost')?.body).toMatchObject({
        attachments: [expect.objectContaining({ fallback: expect.any(String) })],
      });
      expect(posts.find((p) => p.kind === 'teams')?.body).toMatchObject({
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: expect.objectContaining({ type: 'AdaptiveCard' }),
          },
        ],
      });
      expect(deliveries()).toEqual([
        expect.objectContaining({
          status: 'done',
          channels: {
            sns: 'sent',
            'chat:ops-slack': 'sent',
            'chat:ops-mattermost': 'sent',
            'chat:ops-teams': 'sent',
          },
        }),
      ]);
    });

    it('sends a resolved message when the alarm returns to OK', async () => {
      await run(alarmSample('singleMetric'));
      sns.resetHistory();

      const result = await run(alarmSample('singleMetricOk'));

      expect(result).toMatchObject({ outcome: 'sent', status: 'resolved', severity: 'info' });
      expect(published()[0]?.Subject).toMatch(/^\[RESOLVED\] gitlab-runners: Resolved: start-bake refused/);
    });

    it('sends nothing for an OK when no ALARM was sent before it', async () => {
      const result = await run(alarmSample('singleMetricOk'));

      expect(result).toEqual({ outcome: 'suppressed', reason: 'ok-without-alarm' });
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
      expect(posts).toEqual([]);
      expect(deliveries()).toEqual([
        expect.objectContaining({ status: 'done', outcome: 'suppressed:ok-without-alarm', channels: {} }),
      ]);
    });

    it('never reads or describes instances when the alarm names none', async () => {
      await run(alarmSample('singleMetric'));

      expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
    });
  });

  describe('duplicates', () => {
    it('sends one message for two deliveries of the same event', async () => {
      await run(alarmSample('singleMetric'));

      const again = await run(alarmSample('singleMetric'));

      expect(again).toEqual({ outcome: 'suppressed', reason: 'duplicate' });
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
      expect(posts).toHaveLength(3);
    });

    it('sends one message for the same state change under another event id', async () => {
      await run(alarmSample('singleMetric'));

      const again = await run({ ...alarmSample('singleMetric'), id: 'another-delivery' });

      expect(again).toMatchObject({ outcome: 'suppressed', reason: 'duplicate' });
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    });

    it('asks for a retry while another invocation is delivering the same message', async () => {
      const key = deliveryKey(contentKey(v.parse(AlertInput, alarmSample('singleMetric'))));
      items.set(keyOf(key), {
        ...key,
        status: 'pending',
        holder: 'someone-else',
        leaseUntil: Date.now() / 1000 + 40,
        channels: {},
      });

      await expect(run(alarmSample('singleMetric'))).rejects.toThrow(/another invocation is delivering/);
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    });
  });

  describe('a flapping alarm', () => {
    it('is rate-limited: a second ALARM within rateLimitMinutes is held back', async () => {
      const sample = alarmSample('singleMetric');
      await run(withState(sample, 'ALARM', '2026-11-30T03:15:00.000+0000'));
      await run(withState(sample, 'OK', '2026-11-30T03:20:00.000+0000'));
      sns.resetHistory();
      posts = [];

      const third = await run(withState(sample, 'ALARM', '2026-11-30T03:25:00.000+0000'));
      const fourth = await run(withState(sample, 'OK', '2026-11-30T03:30:00.000+0000'));

      expect(third).toEqual({ outcome: 'suppressed', reason: 'rate-limited' });
      expect(fourth).toEqual({ outcome: 'suppressed', reason: 'ok-without-alarm' });
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
      expect(posts).toEqual([]);
    });
  });

  describe('metric-math and composite alarms', () => {
    it('sends a metric-math alarm with its expression, its fleet and its warning severity', async () => {
      const result = await run(alarmSample('metricMath'));

      expect(result).toMatchObject({ outcome: 'sent', severity: 'warning', fleet: 'jobs-docker' });
      expect(published()[0]?.Message).toContain(
        'Expression: Idle share (%): 100 * idle / IF(total > 0, total, 1)',
      );
    });

    it('sends a composite alarm with its rule and the alarm that set it off', async () => {
      const result = await run(alarmSample('composite'));

      expect(result).toMatchObject({ outcome: 'sent', severity: 'critical' });
      expect(published()[0]?.Message).toContain(
        'Triggered by: gitlab-runners-autopilot-manager-runner-system-failures',
      );
    });
  });

  describe('a failing chat endpoint', () => {
    it('does not stop the others, is retried alone, and the retry resends nothing else', async () => {
      answers.slack = 503;

      await expect(run(alarmSample('singleMetric'))).rejects.toThrow(/delivery to chat:ops-slack failed/);

      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
      expect(posts.map((p) => p.kind).sort()).toEqual(['mattermost', 'slack', 'teams']);
      expect(deliveries()[0]).toMatchObject({
        status: 'pending',
        channels: { sns: 'sent', 'chat:ops-mattermost': 'sent', 'chat:ops-teams': 'sent' },
      });

      answers.slack = 200;
      posts = [];
      const retry = await run(alarmSample('singleMetric'));

      expect(retry).toMatchObject({ outcome: 'sent', sentCount: 1, alreadySentCount: 3 });
      expect(posts.map((p) => p.kind)).toEqual(['slack']);
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
      expect(deliveries()[0]).toMatchObject({ status: 'done' });
    });

    it('retries a timeout like a 5xx', async () => {
      jest.spyOn(global, 'fetch').mockImplementation((url) =>
        kindOf(href(url)) === 'teams'
          ? Promise.reject(
              Object.assign(new Error('The operation was aborted due to timeout'), {
                name: 'TimeoutError',
              }),
            )
          : Promise.resolve(new Response('ok', { status: 200 })),
      );

      await expect(run(alarmSample('singleMetric'))).rejects.toThrow(/chat:ops-teams/);
      expect(deliveries()[0]).toMatchObject({
        status: 'pending',
        channels: { sns: 'sent', 'chat:ops-slack': 'sent' },
      });
    });

    it('counts a refused hook (4xx) as a permanent failure of that channel, logs it and does not retry', async () => {
      answers.teams = 404;

      const result = await run(alarmSample('singleMetric'));

      expect(result).toMatchObject({ outcome: 'sent', sentCount: 3, failedChannels: ['chat:ops-teams'] });
      expect(metricNames()).toContain('ChatDeliveryFailed');
      expect(jsonLines().find((l) => 'ChatDeliveryFailed' in l)).toMatchObject({
        channel: 'ops-teams',
        service: 'alert',
        ChatDeliveryFailed: 1,
      });
      expect(logEntries()).toContainEqual(
        expect.objectContaining({
          level: 'ERROR',
          message: 'chat delivery failed for good',
          channel: 'ops-teams',
          status: 404,
          errorKind: 'permanent',
        }),
      );
      expect(deliveries()[0]).toMatchObject({
        status: 'done',
        channels: expect.objectContaining({ 'chat:ops-teams': 'failed' }),
      });
      await expect(run(alarmSample('singleMetric'))).resolves.toMatchObject({ reason: 'duplicate' });
    });

    it('counts a missing URL secret as a permanent failure of that channel', async () => {
      ssm
        .on(GetParameterCommand, { Name: '/runner-autopilot/chat/slack' })
        .rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));

      const result = await run(alarmSample('singleMetric'));

      expect(result).toMatchObject({ outcome: 'sent', failedChannels: ['chat:ops-slack'] });
      expect(logEntries()).toContainEqual(
        expect.objectContaining({
          channel: 'ops-slack',
          error: 'parameter /runner-autopilot/chat/slack does not exist: create it',
        }),
      );
    });

    it('logs only the status of a refusal whose body repeats the webhook URL (a proxy error page)', async () => {
      jest
        .spyOn(global, 'fetch')
        .mockImplementation((url) =>
          Promise.resolve(
            kindOf(href(url)) === 'slack'
              ? new Response(`<html>502 Bad Gateway: upstream ${HOOKS.slack} refused</html>`, { status: 502 })
              : new Response('ok', { status: 200 }),
          ),
        );

      await expect(run(alarmSample('singleMetric'))).rejects.toThrow(/chat:ops-slack/);

      expect(logEntries()).toContainEqual(
        expect.objectContaining({
          message: 'delivery failed, will retry',
          channel: 'ops-slack',
          status: 502,
        }),
      );
      expect(output()).not.toContain('slack-secret-path');
      expect(output()).not.toContain('hooks.slack.com');
    });

    it('never writes a webhook URL to the logs', async () => {
      answers.slack = 403;
      answers.mattermost = 500;

      await expect(run(alarmSample('singleMetric'))).rejects.toThrow();

      expect(output()).not.toMatch(/secret-path/);
    });
  });

  describe('SNS', () => {
    it('retries a failed publish, without posting to the chat channels again', async () => {
      sns.on(PublishCommand).rejectsOnce(new Error('throttled')).resolves({ MessageId: 'm-2' });

      await expect(run(alarmSample('singleMetric'))).rejects.toThrow(/delivery to sns failed/);
      posts = [];
      await expect(run(alarmSample('singleMetric'))).resolves.toMatchObject({
        outcome: 'sent',
        sentCount: 1,
      });

      expect(posts).toEqual([]);
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    });
  });

  describe('our failure events', () => {
    const ledgerItem = {
      pk: 'FLEET#jobs-docker',
      sk: 'ROLLOUT#c-3f9a1b7e2d',
      fleet: 'jobs-docker',
      candidateId: 'c-3f9a1b7e2d',
      canaryInstanceId: CANARY,
      candidateVersion: 12,
      previousDefault: 11,
      amiId: 'ami-0aaaabbbbccccdddd',
      history: [],
    };

    it('describes the canary of a failed rollout: its age, AMI and LT version', async () => {
      items.set(keyOf(ledgerItem), ledgerItem);
      ec2.on(DescribeInstancesCommand).resolves({
        Reservations: [
          {
            Instances: [
              {
                InstanceId: CANARY,
                State: { Name: 'running' },
                // 14 minutes before the event: ages are told as of the event.
                LaunchTime: new Date('2026-11-30T02:48:44Z'),
                ImageId: 'ami-0aaaabbbbccccdddd',
                Tags: [
                  { Key: 'aws:ec2launchtemplate:version', Value: '12' },
                  { Key: 'aws:autoscaling:groupName', Value: 'gitlab-runner-ao-group-docker' },
                ],
              },
            ],
          },
        ],
      });

      const result = await run(rolloutFailed());

      expect(result).toMatchObject({
        outcome: 'sent',
        severity: 'warning',
        fleet: 'jobs-docker',
        instanceCount: 1,
      });
      expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
        Filters: [{ Name: 'instance-id', Values: [CANARY] }],
      });
      expect(published()[0]?.Message).toMatch(
        new RegExp(`- ${CANARY} \\(running\\), age 14m, AMI ami-0aaaabbbbccccdddd, LT version 12`),
      );
      expect(published()[0]?.Message).toContain('LT version: 12 (default was 11)');
    });

    it('still alerts, with the ids only, when EC2 cannot be read', async () => {
      ec2.on(DescribeInstancesCommand).rejects(new Error('UnauthorizedOperation'));

      const result = await run(configDriftDetected());

      expect(result).toMatchObject({ outcome: 'sent', instanceCount: 1 });
      expect(published()[0]?.Message).toContain(`- ${MANAGER_INSTANCE} (unknown)`);
    });

    it('sends a failed config apply', async () => {
      await expect(run(configApplyFailed())).resolves.toMatchObject({
        outcome: 'sent',
        title: 'Config apply to manager fleet manager failed (failed-restored)',
      });
    });

    it('sends one alert for a pipeline whose bakes keep failing, not one a night', async () => {
      await run(bakeFailed());
      const nextNight = bakeFailed({
        imageArn: 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.4023/1',
      });

      const result = await run({ ...nextNight, id: 'next-night', time: '2026-12-01T02:41:07Z' });

      expect(result).toEqual({ outcome: 'suppressed', reason: 'repeated-bake-failure' });
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
      expect(itemAt('ALERT#BAKE#jobs', 'STATE')).toMatchObject({ memory: { failures: 2 }, version: 2 });
    });
  });

  describe('Image Ready', () => {
    const nextImage = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.4024/1';

    it("sends nothing and ends the pipeline's bake streak", async () => {
      await run(bakeFailed());
      sns.resetHistory();
      posts = [];

      const result = await run(imageReady());

      expect(result).toEqual({ outcome: 'streak-reset', pipeline: 'jobs', failures: 1 });
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
      expect(posts).toEqual([]);
      expect(itemAt('ALERT#BAKE#jobs', 'STATE')).toMatchObject({
        memory: {
          failures: 1,
          endedAt: imageReady().time,
          endedBy: (imageReady().detail as { imageArn: string }).imageArn,
        },
        version: 2,
      });
      expect(metricNames()).toContain('StreakReset');
    });

    it('is idempotent: a redelivery changes nothing', async () => {
      await run(bakeFailed());
      await run(imageReady());
      const stored = itemAt('ALERT#BAKE#jobs', 'STATE');

      const result = await run({ ...imageReady(), id: 'redelivered' });

      expect(result).toEqual({ outcome: 'nothing-to-do', pipeline: 'jobs' });
      expect(itemAt('ALERT#BAKE#jobs', 'STATE')).toBe(stored);
      expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
    });

    it('has nothing to do for a pipeline without a streak, and writes nothing', async () => {
      const result = await run(imageReady());

      expect(result).toEqual({ outcome: 'nothing-to-do', pipeline: 'jobs' });
      expect(ddb).toHaveReceivedCommandTimes(PutCommand, 0);
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    });

    it('alerts a failure after a success: fails Monday, succeeds Tuesday, fails Wednesday', async () => {
      await expect(run(bakeFailed())).resolves.toMatchObject({ outcome: 'sent' });
      await expect(run(imageReady())).resolves.toMatchObject({ outcome: 'streak-reset' });

      const wednesday = {
        ...bakeFailed({ imageArn: nextImage }),
        id: 'wednesday',
        time: '2026-12-02T02:41:07Z',
      };
      const result = await run(wednesday);

      expect(result).toMatchObject({ outcome: 'sent', title: 'Bake of pipeline jobs failed' });
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
      expect(published()[1]?.Message).not.toContain('Earlier failures');
      expect(itemAt('ALERT#BAKE#jobs', 'STATE')).toMatchObject({
        memory: { failures: 1, lastFailureAt: '2026-12-02T02:41:07Z' },
        version: 3,
      });
      expect((itemAt('ALERT#BAKE#jobs', 'STATE')?.memory as Record<string, unknown>).endedAt).toBeUndefined();
    });
  });

  describe('bad input', () => {
    it('rejects an event it is not routed, sending nothing', async () => {
      const result = await run({ ...bakeFailed(), 'detail-type': 'Candidate Promoted' });

      expect(result).toMatchObject({ outcome: 'rejected' });
      expect(metricNames()).toContain('PermanentFailure');
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
    });
  });
});
