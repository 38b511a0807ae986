import { createHash } from 'node:crypto';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  AssetHashType,
  DockerImage,
  Duration,
  Intrinsic,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  Code,
  type DestinationConfig,
  Function as LambdaFunction,
  type IDestination,
  type IFunction,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import type * as Esbuild from 'esbuild';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

import type { AlertSettings } from '../functions/alert/settings';
import type { FleetSweeperSettings } from '../functions/fleet-sweeper/settings';
import type { WebhookSettings } from '../functions/gitlab-webhook/settings';
import type { HousekeeperSettings } from '../functions/housekeeper/settings';
import type { ImageStateSettings } from '../functions/image-state/settings';
import type { ReconcilerSettings } from '../functions/reconciler/settings';
import type { RedriveSettings } from '../functions/redrive/settings';
import type { StartBakeSettings } from '../functions/start-bake/settings';
import { METRICS_NAMESPACE, PERMANENT_FAILURE_METRIC } from '../functions/shared/metric-names';
import type { RolloutSettings } from '../functions/shared/rollout/settings';
import { CONFIG_FILE } from '../functions/shared/settings';
import { BUNDLE_FILE, deployedBundleOptions, PREBUNDLED_DIR, REPO_ROOT } from './bundling';
import { type DeployTimeConfig, splitDeployTime } from './deploy-time-config';

/** The tests run on the same Node.js major (node@24 in devDependencies); test/toolchain.test.ts checks it. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/**
 * Each function's slice of the suite config, by its folder name: the type of the schema the
 * function parses it with (`lazyConfigSlice` in its handler).
 */
export interface FunctionSettings {
  readonly alert: AlertSettings;
  readonly 'apply-config': RolloutSettings;
  readonly 'command-status': RolloutSettings;
  readonly 'fleet-sweeper': FleetSweeperSettings;
  readonly 'gitlab-webhook': WebhookSettings;
  readonly housekeeper: HousekeeperSettings;
  readonly 'image-state': ImageStateSettings;
  readonly 'manager-restart': RolloutSettings;
  readonly reconciler: ReconcilerSettings;
  readonly redrive: RedriveSettings;
  readonly rollback: RolloutSettings;
  readonly 'rollout-step': RolloutSettings;
  readonly 'stage-candidate': RolloutSettings;
  readonly 'start-bake': StartBakeSettings;
}
export type FunctionName = keyof FunctionSettings;

/** One variant per function, so `settings` must be the slice of the function `name` names. */
export type AutopilotFunctionProps = { [N in FunctionName]: FunctionProps<N> }[FunctionName];

