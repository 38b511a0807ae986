import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { ArnFormat, CfnOutput, TimeZone } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

import type { SuiteConfig } from '../functions/shared/config';
import { DetailType, EVENT_SOURCE } from '../functions/shared/events';
import { DEFERRED_METRIC, UNAUTHORIZED_METRIC } from '../functions/shared/metric-names';
import type { WebhookSettings } from '../functions/gitlab-webhook/settings';
import type { ImageStateSettings } from '../functions/image-state/settings';
import type { StartBakeSettings } from '../functions/start-bake/settings';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AutopilotFunction, type AutopilotFunctionProps, queueDepthAlarm } from './autopilot-function';
import { acknowledgeWildcardResources } from './nag';
import { busName } from './naming';
import { nameAlarms } from './health/alarm-names';
import { Alerts } from './health/alerts';
import { AutopilotDashboard } from './health/dashboard';
import { Rollout } from './rollout/rollout';
import { toSchedulerCron } from './schedule';
import { WebhookFallback } from './webhook-fallback';

/** What the functions need to know of one image pipeline; names are plain strings, never tokens. */
export interface PipelineRef {
  readonly name: string;
  readonly pipelineName: string;
  readonly recipeName: string;
}

export interface AutopilotStackProps extends StackProps {
  readonly config: SuiteConfig;
  readonly pipelines: readonly PipelineRef[];
}

/** The settled states the image-state function acts on. */
export const SETTLED_IMAGE_STATES = ['AVAILABLE', 'FAILED', 'CANCELLED'];

/**
 * The event-driven part: our bus, the functions, the rules that route AWS service events (on the
 * default bus, the only one they reach) and our own events, and the nightly bake schedules.
 */
export class AutopilotStack extends Stack {
  readonly bus: EventBus;
  readonly functions: AutopilotFunction[] = [];

