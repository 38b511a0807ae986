import { join } from 'node:path';

import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as v from '../../../functions/shared/valibot';

import { AlertSettings } from '../../../functions/alert/settings';
import type { SuiteConfig } from '../../../functions/shared/config';
import { AutopilotFunction } from '../../../infra/autopilot-function';
import { nameAlarms } from '../../../infra/health/alarm-names';
import { alertFunctionName, Alerts } from '../../../infra/health/alerts';
import { loadConfig } from '../../../infra/load-config';
import { LedgerTable } from '../../../infra/rollout/ledger-table';
import { testApp } from '../../helpers/app';
import { deployedSlice } from '../../helpers/function-config';
import { matchesPattern, resolveIntrinsics } from '../../../rehearsal/event-pattern';
import {
  alarmSample,
  bakeFailed,
  configApplyFailed,
  configDriftDetected,
  imageReady,
  rolloutFailed,
} from '../../functions/alert/samples';
import { fixture } from '../../helpers/fixtures';

const EXAMPLE = loadConfig(join(__dirname, '..', '..', '..', 'config', 'example.yaml'));
const CHAT: SuiteConfig['alerts']['chat'] = [
  { kind: 'slack', name: 'ops-slack', url: { parameter: '/runner-autopilot/chat/slack' } },
  { kind: 'teams', name: 'ops-teams', url: { secretsManager: 'runner-autopilot/chat/teams' } },
];

type Resource = { Properties: Record<string, unknown> };

const synth = (
  alerts: Partial<SuiteConfig['alerts']> = {},
  options: { ledger?: boolean; nag?: boolean } = {},
) => {
  const app = testApp();
  const stack = new Stack(app, 'gitlab-runners-autopilot', {
    env: { account: '123456789012', region: 'us-east-2' },
  });
  nameAlarms(stack);
  const bus = new EventBus(stack, 'Bus', { eventBusName: 'gitlab-runners-autopilot' });
  const deliveryFailures = new Queue(stack, 'DeliveryFailures', { enforceSSL: true });
  Validations.of(deliveryFailures).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: "The rules' dead-letter queue.",
  });
  const ledger =
    options.ledger === false
      ? undefined
      : new LedgerTable(stack, 'Ledger', { tableName: 'gitlab-runners-autopilot-ledger' });
  const config: SuiteConfig = { ...EXAMPLE, alerts: { ...EXAMPLE.alerts, ...alerts } };
  const construct = new Alerts(stack, 'Alerts', {
    config,
    bus,
    deliveryFailures,
    addFunction: (props) => new AutopilotFunction(stack, props.name, props),
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, alerts: construct, ledger, template: Template.fromStack(stack) };
};

const logicalId = (stack: Stack, element: unknown) => stack.getLogicalId(element as CfnElement);