interface FunctionProps<N extends FunctionName> {
  /** Folder under `functions/` whose `handler.ts` exports `handler`. */
  readonly name: N;
  /**
   * This function's slice of the suite config: written at synth beside its bundle
   * (`autopilot-config.json`), with deploy-time names passed in its environment.
   */
  readonly settings: FunctionSettings[N];
  readonly description: string;
  /** @default - 30 seconds */
  readonly timeout?: Duration;
  /** @default - 256 MiB */
  readonly memorySize?: number;
  /**
   * Invoked asynchronously (EventBridge, Scheduler): Lambda retries errors twice, then sends the
   * event to a failure destination queue.
   * @default true
   */
  readonly asyncInvoke?: boolean;
  /** @default 'INFO' */
  readonly logLevel?: string;
  /** A fixed name, for a function whose ARN must be known before it exists. @default - generated */
  readonly functionName?: string;
  /**
   * Concurrency reserved for (and capping) this function; the account must keep 100 unreserved.
   * @default - none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
}

/**
 * Every runner-autopilot function: Node.js 24 on arm64, bundled locally by esbuild (never Docker)
 * with the SDK clients inside (they load faster bundled than from the runtime) and its config
 * slice beside the bundle, its own log group, and for async functions a failure destination.
 */
export class AutopilotFunction extends Construct {
  readonly function: LambdaFunction;
  /** The config file written beside the bundle, and the environment its references need. */
  readonly config: DeployTimeConfig;
  readonly logGroup: LogGroup;
  /** Failure destination of an async function; `undefined` for a synchronous one. */
  readonly failureQueue?: Queue;
  readonly permanentFailureAlarm: Alarm;
  readonly errorsAlarm: Alarm;
  readonly throttlesAlarm: Alarm;
  readonly failureQueueAlarm?: Alarm;
  /** The function folder name: its Powertools service and `service` metric dimension. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: AutopilotFunctionProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]*$/.test(props.name)) {
      throw new Error(
        `function name "${props.name}" must be the kebab-case name of a folder under functions/`,
      );
    }
    const asyncInvoke = props.asyncInvoke ?? true;
    this.serviceName = props.name;

    if (asyncInvoke) {
      this.failureQueue = new Queue(this, 'FailureQueue', {
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      Validations.of(this.failureQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the failure destination (DLQ) of the function; its depth is alarmed.',
      });
    }

    const logGroup = (this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    }));

    const config = (this.config = splitDeployTime(Stack.of(this).resolve(props.settings)));
    const references = Object.fromEntries(
      Object.entries(config.environment).map(([name, intrinsic]) => [
        name,
        Token.asString(new Intrinsic(intrinsic)),
      ]),
    );

    this.function = new LambdaFunction(this, 'Function', {
      description: props.description,
      ...(props.functionName ? { functionName: props.functionName } : {}),
      code: bundledCode(props.name, JSON.stringify(config.document)),
      handler: 'index.handler',
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency }),
      logGroup,
      environment: {
        ...references,
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...(asyncInvoke && this.failureQueue
        ? {
            onFailure: new FailureQueueDestination(this.failureQueue),
            retryAttempts: 2,
            maxEventAge: Duration.hours(6),
          }
        : {}),
    });
    // The error policy's promise: a permanent failure is not retried, so it must be seen.
    this.permanentFailureAlarm = new Alarm(this, 'PermanentFailureAlarm', {
      alarmDescription: `${props.name} refused an input for good (bad event, unknown pipeline, resource deleted). Runbook: read the ERROR lines with errorKind "permanent" in its log group; fix the sender or the config.`,
      metric: this.metric(PERMANENT_FAILURE_METRIC),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Every function: errors (after which Lambda retries or fails) and throttles (lost capacity).
    const lambdaAlarm = (id: string, metric: Metric, runbook: string) =>
      new Alarm(this, id, {
        alarmDescription: runbook,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    this.errorsAlarm = lambdaAlarm(
      'ErrorsAlarm',
      this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      `${props.name} failed (transient errors are retried, then land in its failure queue). Runbook: read the ERROR lines with errorKind "transient" in its log group.`,
    );
    this.throttlesAlarm = lambdaAlarm(
      'ThrottlesAlarm',
      this.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      `${props.name} was throttled. Runbook: check the account's Lambda concurrency (unreserved capacity) and what else runs in it.`,
    );
    if (this.failureQueue) {
      this.failureQueueAlarm = queueDepthAlarm(
        this,
        'FailureQueueAlarm',
        this.failureQueue,
        `${props.name} failed an event after Lambda's retries. Runbook: read the message for the error, fix the cause, then redrive the queue to the function.`,
      );
    }
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole only lets the function write its own logs; CDK attaches it to every function.',
    });
  }

  get handler(): IFunction {
    return this.function;
  }

  /** A metric this function publishes through Powertools (dimension `service` = its name). */
  metric(metricName: string, period = Duration.minutes(5)): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: this.serviceName },
      statistic: 'Sum',
      period,
    });
  }
}

/**
 * The function's code: the package's prebundled handler, or in the repository its handler bundled
 * by esbuild in this process (the same options; Docker is never needed), and its config file
 * beside it. Hashed by output, so a config change alone deploys new code.
 */
const bundledCode = (name: string, configDocument: string): Code => {
  const prebundled = join(PREBUNDLED_DIR, name);
  const fromPackage = existsSync(join(prebundled, BUNDLE_FILE));
  return Code.fromAsset(fromPackage ? prebundled : join(REPO_ROOT, 'functions'), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type; tryBundle never returns false, so no container is ever started.
      image: DockerImage.fromRegistry('runner-autopilot/no-docker-bundling'),
      // CDK caches bundles by these options (functions are not part of the key): name the bundle.
      environment: {
        FUNCTION: name,
        CONFIG_SHA256: createHash('sha256').update(configDocument).digest('hex'),
      },
      local: {
        tryBundle: (outputDir: string): boolean => {
          if (fromPackage) cpSync(prebundled, outputDir, { recursive: true });
          else bundleFromSource(name, outputDir);
          writeFileSync(join(outputDir, CONFIG_FILE), configDocument);
          return true;
        },
      },
    },
  });
};

/** esbuild is a devDependency: loaded only where functions bundle from source, never from the package. */
const bundleFromSource = (name: string, outputDir: string): void => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildSync } = require('esbuild') as typeof Esbuild;
  buildSync(deployedBundleOptions(name, outputDir));
};

/**
 * A failure destination that grants only `sqs:SendMessage`, the one call Lambda makes with the
 * function's role; `SqsDestination` also grants GetQueueAttributes and GetQueueUrl.
 */
class FailureQueueDestination implements IDestination {
  constructor(private readonly queue: Queue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    return { destination: this.queue.queueArn };
  }
}

/** Any message in a dead-letter queue is an event nobody handled. */
export const queueDepthAlarm = (scope: Construct, id: string, queue: Queue, runbook: string): Alarm =>
  new Alarm(scope, id, {
    alarmDescription: runbook,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: 'Maximum',
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
