import { CloudWatchClient, DescribeAlarmsCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import * as v from '../../../functions/shared/valibot';

import { type AlarmMemory, decideRecheck } from '../../../functions/alert/decide';
import { handler, resetSettings } from '../../../functions/alert/handler';
import { recheckScheduleName } from '../../../functions/alert/recheck';
import { AlertRequest } from '../../../functions/alert/schema';
import type { AlertSettings } from '../../../functions/alert/settings';
import { resetSchedulerClient } from '../../../functions/shared/aws/scheduler';
import { resetSnsClient } from '../../../functions/shared/aws/sns';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { installDocumentTable, type Item, keyOf } from '../../../rehearsal/document-table';
import { context } from '../../../rehearsal/context';
import { alarmSample, type Sample, SETTINGS } from './samples';
import { resetCloudWatchClient } from '../../../functions/shared/aws/cloudwatch-client';
import { resetDocumentClient } from '../../../functions/shared/aws/dynamodb';

/** Re-checks of alarms the rate limit held back: scheduled at the window's end, sent when the state differs. */

const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const scheduler = mockClient(SchedulerClient);
const cloudWatch = mockClient(CloudWatchClient);

const RECHECK = {
  targetArn: 'arn:aws:lambda:us-east-2:123456789012:function:gitlab-runners-autopilot-alert',
  roleArn: 'arn:aws:iam::123456789012:role/gitlab-runners-alert-scheduler',
  groupName: 'gitlab-runners-alerts',
  deadLetterArn: 'arn:aws:sqs:us-east-2:123456789012:gitlab-runners-delivery-failures',
};
/** SNS only: chat delivery is handler.test.ts's subject. */
const CFG: AlertSettings = { ...SETTINGS, chat: [], recheck: RECHECK };
const NAME = 'gitlab-runners-autopilot-start-bake-PermanentFailureAlarm';

let items: Map<string, Item>;

const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const run = (event: object) => handler(event, context('alert'));
const at = (iso: string) => jest.setSystemTime(new Date(iso));
const change = (value: string, timestamp: string): Sample => {
  const sample = alarmSample('singleMetric');
  return {
    ...sample,
    id: `${sample.id}-${value}-${timestamp}`,
    detail: { ...sample.detail, state: { ...(sample.detail.state as object), value, timestamp } },
  };
};
const alarmNow = (StateValue: StateValue, updated: string) =>
  cloudWatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: NAME,
        StateValue,
        StateUpdatedTimestamp: new Date(updated),
        StateReason: `Threshold Crossed: the alarm is ${StateValue}`,
      },
    ],
  });

/** ALARM sent at 03:15, OK sent at 03:20, ALARM at 03:25 held back: the window ends at 03:45. */
const flap = async () => {
  at('2026-11-30T03:15:00.000Z');
  await run(change('ALARM', '2026-11-30T03:15:00.000+0000'));
  at('2026-11-30T03:20:00.000Z');
  await run(change('OK', '2026-11-30T03:20:00.000+0000'));
  at('2026-11-30T03:25:00.000Z');
  const held = await run(change('ALARM', '2026-11-30T03:25:00.000+0000'));
  sns.resetHistory();
  return held;
};

