import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import type { AlertSettings } from '../../functions/alert/settings';
import type { SuiteConfig } from '../../functions/shared/config';
import { ALERT_ROUTED_DETAIL_TYPES, EVENT_SOURCE } from '../../functions/shared/events';
import { LEDGER_SCHEMA } from '../../functions/shared/ledger-schema';
import { CHAT_DELIVERY_FAILED, METRICS_NAMESPACE } from '../../functions/shared/metric-names';
import { describeSecretRef } from '../../functions/shared/schema-primitives';
import type { AutopilotFunction, AutopilotFunctionProps } from '../autopilot-function';
import { acknowledgeWildcardResources } from '../nag';
import { LedgerTable } from '../rollout/ledger-table';
import { alarmNamePrefix } from './alarm-names';

/** The service dimension Powertools adds to every metric of the function. */
export const ALERT_SERVICE = 'alert';

/** The alert function's fixed name: re-check schedules target it by ARN (64 characters at most). */
export const alertFunctionName = (deployment: string): string => `${deployment}-autopilot-alert`;

/** Alarm states routed to the function: INSUFFICIENT_DATA is nobody's call to action. */
export const ROUTED_ALARM_STATES = ['ALARM', 'OK'];

export interface AlertsProps {
  readonly config: SuiteConfig;
  /** Our bus, where the failure events are put. */
  readonly bus: IEventBus;
  /** Dead-letter queue of the rules' deliveries. */
  readonly deliveryFailures: IQueue;
  /** Registers the function with the stack (failure queue, alarms, lists). */
  readonly addFunction: (props: AutopilotFunctionProps) => AutopilotFunction;
  /**
   * Where dedupe and rate-limit state lives (items keyed `ALERT#...`), and where failed rollouts
   * are read from (`FLEET#...`).
   * @default - the stack's rollout ledger when it has one, else a small table of its own
   */
  readonly stateTable?: ITable;
}

/**
 * Alerts: the SNS topic (email subscriptions from `alerts.emails`, KMS-encrypted, TLS only), the
 * alert function, and the rules that route to it (a) every state change to ALARM or OK of the
 * stack's alarms (all named `<stack>-...`, infra/health/alarm-names.ts) and (b) our failure events
 * (with Image Ready, which ends a pipeline's Bake Failed streak).
 * The function reads the chat webhook URLs from their secrets and publishes to the topic. Each
 * chat channel has an alarm on its permanent delivery failures; the alert function's own alarms
 * also notify the topic directly, so a broken alert function is still heard of by email.
 */
