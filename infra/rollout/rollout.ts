import { ArnFormat, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { type EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  CfnScheduleGroup,
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import type { SuiteConfig } from '../../functions/shared/config';
import { DetailType, EVENT_SOURCE } from '../../functions/shared/events';
import { drainBoundSeconds, FINAL_COMMAND_STATUSES } from '../../functions/shared/rollout/commands';
import type { RolloutSettings } from '../../functions/shared/rollout/settings';
import type { ReconcilerSettings } from '../../functions/reconciler/settings';
import { apiOperationsOf } from '../api-operations';
import type { AutopilotFunction, AutopilotFunctionProps } from '../autopilot-function';
import { acknowledgeWildcardResources } from '../nag';
import { ledgerTableName } from '../naming';
import { canaryLaunchStatements } from './canary-launch';
import { RolloutDocuments } from './documents';
import { Sweeper } from '../health/sweeper';
import { Housekeeping } from './housekeeping';
import { systemFailureAlarm, withDefaultRollbackAlarms } from '../health/runner-alarms';
import { LedgerTable } from './ledger-table';
import { RunnerConfigParameters } from './runner-config-parameters';
import { RECONCILER_EVERY_MINUTES, toSchedulerCron } from '../schedule';
import { CANARY_TAG, DEPLOYMENT_TAG } from '../../functions/shared/names';

/** The functions whose slice is the rollout's own (the reconciler's adds its pipelines). */
type RolloutFunction =
  'rollout-step' | 'stage-candidate' | 'command-status' | 'rollback' | 'manager-restart' | 'apply-config';

export interface RolloutProps {
  readonly config: SuiteConfig;
  readonly bus: EventBus;
  /** Dead-letter queue for rule and schedule deliveries. */
  readonly deliveryFailures: Queue;
  /** The image pipelines by config name, with their ARNs: the reconciler lists the images of those that feed a fleet. */
  readonly pipelines: readonly { readonly name: string; readonly arn: string }[];
  /** Registers each function with the stack (alarms, lists). */
  readonly addFunction: (props: AutopilotFunctionProps) => AutopilotFunction;
}

/** The rollout: ledger, documents, the step functions, their rules and schedules, and their rights. */
export class Rollout extends Construct {
  readonly ledger: LedgerTable;
  readonly documents: RolloutDocuments;
  readonly functions: AutopilotFunction[];

  constructor(scope: Construct, id: string, props: RolloutProps) {
    super(scope, id);
    const { config, bus, deliveryFailures } = props;
    const stack = Stack.of(this);
    const targetOptions = {
      deadLetterQueue: deliveryFailures,
      retryAttempts: 8,
      maxEventAge: Duration.hours(6),
    };
    const managers = config.fleets.filter((f) => f.role === 'manager');

    this.ledger = new LedgerTable(this, 'Ledger', { tableName: ledgerTableName(config.deployment) });
    this.documents = new RolloutDocuments(this, 'Documents', {
      deployment: config.deployment,
      drainTimeoutSeconds: Math.max(60, ...managers.map(drainBoundSeconds)),
    });
    // Each manager fleet's config.toml source, linted at synth and published for the applies.
    const runnerConfigs = managers.flatMap((m) =>
      m.runnerConfig
        ? [
            {
              fleet: m,
              parameters: new RunnerConfigParameters(this, `RunnerConfig-${m.name}`, {
                deployment: config.deployment,
                fleet: m.name,
                templateFile: m.runnerConfig.template,
                valuesFile: m.runnerConfig.values,
                jobGroups: config.fleets.filter((f) => f.manager === m.name).map((f) => f.autoScalingGroup),
                recycledGroups: config.fleets
                  .filter((f) => f.manager === m.name && f.rollout === 'recycle')
                  .map((f) => f.autoScalingGroup),
              }),
            },
          ]
        : [],
    );
    const scheduleGroup = new CfnScheduleGroup(this, 'StepSchedules', {
      name: `${config.deployment}-rollout`,
    });

    // The one-time schedules invoke rollout-step through this role.
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'EventBridge Scheduler: one-time rollout steps invoke rollout-step',
    });

    // Named, so its ARN is known before it exists: rollout-step's own settings point at it.
    const stepName = `${config.deployment}-rollout-step`;
    const groupName = `${config.deployment}-rollout`;
    const settings: RolloutSettings = {
      region: stack.region,
      ledgerTable: this.ledger.table.tableName,
      eventBusName: bus.eventBusName,
      gitlabUrl: config.gitlab.url,
      runnerVersion: config.gitlab.runnerVersion,
      // The config.toml source is published to Parameter Store (configPrefixes): its file paths
      // on the build machine mean nothing in Lambda.
      fleets: withDefaultRollbackAlarms(stack, config.fleets).map(
        ({ runnerConfig: _source, ...fleet }) => fleet,
      ),
      connectorUsers: Object.fromEntries(
        config.pipelines.flatMap((p) => (p.kind === 'jobs' ? [[p.name, p.connectorUser]] : [])),
      ),
      fleetingPluginVersions: Object.fromEntries(
        config.pipelines.flatMap((p) => (p.kind === 'manager' ? [[p.name, p.fleetingPluginVersion]] : [])),
      ),
      documents: {
        smokeJobs: this.documents.smokeJobs.name,
        smokePath: this.documents.smokePath.name,
        smokeManager: this.documents.smokeManager.name,
        drainManager: this.documents.drainManager.name,
        managerHealth: this.documents.managerHealth.name,
        restartManager: this.documents.restartManager.name,
        applyConfig: this.documents.applyConfig.name,
      },
      configPrefixes: Object.fromEntries(runnerConfigs.map((r) => [r.fleet.name, r.parameters.prefix])),
      scheduler: {
        targetArn: stack.formatArn({
          service: 'lambda',
          resource: 'function',
          resourceName: stepName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
        roleArn: schedulerRole.roleArn,
        groupName,
        deadLetterArn: deliveryFailures.queueArn,
      },
    };

    const fedPipelines = props.pipelines.filter((p) => config.fleets.some((f) => f.pipeline === p.name));
    const reconcilerSettings: ReconcilerSettings = { ...settings, pipelines: [...fedPipelines] };

    const make = (
      name: RolloutFunction,
      description: string,
      extra: { functionName?: string; timeout?: Duration } = {},
    ) =>
      props.addFunction({
        name,
        description,
        settings,
        logLevel: config.logLevel,
        timeout: Duration.minutes(1),
        ...extra,
      });

    const step = make(
      'rollout-step',
      'Scheduled rollout steps: canary checks, promotion, maintenance, health, bake end',
      {
        functionName: stepName,
      },
    );
    this.functions = [
      step,
      make('stage-candidate', 'Image Ready -> candidate launch template version and canary'),
      make('command-status', 'SSM command verdicts of smoke tests, drains and health checks'),
      make('rollback', 'Rollback alarms and Rollback Requested -> previous default'),
      make('manager-restart', 'Recycle: graceful manager restart in its maintenance window'),
      props.addFunction({
        name: 'reconciler',
        description: 'Advances rollouts whose event never came, announces images whose event was lost',
        settings: reconcilerSettings,
        logLevel: config.logLevel,
        timeout: Duration.minutes(5),
      }),
      make('apply-config', 'Lints and applies (or checks for drift) a manager fleet config.toml through SSM'),
    ];
    const [, stage, commandStatus, rollback, restart, reconciler, applyConfig] = this.functions as [
      AutopilotFunction,
      AutopilotFunction,
      AutopilotFunction,
      AutopilotFunction,
      AutopilotFunction,
      AutopilotFunction,
      AutopilotFunction,
    ];
    scheduleGroup.node.addDependency(schedulerRole);
    step.function.grantInvoke(schedulerRole);
    acknowledgeWildcardResources(
      stack,
      [`${step.function.functionArn}:*`, `${reconciler.function.functionArn}:*`],
      'Scheduler roles may invoke their function and its versions; that is the grant the Lambda target makes',
    );
    deliveryFailures.grantSendMessages(schedulerRole);

    for (const fn of this.functions) {
      bus.grantPutEventsTo(fn.function);
      this.grantRollout(
        fn,
        config,
        schedulerRole,
        groupName,
        fedPipelines.map((p) => p.arn),
      );
    }
    new Housekeeping(this, 'Housekeeping', { ...props, ledger: this.ledger });
    new Sweeper(this, 'Sweeper', { ...props, ledger: this.ledger, configPrefixes: settings.configPrefixes });

    new Rule(this, 'ImageReadyRule', {
      description: 'Image Ready -> stage-candidate',
      eventBus: bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.ImageReady] },
      targets: [new LambdaFunction(stage.function, targetOptions)],
    });
    // AWS service events reach only the default bus; scoped to our documents.
    new Rule(this, 'CommandStatusRule', {
      description: 'Our rollout commands settled -> command-status',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['EC2 Command Status-change Notification'],
        detail: {
          'document-name': this.allDocuments().map((d) => d.name),
          status: [...FINAL_COMMAND_STATUSES],
        },
      },
      targets: [new LambdaFunction(commandStatus.function, targetOptions)],
    });
    managers.forEach((m) => systemFailureAlarm(this, m));
    const alarms = [...new Set(settings.fleets.flatMap((f) => f.rollbackAlarms))];
    if (alarms.length > 0) {
      new Rule(this, 'RollbackAlarmRule', {
        description: 'A rollback alarm went to ALARM -> rollback',
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          detail: { alarmName: alarms, state: { value: ['ALARM'] } },
        },
        targets: [new LambdaFunction(rollback.function, targetOptions)],
      });
    }
    new Rule(this, 'RollbackRequestedRule', {
      description: 'Rollback Requested -> rollback',
      eventBus: bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.RollbackRequested] },
      targets: [new LambdaFunction(rollback.function, targetOptions)],
    });
    new Rule(this, 'ManagerRestartRule', {
      description: 'Manager Restart Requested -> manager-restart',
      eventBus: bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.ManagerRestartRequested] },
      targets: [new LambdaFunction(restart.function, targetOptions)],
    });
    if (runnerConfigs.length > 0) {
      applyConfig.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: runnerConfigs.flatMap((r) => r.parameters.parameters.map((p) => p.parameterArn)),
        }),
      );
      // A deploy writes the manifest last: its change starts one apply per manager fleet.
      new Rule(this, 'ConfigManifestRule', {
        description: 'A manager config manifest changed -> apply-config',
        eventPattern: {
          source: ['aws.ssm'],
          detailType: ['Parameter Store Change'],
          detail: {
            name: runnerConfigs.map((r) => `${r.parameters.prefix}/manifest`),
            operation: ['Create', 'Update'],
          },
        },
        targets: [new LambdaFunction(applyConfig.function, targetOptions)],
      });
      new Rule(this, 'ConfigApplyRequestedRule', {
        description: 'Config Apply Requested -> apply-config',
        eventBus: bus,
        eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.ConfigApplyRequested] },
        targets: [new LambdaFunction(applyConfig.function, targetOptions)],
      });
      for (const { fleet } of runnerConfigs) {
        const drift = fleet.runnerConfig?.driftCheck ?? { cron: '15 3 * * *', timeZone: 'UTC' };
        new Schedule(this, `DriftCheck-${fleet.name}`, {
          description: `Nightly config drift check of manager fleet ${fleet.name} (report only)`,
          schedule: ScheduleExpression.expression(toSchedulerCron(drift.cron), TimeZone.of(drift.timeZone)),
          target: new LambdaInvoke(applyConfig.function, {
            input: ScheduleTargetInput.fromObject({
              fleet: fleet.name,
              mode: 'drift',
              scheduledTime: ContextAttribute.scheduledTime,
            }),
            ...targetOptions,
          }),
        });
      }
      acknowledgeWildcardResources(
        stack,
        [`${applyConfig.function.functionArn}:*`],
        'The drift schedules may invoke apply-config and its versions; that is the grant the Lambda target makes',
      );
    }
    new Schedule(this, 'ReconcilerSchedule', {
      description: `Every ${RECONCILER_EVERY_MINUTES} minutes: advance rollouts whose event never came`,
      schedule: ScheduleExpression.rate(Duration.minutes(RECONCILER_EVERY_MINUTES)),
      target: new LambdaInvoke(reconciler.function, { ...targetOptions }),
    });
  }

  private allDocuments() {
    const d = this.documents;
    return [
      d.smokeJobs,
      d.smokePath,
      d.smokeManager,
      d.drainManager,
      d.managerHealth,
      d.restartManager,
      d.applyConfig,
    ];
  }

  /**
   * Each function's role: of the scoped statements below, the ones its own API operations
   * (`functions/<name>/api-operations.ts`) need, narrowed to those operations. Mutations are scoped
   * by name, by ARN or by our tags.
   */
  private grantRollout(
    fn: AutopilotFunction,
    config: SuiteConfig,
    schedulerRole: Role,
    scheduleGroup: string,
    pipelineArns: readonly string[],
  ): void {
    const stack = Stack.of(this);
    const operations = apiOperationsOf(fn.serviceName);
    const arn = (service: string, resource: string, resourceName?: string, arnFormat?: ArnFormat) =>
      stack.formatArn({
        service,
        resource,
        ...(resourceName === undefined ? {} : { resourceName }),
        ...(arnFormat ? { arnFormat } : {}),
      });
    const managers = config.fleets.filter((f) => f.role === 'manager');
    // Only manager groups: no outside party retires single job instances (DESIGN.md).
    const groups = managers.map((f) =>
      stack.formatArn({
        service: 'autoscaling',
        resource: 'autoScalingGroup',
        resourceName: `*:autoScalingGroupName/${f.autoScalingGroup}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const taggedTemplate = {
      StringEquals: { [`aws:ResourceTag/${DEPLOYMENT_TAG}`]: config.deployment },
    };
    const schedules = arn('scheduler', 'schedule', `${scheduleGroup}/*`);
    const scoped: PolicyStatement[] = [
      // Describe and List actions support no resource-level permissions.
      new PolicyStatement({
        actions: [
          'ec2:DescribeLaunchTemplates',
          'ec2:DescribeInstances',
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeWarmPool',
          'ssm:DescribeInstanceInformation',
          'ssm:ListCommands',
          'ssm:GetCommandInvocation',
          'cloudwatch:DescribeAlarms',
        ],
        resources: ['*'],
      }),
      // Launch templates are named in config; the team tags them so we may change only theirs.
      new PolicyStatement({
        actions: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
        resources: [arn('ec2', 'launch-template', '*')],
        conditions: taggedTemplate,
      }),
      ...(operations.includes('ec2:RunInstances') ? canaryLaunchStatements(stack, config) : []),
      // Only canaries are terminated directly; managers go through their group.
      new PolicyStatement({
        actions: ['ec2:TerminateInstances'],
        resources: [arn('ec2', 'instance', '*')],
        conditions: { StringEquals: { [`aws:ResourceTag/${CANARY_TAG}`]: 'true' } },
      }),
      // Managers are replaced through their group, with health replacement suspended meanwhile.
      new PolicyStatement({
        actions: [
          'autoscaling:TerminateInstanceInAutoScalingGroup',
          'autoscaling:SuspendProcesses',
          'autoscaling:ResumeProcesses',
        ],
        resources: groups,
      }),
      // Our documents, sent only to canaries and to the instances of manager groups.
      new PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: this.allDocuments().map((d) => d.arn),
      }),
      new PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [arn('ec2', 'instance', '*')],
        conditions: { StringEquals: { [`ssm:resourceTag/${CANARY_TAG}`]: 'true' } },
      }),
      new PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [arn('ec2', 'instance', '*')],
        conditions: {
          StringEquals: {
            'ssm:resourceTag/aws:autoscaling:groupName': managers.map((f) => f.autoScalingGroup),
          },
        },
      }),
      // The reconciler lists the images of the pipelines that feed a fleet.
      ...(pipelineArns.length > 0
        ? [
            new PolicyStatement({
              actions: ['imagebuilder:ListImagePipelineImages'],
              resources: [...pipelineArns],
            }),
          ]
        : []),
      // Each one-time schedule deletes itself after it ran (ActionAfterCompletion DELETE).
      new PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [schedules] }),
      ...(operations.includes('scheduler:CreateSchedule')
        ? [new PolicyStatement({ actions: ['iam:PassRole'], resources: [schedulerRole.roleArn] })]
        : []),
    ];
    const wildcards = new Set<string>();
    for (const statement of scoped) {
      // Statements that imply a call (CreateTags, PassRole) come only with the call that needs them.
      const needed = ['ec2:CreateTags', 'iam:PassRole'].some((a) => statement.actions.includes(a))
        ? statement.actions
        : statement.actions.filter((a) => operations.includes(a));
      if (needed.length === 0) continue;
      fn.function.addToRolePolicy(
        new PolicyStatement({
          actions: needed,
          resources: statement.resources,
          conditions: statement.conditions as Record<string, unknown>,
        }),
      );
      statement.resources.filter((r) => r.includes('*')).forEach((r) => wildcards.add(r));
    }
    this.ledger.grantReadWrite(fn.function, operations);
    acknowledgeWildcardResources(
      fn.function,
      [...wildcards],
      'Describe/List actions have no resource-level permissions; mutations are scoped by our tags (canary, deployment), by launch through our templates, by group name or by schedule group',
    );
  }
}
