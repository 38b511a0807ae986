import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import type { RedriveSettings } from '../functions/redrive/settings';
import { type AutopilotFunction, type AutopilotFunctionProps, queueDepthAlarm } from './autopilot-function';

const REDRIVE_TIMEOUT = Duration.seconds(30);

/**
 * How long a received message stays hidden, so the pause between two tries of a failing message:
 * at least 6 times the function's timeout, as Lambda advises for SQS event sources.
 */
export const REDRIVE_RETRY_INTERVAL = Duration.minutes(5);

/** Receives before a message goes to the dead-letter queue: 72 x 5 minutes is about 6 hours. */
export const REDRIVE_MAX_RECEIVES = 72;

export interface WebhookFallbackProps {
  /** Our bus, where redriven events are put. */
  readonly bus: IEventBus;
  /** Registers the redrive function with the stack (alarms, dashboard). */
  readonly addFunction: (props: AutopilotFunctionProps) => AutopilotFunction;
  /** @default 'INFO' */
  readonly logLevel?: string;
}

/**
 * Where the webhook hands a push when PutEvents keeps failing while GitLab waits (GitLab never
 * retries a delivery): an SNS topic (its client is already in the suite; SQS's is not) delivering
 * to a queue, which the redrive function drains onto our bus with the same idempotency keys. SNS
 * retries its delivery to SQS for days; a message the redrive cannot put stays in the queue for
 * about 6 hours, then waits in the dead-letter queue (alarmed) for SQS's own redrive to the queue.
 */
export class WebhookFallback extends Construct {
  readonly topic: Topic;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly redrive: AutopilotFunction;
  readonly deadLetterAlarm: Alarm;
  readonly backlogAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WebhookFallbackProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the dead-letter queue of the webhook's fallback queue; its depth is alarmed.",
    });
    this.queue = new Queue(this, 'Queue', {
      retentionPeriod: Duration.days(14),
      visibilityTimeout: REDRIVE_RETRY_INTERVAL,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: REDRIVE_MAX_RECEIVES },
    });
    // The AWS managed key: SNS decrypts before it delivers, and publishers need no key grant.
    this.topic = new Topic(this, 'Topic', {
      displayName: 'runner-autopilot webhook fallback',
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    this.topic.addSubscription(new SqsSubscription(this.queue, { rawMessageDelivery: true }));

    const settings: RedriveSettings = { eventBusName: props.bus.eventBusName };
    this.redrive = props.addFunction({
      name: 'redrive',
      description: "Puts the pushes of the webhook's fallback queue on the bus, same idempotency keys",
      settings,
      ...(props.logLevel ? { logLevel: props.logLevel } : {}),
      // Fed by an SQS event source: the queue and its dead-letter queue hold what fails.
      asyncInvoke: false,
      timeout: REDRIVE_TIMEOUT,
    });
    this.redrive.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    props.bus.grantPutEventsTo(this.redrive.function);

    // The Deferred alarm says the fallback was used; this one, that the redrive is not keeping up.
    this.backlogAlarm = new Alarm(this, 'BacklogAlarm', {
      alarmDescription:
        "A push has waited in the webhook's fallback queue for 30 minutes: the redrive function cannot put it on the bus. Runbook: read the redrive function's WARN lines for the PutEvents error; messages go to the dead-letter queue after about 6 hours.",
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: Duration.minutes(30).toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm = queueDepthAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      'Pushes the webhook handed to its fallback could not be put on the bus for about 6 hours: no bake was started for them. Runbook: read the WARN lines of the redrive function for the PutEvents error and fix it, then start a DLQ redrive of this queue to its source queue (console or StartMessageMoveTask); the bakes start once, as each push keeps its idempotency key.',
    );
  }
}