  constructor(scope: Construct, id: string, props: AutopilotStackProps) {
    super(scope, id, props);
    const { config } = props;
    const pipelineArn = (p: PipelineRef) =>
      this.formatArn({ service: 'imagebuilder', resource: 'image-pipeline', resourceName: p.pipelineName });
    const imageArnPrefix = (p: PipelineRef) =>
      this.formatArn({ service: 'imagebuilder', resource: 'image', resourceName: `${p.recipeName}/` });

    this.bus = new EventBus(this, 'Bus', { eventBusName: busName(config.deployment) });

    // Delivery failures of rule and schedule targets (the function's own errors go to its failure queue).
    const deliveryFailures = new Queue(this, 'DeliveryFailures', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(deliveryFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of rule and schedule targets; its depth is alarmed.',
    });
    queueDepthAlarm(
      this,
      'DeliveryFailuresAlarm',
      deliveryFailures,
      'EventBridge or Scheduler could not deliver an event to a function (deleted function, missing permission, throttling past the retry window). Runbook: read the message attributes for the error, fix it, then redrive.',
    );
    const targetOptions = {
      deadLetterQueue: deliveryFailures,
      retryAttempts: 8,
      maxEventAge: Duration.hours(6),
    };

    const startBakeSettings: StartBakeSettings = {
      pipelines: Object.fromEntries(props.pipelines.map((p) => [p.name, { arn: pipelineArn(p) }])),
    };
    const startBake = this.addFunction({
      name: 'start-bake',
      description: 'Starts an Image Builder pipeline: one build per trigger, none while one runs',
      settings: startBakeSettings,
      logLevel: config.logLevel,
    });
    startBake.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['imagebuilder:StartImagePipelineExecution', 'imagebuilder:ListImagePipelineImages'],
        resources: props.pipelines.map(pipelineArn),
      }),
    );
    // The first build in an account creates Image Builder's service-linked role, as the caller.
    startBake.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [
          this.formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName: 'aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder',
          }),
        ],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'imagebuilder.amazonaws.com' } },
      }),
    );

    new Rule(this, 'BakeRequestedRule', {
      description: 'Bake Requested (webhook, CLI) -> start-bake',
      eventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.BakeRequested] },
      targets: [new LambdaFunction(startBake.function, targetOptions)],
    });

    acknowledgeWildcardResources(
      this,
      [`${startBake.function.functionArn}:*`],
      "The schedules' role may invoke start-bake and its versions; that is the grant LambdaInvoke makes",
    );
    for (const p of config.pipelines) {
      new Schedule(this, `BakeSchedule-${p.name}`, {
        description: `Nightly bake of pipeline ${p.name}`,
        schedule: ScheduleExpression.expression(
          toSchedulerCron(p.schedule.cron),
          TimeZone.of(p.schedule.timeZone),
        ),
        enabled: p.schedule.enabled,
        target: new LambdaInvoke(startBake.function, {
          // The scheduled time is the same on every retry of one run: the build's client token.
          input: ScheduleTargetInput.fromObject({
            pipeline: p.name,
            scheduledTime: ContextAttribute.scheduledTime,
          }),
          ...targetOptions,
        }),
      });
    }

    const imageStateSettings: ImageStateSettings = {
      eventBusName: this.bus.eventBusName,
      pipelines: props.pipelines.map((p) => ({ name: p.name, arn: pipelineArn(p) })),
    };
    const imageState = this.addFunction({
      name: 'image-state',
      description: 'Turns settled Image Builder images into Image Ready / Bake Failed events',
      settings: imageStateSettings,
      logLevel: config.logLevel,
    });
    const ourImages = props.pipelines.map((p) => `${imageArnPrefix(p)}*`);
    imageState.function.addToRolePolicy(
      new PolicyStatement({ actions: ['imagebuilder:GetImage'], resources: ourImages }),
    );
    acknowledgeWildcardResources(
      imageState.function,
      ourImages,
      'GetImage is scoped to the build versions of our own recipes (image/<recipe>/*), whose versions are not known in advance',
    );
    this.bus.grantPutEventsTo(imageState.function);

    // AWS service events reach only the default bus. Scoped to our recipes' images, so another
    // team's pipeline (or a recipe whose name merely starts like ours) never reaches the function.
    new Rule(this, 'ImageStateRule', {
      description: 'Settled images of our recipes -> image-state',
      eventPattern: {
        source: ['aws.imagebuilder'],
        detailType: ['EC2 Image Builder Image State Change'],
        resources: props.pipelines.map((p) => ({ prefix: imageArnPrefix(p) })) as unknown as string[],
        detail: { state: { status: SETTLED_IMAGE_STATES } },
      },
      targets: [new LambdaFunction(imageState.function, targetOptions)],
    });

    nameAlarms(this);
    if (config.gitlab.webhook) this.addWebhook(config);
    if (config.fleets.length > 0) {
      new Rollout(this, 'Rollout', {
        config,
        bus: this.bus,
        deliveryFailures,
        pipelines: props.pipelines.map((p) => ({ name: p.name, arn: pipelineArn(p) })),
        addFunction: (fn) => this.addFunction(fn),
      });
    }
    new Alerts(this, 'Alerts', {
      config,
      bus: this.bus,
      deliveryFailures,
      addFunction: (fn) => this.addFunction(fn),
    });
    new AutopilotDashboard(this, 'Dashboard', {
      deployment: config.deployment,
      fleets: config.fleets,
      functions: this.functions,
      sweepEveryMinutes: config.sweepEveryMinutes,
    });
  }

  private addFunction(props: AutopilotFunctionProps): AutopilotFunction {
    const fn = new AutopilotFunction(this, props.name, props);
    this.functions.push(fn);
    return fn;
  }

  private addWebhook(config: SuiteConfig): void {
    if (!config.gitlab.webhook) return;
    // Infra only: the function's own slice carries no reserved concurrency.
    const { reservedConcurrency, ...webhook } = config.gitlab.webhook;
    const fallback = new WebhookFallback(this, 'WebhookFallback', {
      bus: this.bus,
      addFunction: (props) => this.addFunction(props),
      logLevel: config.logLevel,
    });
    const settings: WebhookSettings = {
      ...webhook,
      eventBusName: this.bus.eventBusName,
      fallbackTopicArn: fallback.topic.topicArn,
    };
    const fn = this.addFunction({
      name: 'gitlab-webhook',
      description: 'GitLab push / tag push webhook: verifies the token, puts Bake Requested',
      settings,
      logLevel: config.logLevel,
      // Answers synchronously over its Function URL: no async retries or failure queue.
      asyncInvoke: false,
      timeout: Duration.seconds(10),
      ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
    });
    this.bus.grantPutEventsTo(fn.function);
    fallback.topic.grantPublish(fn.function);
    if ('parameter' in webhook.secret) {
      fn.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [
            this.formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: webhook.secret.parameter.slice(1),
            }),
          ],
        }),
      );
    } else {
      fn.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          // Secrets Manager appends 6 random characters to a secret's ARN.
          resources: [
            this.formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              resourceName: `${webhook.secret.secretsManager}-??????`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
    }
    new Alarm(this, 'WebhookUnauthorizedAlarm', {
      alarmDescription:
        'The GitLab webhook refused deliveries with a missing or wrong X-Gitlab-Token. Runbook: if pushes no longer start bakes, the secret in GitLab and in the configured parameter differ; otherwise someone is probing the URL.',
      metric: fn.metric(UNAUTHORIZED_METRIC, Duration.hours(1)),
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'WebhookDeferredAlarm', {
      alarmDescription:
        "PutEvents failed while GitLab waited, so the webhook handed pushes to its fallback topic: their bakes start late (once the redrive function puts them), not never. Runbook: read the WARN lines 'PutEvents failed' of gitlab-webhook for the error (throttling, access denied, an outage); if the redrive's dead-letter queue fills too, fix the cause and redrive it.",
      metric: fn.metric(DEFERRED_METRIC),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Reserved concurrency only when configured: a cap throttles GitLab's own deliveries too (a
    // throttled delivery is lost and counts toward disabling the hook), and an account must keep
    // 100 units unreserved, so a default would fail small accounts' deploys.
    const url = fn.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    new CfnOutput(this, 'WebhookUrl', {
      value: url.url,
      description: 'GitLab webhook URL (push and tag push events)',
    });
  }
}