describe('alert re-checks', () => {
  const env = { ...process.env };
  beforeEach(() => {
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    ddb.reset();
    sns.reset();
    scheduler.reset();
    cloudWatch.reset();
    ddb.onAnyCommand().rejects(new Error('unexpected DynamoDB call'));
    sns.onAnyCommand().rejects(new Error('unexpected SNS call'));
    scheduler.onAnyCommand().rejects(new Error('unexpected Scheduler call'));
    cloudWatch.onAnyCommand().rejects(new Error('unexpected CloudWatch call'));
    items = installDocumentTable(ddb, { tableName: SETTINGS.stateTable }).items;
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    resetSettings();
    resetDocumentClient();
    resetSnsClient();
    resetSchedulerClient();
    resetCloudWatchClient();
    process.env[CONFIG_ENV] = JSON.stringify(CFG);
  });
  afterEach(() => {
    jest.useRealTimers();
    process.env = { ...env };
  });

  it('schedules a re-check at the end of the rate-limit window when the rate limit holds an ALARM back', async () => {
    const held = await flap();

    const name = recheckScheduleName(NAME, '2026-11-30T03:45:00.000Z', SETTINGS.alarmNamePrefix);
    expect(held).toEqual({
      outcome: 'suppressed',
      reason: 'rate-limited',
      recheckAt: '2026-11-30T03:45:00.000Z',
      recheckSchedule: name,
    });
    expect(name).toBe('recheck-20261130T034500Z-start-bake-PermanentFailureAlarm');
    expect(scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input)).toEqual([
      {
        Name: name,
        GroupName: 'gitlab-runners-alerts',
        ScheduleExpression: 'at(2026-11-30T03:45:00)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Description: `Re-check of a rate-limited alarm: ${NAME}`,
        Target: {
          Arn: RECHECK.targetArn,
          RoleArn: RECHECK.roleArn,
          Input: JSON.stringify({ recheck: NAME }),
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: RECHECK.deadLetterArn },
        },
      },
    ]);
    expect(published()).toEqual([]);
  });

  it('asks for the same schedule for every ALARM held back in one window, and takes the conflict as done', async () => {
    await flap();
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ Message: 'exists', message: 'exists', $metadata: {} }));
    at('2026-11-30T03:30:00.000Z');
    await run(change('OK', '2026-11-30T03:30:00.000+0000'));
    at('2026-11-30T03:35:00.000Z');

    const again = await run(change('ALARM', '2026-11-30T03:35:00.000+0000'));

    expect(again).toMatchObject({ outcome: 'suppressed', reason: 'rate-limited' });
    const names = scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input.Name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(1);
  });

  it('schedules nothing for an ALARM sent or an OK', async () => {
    at('2026-11-30T03:15:00.000Z');
    await run(change('ALARM', '2026-11-30T03:15:00.000+0000'));
    at('2026-11-30T03:20:00.000Z');
    await run(change('OK', '2026-11-30T03:20:00.000+0000'));

    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
  });

  it('sends the ALARM when the alarm is still in ALARM after the OK that was sent', async () => {
    await flap();
    alarmNow('ALARM', '2026-11-30T03:25:00.000Z');
    at('2026-11-30T03:45:20.000Z');

    const result = await run({ recheck: NAME });

    expect(result).toMatchObject({ outcome: 'sent', status: 'firing', severity: 'critical', sentCount: 1 });
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toMatchObject({
      AlarmNames: [NAME],
    });
    const [message] = published();
    // The held-back event's configuration gives the title and runbook.
    expect(message?.Subject).toMatch(/^\[CRITICAL\] gitlab-runners: start-bake refused an input for good/);
    expect(message?.Message).toContain('Threshold Crossed: the alarm is ALARM');
    expect(message?.Message).toContain('Held back: 1 state change(s)');
    expect(items.get(keyOf({ pk: `ALERT#ALARM#${NAME}`, sk: 'STATE' }))).toMatchObject({
      memory: { lastSentState: 'ALARM', lastAlarmSentAt: '2026-11-30T03:45:20.000Z', held: 0 },
    });
  });

  it('sends nothing when the alarm is in the state last sent', async () => {
    await flap();
    at('2026-11-30T03:30:00.000Z');
    await run(change('OK', '2026-11-30T03:30:00.000+0000'));
    alarmNow('OK', '2026-11-30T03:30:00.000Z');
    at('2026-11-30T03:45:20.000Z');
    const before = new Map(items);

    const result = await run({ recheck: NAME });

    expect(result).toEqual({ outcome: 'suppressed', reason: 'unchanged', state: 'OK' });
    expect(published()).toEqual([]);
    expect(items).toEqual(before);
  });

  it('sends once when the re-check is delivered twice', async () => {
    await flap();
    alarmNow('ALARM', '2026-11-30T03:25:00.000Z');
    at('2026-11-30T03:45:20.000Z');

    const first = await run({ recheck: NAME });
    const second = await run({ recheck: NAME });

    expect(first).toMatchObject({ outcome: 'sent' });
    expect(second).toEqual({ outcome: 'suppressed', reason: 'duplicate' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('holds back a late delivery of the change the re-check already sent', async () => {
    await flap();
    alarmNow('ALARM', '2026-11-30T03:25:00.000Z');
    at('2026-11-30T03:45:20.000Z');
    await run({ recheck: NAME });

    const late = await run({ ...change('ALARM', '2026-11-30T03:25:00.000+0000'), id: 'redelivered' });

    expect(late).toMatchObject({ outcome: 'suppressed' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('sends nothing for an alarm that no longer exists', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    expect(await run({ recheck: NAME })).toEqual({ outcome: 'suppressed', reason: 'alarm-not-found' });
  });

  it("refuses to re-check an alarm outside the stack's prefix", async () => {
    expect(await run({ recheck: 'someone-elses-alarm' })).toMatchObject({ outcome: 'rejected' });
    expect(cloudWatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 0);
  });
});

describe('AlertRequest', () => {
  it('accepts the re-check input', () => {
    expect(v.parse(AlertRequest, { recheck: NAME })).toEqual({ recheck: NAME });
  });

  it('still accepts the events', () => {
    expect(v.parse(AlertRequest, alarmSample('singleMetric'))).toMatchObject({ source: 'aws.cloudwatch' });
  });

  it.each([{ recheck: '' }, { recheck: NAME, extra: 1 }, {}])('refuses %j', (input) => {
    expect(v.safeParse(AlertRequest, input).success).toBe(false);
  });
});

describe('decideRecheck', () => {
  const NOW = new Date('2026-11-30T03:45:20.000Z');
  const memory = (overrides: Partial<AlarmMemory>): AlarmMemory => ({
    lastTransitionAt: '2026-11-30T03:25:00.000Z',
    lastSentKey: 'earlier',
    lastSentState: 'OK',
    lastAlarmSentAt: '2026-11-30T03:15:00.000Z',
    held: 1,
    ...overrides,
  });
  const state = (value: string, updated = '2026-11-30T03:30:00.000Z') => ({
    state: value,
    updatedAt: new Date(updated),
  });

  it('sends "resolved" when the alarm is OK and ALARM was the last sent', () => {
    expect(decideRecheck(NAME, state('OK'), memory({ lastSentState: 'ALARM' }), NOW)).toMatchObject({
      kind: 'send',
      status: 'resolved',
      key: `alarm|${NAME}|OK|2026-11-30T03:30:00.000Z|recheck`,
      memory: { lastSentState: 'OK', lastAlarmSentAt: '2026-11-30T03:15:00.000Z', held: 0 },
    });
  });

  it('sends nothing for an OK when nothing was ever sent', () => {
    expect(decideRecheck(NAME, state('OK'), undefined, NOW)).toEqual({
      kind: 'suppress',
      reason: 'unchanged',
    });
  });

  it('sends nothing for INSUFFICIENT_DATA', () => {
    expect(decideRecheck(NAME, state('INSUFFICIENT_DATA'), memory({}), NOW)).toMatchObject({
      kind: 'suppress',
      reason: 'insufficient-data',
    });
  });

  it('decides "send" again, without new memory, for a re-check it already sent (a retry)', () => {
    const first = decideRecheck(NAME, state('ALARM'), memory({}), NOW);
    if (first.kind !== 'send' || !first.memory) throw new Error('expected a send with memory');

    expect(decideRecheck(NAME, state('ALARM'), first.memory, NOW)).toEqual({
      kind: 'send',
      status: 'firing',
      key: first.key,
      held: 0,
    });
  });
});
