import { ArnFormat, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Grant, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import type { HousekeeperSettings } from '../../functions/housekeeper/settings';
import type { SuiteConfig } from '../../functions/shared/config';
import type { AutopilotFunction, AutopilotFunctionProps } from '../autopilot-function';
import { acknowledgeWildcardResources } from '../nag';
import { HOUSEKEEPING_SCHEDULE, toSchedulerCron } from '../schedule';
import type { LedgerTable } from './ledger-table';
import { DEPLOYMENT_TAG } from '../../functions/shared/names';

/** The tag our launch templates (set by the team) and AMIs (set by our distribution) carry. */

export interface HousekeepingProps {
  readonly config: SuiteConfig;
  /** Read (Query only) for the rollouts' previous defaults, candidates and AMIs. */
  readonly ledger: LedgerTable;
  /** Dead-letter queue of the schedule's deliveries. */
  readonly deliveryFailures: IQueue;
  /** Registers the function with the stack (failure queue, alarms, lists). */
  readonly addFunction: (props: AutopilotFunctionProps) => AutopilotFunction;
  /**
   * When the housekeeper runs.
   * @default - daily at 03:30 UTC, after the nightly bakes have started and before working hours
   */
  readonly schedule?: ScheduleExpression;
}

/**
 * The housekeeper (functions/housekeeper): a daily schedule, the function, and its rights. It may
 * delete versions only of launch templates, and deregister only AMIs, tagged
 * `runner-autopilot:deployment` = this deployment, and delete only snapshots carrying that tag.
 */
export class Housekeeping extends Construct {
  readonly function: AutopilotFunction;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: HousekeepingProps) {
    super(scope, id);
    const { config, ledger } = props;
    if (config.fleets.length === 0) {
      throw new Error(
        'Housekeeping needs at least one fleet in the config: it cleans up the fleets’ launch templates',
      );
    }
    const stack = Stack.of(this);

    const settings: HousekeeperSettings = {
      ledgerTable: ledger.tableName,
      region: stack.region,
      deployment: config.deployment,
      keepVersions: config.housekeeping.keepVersions,
      amiRetentionDays: config.housekeeping.amiRetentionDays,
      dryRun: config.housekeeping.dryRun,
      fleets: config.fleets.map((f) => ({
        name: f.name,
        autoScalingGroup: f.autoScalingGroup,
        launchTemplate: f.launchTemplate,
      })),
    };
    this.function = props.addFunction({
      name: 'housekeeper',
      description: `Daily: old launch template versions and unreferenced AMIs${config.housekeeping.dryRun ? ' (dry run: reports only)' : ''}`,
      settings,
      logLevel: config.logLevel,
      timeout: Duration.minutes(5),
    });
    const fn = this.function.function;

    const launchTemplates = stack.formatArn({
      service: 'ec2',
      resource: 'launch-template',
      resourceName: '*',
    });
    // AMIs and snapshots have no account in their ARN.
    const images = stack.formatArn({
      service: 'ec2',
      account: '',
      resource: 'image',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const snapshots = stack.formatArn({
      service: 'ec2',
      account: '',
      resource: 'snapshot',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const ours = { StringEquals: { [`aws:ResourceTag/${DEPLOYMENT_TAG}`]: config.deployment } };
    [
      // Describe actions support no resource-level permissions.
      new PolicyStatement({
        actions: [
          'ec2:DescribeLaunchTemplates',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:DescribeInstances',
          'ec2:DescribeImages',
          'autoscaling:DescribeAutoScalingGroups',
        ],
        resources: ['*'],
      }),
      new PolicyStatement({
        actions: ['ec2:DeleteLaunchTemplateVersions'],
        resources: [launchTemplates],
        conditions: ours,
      }),
      new PolicyStatement({ actions: ['ec2:DeregisterImage'], resources: [images], conditions: ours }),
      // Snapshots of the AMIs it deregistered (the code deletes no other): tagged as ours, or, since
      // the distribution's AMI tags may not reach them, tagged by Image Builder itself, whose
      // service-linked role policy requires `CreatedBy: EC2 Image Builder` on the snapshots it registers.
      new PolicyStatement({ actions: ['ec2:DeleteSnapshot'], resources: [snapshots], conditions: ours }),
      new PolicyStatement({
        actions: ['ec2:DeleteSnapshot'],
        resources: [snapshots],
        conditions: { StringEquals: { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' } },
      }),
    ].forEach((s) => fn.addToRolePolicy(s));
    // Read-only on the ledger: the only call is listFleetRollouts (Query on the table).
    Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:Query'], resourceArns: [ledger.table.tableArn] });
    acknowledgeWildcardResources(
      fn,
      ['*', launchTemplates, images, snapshots],
      'Describe actions have no resource-level permissions; deletions are limited by the runner-autopilot:deployment tag condition to this deployment’s launch templates, AMIs and snapshots, whose ids are not known in advance',
    );

    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Daily housekeeping: old launch template versions, unreferenced AMIs and their snapshots',
      schedule:
        props.schedule ??
        ScheduleExpression.expression(
          toSchedulerCron(HOUSEKEEPING_SCHEDULE.cron),
          TimeZone.of(HOUSEKEEPING_SCHEDULE.timeZone),
        ),
      target: new LambdaInvoke(fn, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        deadLetterQueue: props.deliveryFailures,
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
      }),
    });
    acknowledgeWildcardResources(
      stack,
      [`${fn.functionArn}:*`],
      "The schedules' role may invoke the housekeeper and its versions; that is the grant LambdaInvoke makes",
    );
  }
}