export class Alerts extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  readonly function: AutopilotFunction;
  readonly stateTable: ITable;
  readonly alarmRule: Rule;
  readonly eventRule: Rule;
  /** Where the one-time re-checks of rate-limited alarms are created. */
  readonly recheckGroup: CfnScheduleGroup;
  /** What those schedules invoke the function (and reach the delivery-failures queue) through. */
  readonly schedulerRole: Role;
  /** Per chat channel name: its alarm on `ChatDeliveryFailed`. */
  readonly chatDeliveryAlarms: Readonly<Record<string, Alarm>>;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const names = config.alerts.chat.map((c) => c.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) {
      throw new Error(`alerts.chat has two channels named "${duplicate}": give each a unique name`);
    }

    this.key = new Key(this, 'TopicKey', {
      description: `runner-autopilot ${config.deployment}: encrypts the alert topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch publishes the alert function's own alarms straight to the topic.
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    });
    this.key.grant(cloudWatch, 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: `runner-autopilot ${config.deployment}`,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.grantPublish(cloudWatch);
    config.alerts.emails.forEach((email) => this.topic.addSubscription(new EmailSubscription(email)));

    this.stateTable = props.stateTable ?? this.findLedger() ?? this.ownTable();

    // A held-back ALARM is checked again at the end of its rate-limit window: the function creates a
    // one-time schedule in this group that invokes the function itself through this role.
    const functionName = alertFunctionName(config.deployment);
    const groupName = `${config.deployment}-alerts`;
    this.recheckGroup = new CfnScheduleGroup(this, 'RecheckSchedules', { name: groupName });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'EventBridge Scheduler: re-checks of rate-limited alarms invoke the alert function',
    });

    const settings: AlertSettings = {
      deployment: config.deployment,
      region: stack.region,
      topicArn: this.topic.topicArn,
      stateTable: this.stateTable.tableName,
      alarmNamePrefix: alarmNamePrefix(stack),
      chat: config.alerts.chat,
      rateLimitMinutes: config.alerts.rateLimitMinutes,
      bakeFailureWindowHours: config.alerts.bakeFailureWindowHours,
      recheck: {
        // Named, so its ARN is known before it exists: the function's own settings point at it.
        targetArn: stack.formatArn({
          service: 'lambda',
          resource: 'function',
          resourceName: functionName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
        roleArn: this.schedulerRole.roleArn,
        groupName,
        deadLetterArn: props.deliveryFailures.queueArn,
      },
      fleets: config.fleets.map((f) => ({
        name: f.name,
        autoScalingGroup: f.autoScalingGroup,
        pipeline: f.pipeline,
      })),
    };
    this.function = props.addFunction({
      name: 'alert',
      description: 'Our alarms and failure events -> SNS (email) and chat webhooks',
      settings,
      logLevel: config.logLevel,
      functionName,
    });
    const fn = this.function.function;
    this.grantRecheck(fn, props.deliveryFailures);
    this.topic.grantPublish(fn);
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "Publishing to the encrypted topic needs GenerateDataKey on the topic's own key (grantPublish names it); the wildcard covers only its variants",
    });
    this.grantState(fn);
    this.grantSecrets(fn, config);
    // DescribeInstances has no resource-level permissions; DescribeAlarms returns composite alarms
    // only when it is granted on `*`.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] }));
    acknowledgeWildcardResources(
      fn,
      ['*'],
      'ec2:DescribeInstances supports no resource-level permissions, and cloudwatch:DescribeAlarms returns composite alarms only when granted on *; the function only reads the instances an alert names and the state of the alarm it re-checks',
    );

    const target = new LambdaFunction(fn, {
      deadLetterQueue: props.deliveryFailures,
      retryAttempts: 8,
      maxEventAge: Duration.hours(6),
    });
    // AWS service events reach only the default bus.
    this.alarmRule = new Rule(this, 'AlarmRule', {
      description: 'Our alarms (named after the stack) went to ALARM or OK -> alert',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: [{ prefix: alarmNamePrefix(stack) }],
          state: { value: ROUTED_ALARM_STATES },
        },
      },
      targets: [target],
    });
    this.eventRule = new Rule(this, 'FailureEventRule', {
      description: `${ALERT_ROUTED_DETAIL_TYPES.join(', ')} -> alert`,
      eventBus: props.bus,
      // Image Ready sends nothing: it ends its pipeline's Bake Failed streak.
      eventPattern: { source: [EVENT_SOURCE], detailType: [...ALERT_ROUTED_DETAIL_TYPES] },
      targets: [target],
    });

    this.chatDeliveryAlarms = Object.fromEntries(
      config.alerts.chat.map((c) => [
        c.name,
        new Alarm(this, `ChatDeliveryFailed-${c.name}`, {
          alarmDescription: `Alerts could not be delivered to ${c.kind} channel ${c.name}: its webhook refused them (a 4xx: revoked or wrong URL, or a refused payload) or its URL secret is missing or empty. Severity: warning. Runbook: read the ERROR lines "chat delivery failed for good" in the alert function's log group; if the hook was removed, create a new incoming webhook and store its URL in ${describeSecretRef(c.url)}.`,
          metric: new Metric({
            namespace: METRICS_NAMESPACE,
            metricName: CHAT_DELIVERY_FAILED,
            dimensionsMap: { service: ALERT_SERVICE, channel: c.name },
            statistic: 'Sum',
            period: Duration.minutes(5),
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      ]),
    );

    // If the alert function itself fails, the rule would hand its alarms to the failing function.
    const direct = new SnsAction(this.topic);
    for (const alarm of [
      this.function.errorsAlarm,
      this.function.throttlesAlarm,
      this.function.permanentFailureAlarm,
      this.function.failureQueueAlarm,
    ]) {
      alarm?.addAlarmAction(direct);
      alarm?.addOkAction(direct);
    }
  }

  /**
   * The re-checks: the function may create schedules in its group only (each deletes itself after
   * it ran) and pass only the scheduler role; the role may invoke only the function and send
   * undeliverable invocations to the delivery-failures queue.
   */
  private grantRecheck(fn: AutopilotFunction['function'], deliveryFailures: IQueue): void {
    const stack = Stack.of(this);
    const schedules = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.recheckGroup.name}/*`,
    });
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [schedules] }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['iam:PassRole'], resources: [this.schedulerRole.roleArn] }),
    );
    acknowledgeWildcardResources(
      fn,
      [schedules],
      "Re-check schedules are named per alarm and window at run time; CreateSchedule is confined to the alert function's own schedule group",
    );
    fn.grantInvoke(this.schedulerRole);
    deliveryFailures.grantSendMessages(this.schedulerRole);
    acknowledgeWildcardResources(
      this.schedulerRole,
      [`${fn.functionArn}:*`],
      'The scheduler role may invoke the alert function and its versions; that is the grant the Lambda target makes',
    );
    this.recheckGroup.node.addDependency(this.schedulerRole);
  }

  /** The rollout ledger of this stack, when the stack has fleets (it is built before this construct). */
  private findLedger(): ITable | undefined {
    return Stack.of(this)
      .node.findAll()
      .find((c): c is LedgerTable => c instanceof LedgerTable)?.table;
  }

  /** Without fleets there is no ledger: a small table for the `ALERT#` items, which expire by TTL. */
  private ownTable(): ITable {
    return new Table(this, 'State', {
      partitionKey: { name: LEDGER_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: LEDGER_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: LEDGER_SCHEMA.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /**
   * Item actions confined by `dynamodb:LeadingKeys`: read and write its own `ALERT#` items, and
   * read (only) the ledger's `FLEET#` items to describe a failed rollout.
   */
  private grantState(fn: AutopilotFunction['function']): void {
    const leading = (prefixes: string[]) => ({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes },
    });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [this.stateTable.tableArn],
        conditions: leading(['ALERT#*']),
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [this.stateTable.tableArn],
        conditions: leading(['FLEET#*']),
      }),
    );
  }

  /** GetParameter / GetSecretValue on exactly the chat channels' URL secrets. */
  private grantSecrets(fn: AutopilotFunction['function'], config: SuiteConfig): void {
    const stack = Stack.of(this);
    const parameters = config.alerts.chat.flatMap((c) =>
      'parameter' in c.url
        ? [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: c.url.parameter.slice(1) })]
        : [],
    );
    const secrets = config.alerts.chat.flatMap((c) =>
      'secretsManager' in c.url
        ? [
            stack.formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              // Secrets Manager appends 6 random characters to a secret's ARN.
              resourceName: `${c.url.secretsManager}-??????`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ]
        : [],
    );
    if (parameters.length) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [...new Set(parameters)] }),
      );
    }
    if (secrets.length) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [...new Set(secrets)] }),
      );
    }
  }
}