describe('Alerts', () => {
  const emails = ['ops@example.com', 'oncall@example.com'];
  const { stack, alerts, ledger, template } = synth({ emails, chat: CHAT });
  const ruleOf = (rule: typeof alerts.alarmRule): Resource =>
    template.findResources('AWS::Events::Rule')[logicalId(stack, rule.node.defaultChild)] as Resource;
  const patternOf = (rule: typeof alerts.alarmRule) =>
    resolveIntrinsics(ruleOf(rule).Properties.EventPattern);

  describe('topic', () => {
    it('is encrypted with its own rotating key and refuses requests without TLS (cdk-nag SNS2, SNS3)', () => {
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack, alerts.key.node.defaultChild), 'Arn'] },
      });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it.each(emails)('subscribes %s by email', (email) => {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email });
    });

    it('lets CloudWatch (this account only) publish and use the key, for the direct alarm actions', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sns:Publish',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Principal: { Service: 'cloudwatch.amazonaws.com' },
            }),
          ]),
        },
      });
    });
  });

  describe('alarm rule', () => {
    it('sits on the default bus, where CloudWatch puts its events', () => {
      expect(ruleOf(alerts.alarmRule).Properties.EventBusName).toBeUndefined();
    });

    it.each(['singleMetric', 'singleMetricOk', 'metricMath', 'composite', 'rollbackAlarm'] as const)(
      'routes our %s sample',
      (sample) => {
        expect(matchesPattern(patternOf(alerts.alarmRule), alarmSample(sample))).toBe(true);
      },
    );

    it("leaves out another stack's alarm, even one whose name starts like our deployment", () => {
      const other = alarmSample('singleMetric');
      other.detail.alarmName = 'gitlab-runners-images-SomeAlarm';

      expect(matchesPattern(patternOf(alerts.alarmRule), other)).toBe(false);
    });

    it('leaves out INSUFFICIENT_DATA', () => {
      const noData = alarmSample('singleMetric');
      (noData.detail.state as { value: string }).value = 'INSUFFICIENT_DATA';

      expect(matchesPattern(patternOf(alerts.alarmRule), noData)).toBe(false);
    });
  });

  describe('failure event rule', () => {
    it('sits on our bus', () => {
      expect(ruleOf(alerts.eventRule).Properties.EventBusName).toEqual({
        Ref: logicalId(stack, stack.node.findChild('Bus').node.defaultChild),
      });
    });

    it.each([
      ['Bake Failed', bakeFailed()],
      ['Rollout Failed', rolloutFailed()],
      ['Config Apply Failed', configApplyFailed()],
      ['Config Drift Detected', configDriftDetected()],
      // Not alerted: it ends its pipeline's Bake Failed streak, so the next failure is.
      ['Image Ready', imageReady()],
    ])('routes %s', (_type, sample) => {
      expect(matchesPattern(patternOf(alerts.eventRule), sample)).toBe(true);
    });

    it('routes the Image Ready the producers put (events/ sample)', () => {
      expect(matchesPattern(patternOf(alerts.eventRule), fixture('runner-autopilot/image-ready.json'))).toBe(
        true,
      );
    });

    it.each(['Bake Requested', 'Candidate Promoted', 'Rollback Requested'])('leaves out %s', (detailType) => {
      expect(
        matchesPattern(patternOf(alerts.eventRule), { ...bakeFailed(), 'detail-type': detailType }),
      ).toBe(false);
    });
  });

  it.each(['alarm', 'event'] as const)(
    'retries the %s rule delivery and keeps what it cannot deliver',
    (which) => {
      const rule = which === 'alarm' ? alerts.alarmRule : alerts.eventRule;
      const [target] = ruleOf(rule).Properties.Targets as Record<string, unknown>[];

      expect(target).toMatchObject({
        Arn: { 'Fn::GetAtt': [logicalId(stack, alerts.function.function.node.defaultChild), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: {
          Arn: {
            'Fn::GetAtt': [
              logicalId(stack, stack.node.findChild('DeliveryFailures').node.defaultChild),
              'Arn',
            ],
          },
        },
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId(stack, rule.node.defaultChild), 'Arn'] },
      });
    },
  );

  describe('function', () => {
    const fn = template.findResources('AWS::Lambda::Function')[
      logicalId(stack, alerts.function.function.node.defaultChild)
    ] as Resource;

    it('gets its settings slice: topic, table, chat channels, limits, fleets and the alarm name prefix', () => {
      const settings = v.parse(
        AlertSettings,
        deployedSlice(alerts.function, {
          [logicalId(stack, alerts.topic.node.defaultChild)]: 'arn:aws:sns:us-east-2:123456789012:topic',
          [logicalId(stack, ledger!.table.node.defaultChild)]: 'gitlab-runners-autopilot-ledger',
          [`${logicalId(stack, alerts.schedulerRole.node.defaultChild)}.Arn`]:
            'arn:aws:iam::123456789012:role/scheduler-role',
          [`${logicalId(stack, stack.node.findChild('DeliveryFailures').node.defaultChild)}.Arn`]:
            'arn:aws:sqs:us-east-2:123456789012:delivery-failures',
        }),
      );

      expect(settings).toEqual({
        deployment: 'gitlab-runners',
        region: 'us-east-2',
        topicArn: 'arn:aws:sns:us-east-2:123456789012:topic',
        stateTable: 'gitlab-runners-autopilot-ledger',
        alarmNamePrefix: 'gitlab-runners-autopilot-',
        chat: CHAT,
        rateLimitMinutes: 30,
        bakeFailureWindowHours: 72,
        recheck: {
          targetArn: 'arn:aws:lambda:us-east-2:123456789012:function:gitlab-runners-autopilot-alert',
          roleArn: 'arn:aws:iam::123456789012:role/scheduler-role',
          groupName: 'gitlab-runners-alerts',
          deadLetterArn: 'arn:aws:sqs:us-east-2:123456789012:delivery-failures',
        },
        fleets: EXAMPLE.fleets.map((f) => ({
          name: f.name,
          autoScalingGroup: f.autoScalingGroup,
          pipeline: f.pipeline,
        })),
      });
    });

    const statements = () =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) =>
          JSON.stringify(p).includes(logicalId(stack, alerts.function.function.role!.node.defaultChild)),
        )
        .flatMap(
          (p) =>
            ((p as Resource).Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
        );

    it('may publish to the topic', () => {
      expect(statements()).toContainEqual(
        expect.objectContaining({
          Action: 'sns:Publish',
          Resource: { Ref: logicalId(stack, alerts.topic.node.defaultChild) },
        }),
      );
    });

    it('may read exactly the chat URL secrets', () => {
      const resolved = resolveIntrinsics(
        statements().filter((st) => /ssm:|secretsmanager:/.test(JSON.stringify(st.Action))),
      );

      expect(resolved).toContainEqual(
        expect.objectContaining({
          Action: 'ssm:GetParameter',
          Resource: 'arn:aws:ssm:us-east-2:123456789012:parameter/runner-autopilot/chat/slack',
        }),
      );
      expect(resolved).toContainEqual(
        expect.objectContaining({
          Action: 'secretsmanager:GetSecretValue',
          Resource: 'arn:aws:secretsmanager:us-east-2:123456789012:secret:runner-autopilot/chat/teams-??????',
        }),
      );
    });

    it('may write only its ALERT# items of the ledger and read its FLEET# items', () => {
      const table = { 'Fn::GetAtt': [logicalId(stack, ledger!.table.node.defaultChild), 'Arn'] };

      expect(statements()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Resource: table,
            Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ALERT#*'] } },
          }),
          expect.objectContaining({
            Action: 'dynamodb:GetItem',
            Resource: table,
            Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['FLEET#*'] } },
          }),
        ]),
      );
      expect(statements().filter((s) => JSON.stringify(s.Action).includes('dynamodb:')).length).toBe(2);
    });

    it('may describe instances and alarms (no resource-level permissions / composites need *) and nothing else of EC2 or CloudWatch', () => {
      const reads = statements().filter((s) => /ec2:|cloudwatch:/.test(JSON.stringify(s.Action)));

      // minimizePolicies merges the two statements on `*`.
      expect(reads).toEqual([
        expect.objectContaining({
          Action: ['cloudwatch:DescribeAlarms', 'ec2:DescribeInstances'],
          Resource: '*',
        }),
      ]);
    });

    it('has a fixed name, the one its re-check schedules target', () => {
      expect(fn.Properties.FunctionName).toBe('gitlab-runners-autopilot-alert');
      expect(alertFunctionName('gitlab-runners')).toBe('gitlab-runners-autopilot-alert');
    });

    it('may create schedules in its own group only, and pass only the scheduler role', () => {
      const resolved = resolveIntrinsics(
        statements().filter((st) => /scheduler:|iam:/.test(JSON.stringify(st.Action))),
        { [`${logicalId(stack, alerts.schedulerRole.node.defaultChild)}.Arn`]: 'scheduler-role' },
      );

      expect(resolved).toEqual([
        expect.objectContaining({
          Action: 'scheduler:CreateSchedule',
          Resource: 'arn:aws:scheduler:us-east-2:123456789012:schedule/gitlab-runners-alerts/*',
        }),
        expect.objectContaining({ Action: 'iam:PassRole', Resource: 'scheduler-role' }),
      ]);
    });
  });

  describe('re-check schedules', () => {
    const roleId = logicalId(stack, alerts.schedulerRole.node.defaultChild);
    const fnId = logicalId(stack, alerts.function.function.node.defaultChild);

    it('have their own schedule group', () => {
      template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'gitlab-runners-alerts' });
    });

    it('run as a role only EventBridge Scheduler of this account may assume', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
            },
          ],
        },
      });
    });

    it('may invoke only the alert function (and its versions) and send to the delivery-failures queue', () => {
      const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
        JSON.stringify((p as Resource).Properties.Roles).includes(roleId),
      ) as Resource[];
      const statements = policies.flatMap(
        (p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
      const queueArn = {
        'Fn::GetAtt': [logicalId(stack, stack.node.findChild('DeliveryFailures').node.defaultChild), 'Arn'],
      };

      expect(statements).toHaveLength(2);
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: 'lambda:InvokeFunction',
            Resource: [
              { 'Fn::GetAtt': [fnId, 'Arn'] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, ':*']] },
            ],
          }),
          expect.objectContaining({ Resource: queueArn }),
        ]),
      );
      expect(JSON.stringify(statements)).toContain('sqs:SendMessage');
    });
  });

  describe('alarms', () => {
    const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];

    it.each(CHAT.map((c) => c.name))('counts permanent delivery failures of chat channel %s', (channel) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'RunnerAutopilot',
        MetricName: 'ChatDeliveryFailed',
        Dimensions: [
          { Name: 'channel', Value: channel },
          { Name: 'service', Value: 'alert' },
        ],
        Threshold: 1,
        AlarmName: Match.stringLikeRegexp('^gitlab-runners-autopilot-'),
        AlarmDescription: Match.stringLikeRegexp('Runbook:'),
      });
    });

    it("notifies the topic directly on ALARM and OK of the alert function's own alarms", () => {
      const direct = alarms().filter((a) =>
        JSON.stringify(a.Properties.AlarmActions ?? []).includes(
          logicalId(stack, alerts.topic.node.defaultChild),
        ),
      );

      expect(direct).toHaveLength(4);
      direct.forEach((a) => expect(a.Properties.OKActions).toEqual(a.Properties.AlarmActions));
    });
  });

  it('keeps its state in the stack ledger when there is one', () => {
    expect(alerts.stateTable).toBe(ledger!.table);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('creates a small state table of its own when the stack has no ledger (no fleets)', () => {
    const { template: own } = synth({}, { ledger: false });

    own.resourceCountIs('AWS::DynamoDB::Table', 1);
    own.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('passes cdk-nag AwsSolutions with emails and chat channels of both secret kinds', () => {
    const { app, stack: nagged } = synth({ emails, chat: CHAT }, { nag: true });

    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(nagged).findError('*', Match.anyValue())).toEqual([]);
  });

  it('throws when two chat channels share a name', () => {
    expect(() => synth({ chat: [CHAT[0]!, { ...CHAT[1]!, name: CHAT[0]!.name }] })).toThrow(
      /two channels named "ops-slack"/,
    );
  });
});
