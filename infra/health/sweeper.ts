import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  ContextAttribute,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import type { FleetSweeperSettings } from '../../functions/fleet-sweeper/settings';
import type { SuiteConfig } from '../../functions/shared/config';
import type { Fleet } from '../../functions/shared/fleet';
import { FLEET_METRICS, type FleetMetricName, METRICS_NAMESPACE } from '../../functions/shared/metric-names';
import type { AutopilotFunction, AutopilotFunctionProps } from '../autopilot-function';
import { acknowledgeWildcardResources } from '../nag';
import {
  commandDocument,
  commandDocumentName,
  integerRangePattern,
  MAX_DOCUMENT_BYTES,
  PARAMETER_PATTERNS,
} from '../ssm/documents';
import type { LedgerTable } from '../rollout/ledger-table';
import { CANARY_TAG, FLEET_TAG } from '../../functions/shared/names';

/** The service dimension Powertools adds to every metric of the function. */
export const SWEEPER_SERVICE = 'fleet-sweeper';

export interface SweeperProps {
  readonly config: SuiteConfig;
  /** Read for manager leases (GetItem) and promotion times (Query). */
  readonly ledger: LedgerTable;
  /** Dead-letter queue of the schedule's deliveries. */
  readonly deliveryFailures: IQueue;
  /** Registers the function with the stack (failure queue, alarms, lists). */
  readonly addFunction: (props: AutopilotFunctionProps) => AutopilotFunction;
  /**
   * Per manager fleet with a runner config: its Parameter Store prefix (`.../config`), whose
   * `/template` and `/values` hold the autoscaler policies.
   * @default - no manager config is read: nothing is known to be kept idle on purpose
   */
  readonly configPrefixes?: Readonly<Record<string, string>>;
}

/** A fleet's sweeper metric, as the function publishes it (dimensions service and fleet). */
export const fleetMetric = (fleet: string, metricName: FleetMetricName, periodMinutes: number): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SWEEPER_SERVICE, fleet },
    statistic: 'Maximum',
    period: Duration.minutes(periodMinutes),
  });

/** What the canary of a fleet may take: its online wait plus its smoke test. */
const canaryLifetimeMinutes = (f: Fleet): number =>
  f.canary.onlineTimeoutMinutes + f.canary.smokeTimeoutMinutes;

/**
 * The fleet sweeper (functions/fleet-sweeper): the function on a schedule every
 * `sweepEveryMinutes`, its job-check document, its rights, and per fleet the idle, stuck and
 * outdated alarms on the counts it publishes. Its only mutations: job-check commands to the
 * fleets' instances, and (only where a fleet sets `terminateOrphans`) terminating instances that
 * carry a configured group's tag or the canary tag, which the function further restricts to idle
 * ones in no group.
 */
export class Sweeper extends Construct {
  readonly function: AutopilotFunction;
  readonly schedule: Schedule;
  readonly jobCheckDocumentName: string;
  /** Per fleet: its idle (jobs fleets only), stuck and outdated alarms. */
  readonly alarms: Readonly<Record<string, Alarm[]>>;

  constructor(scope: Construct, id: string, props: SweeperProps) {
    super(scope, id);
    const { config, ledger } = props;
    if (config.fleets.length === 0)
      throw new Error('Sweeper needs at least one fleet in the config: it sweeps the fleets’ groups');
    const stack = Stack.of(this);
    const prefixes = props.configPrefixes ?? {};
    const every = config.sweepEveryMinutes;

    // The job check: one read-only script, no secrets in its parameters.
    this.jobCheckDocumentName = commandDocumentName(config.deployment, 'job-check');
    const content = commandDocument({
      key: 'job-check',
      stepName: 'JobCheck',
      description:
        'runner-autopilot: does this instance run a GitLab job? (runner containers, ssh sessions, connector user processes; two samples)',
      scripts: ['lib.sh', 'job-check.sh'],
      parameters: {
        ConnectorUser: {
          description:
            "(Optional) The fleeting plugin's connector user, whose processes mean a job runs; empty skips that check.",
          allowedPattern: '^([a-z_][a-z0-9_-]{0,31})?$',
          default: '',
          env: ['CONNECTOR_USER'],
        },
        SampleSeconds: {
          description: 'Seconds between the two samples: 0 to 30.',
          allowedPattern: integerRangePattern(0, 30),
          default: '5',
          env: ['SAMPLE_SECONDS'],
        },
        Fleet: {
          description: '(Optional) The fleet whose sweep sent the command.',
          allowedPattern: PARAMETER_PATTERNS.optionalName,
          default: '',
          env: ['AUTOPILOT_FLEET'],
        },
      },
      minTimeoutSeconds: 60,
      defaultTimeoutSeconds: 120,
    });
    const size = Buffer.byteLength(JSON.stringify(content));
    if (size > MAX_DOCUMENT_BYTES)
      throw new Error(
        `document ${this.jobCheckDocumentName} is ${size} bytes, over SSM's ${MAX_DOCUMENT_BYTES}`,
      );
    new CfnDocument(this, 'JobCheck', {
      name: this.jobCheckDocumentName,
      documentType: 'Command',
      documentFormat: 'JSON',
      targetType: '/AWS::EC2::Instance',
      updateMethod: 'NewVersion',
      content,
    });

    const connectorUsers = new Map(
      config.pipelines.flatMap((p) => (p.kind === 'jobs' ? [[p.name, p.connectorUser] as const] : [])),
    );
    const settings: FleetSweeperSettings = {
      region: stack.region,
      ledgerTable: ledger.tableName,
      jobCheckDocument: this.jobCheckDocumentName,
      sweepEveryMinutes: every,
      fleets: config.fleets.map((f) => ({
        name: f.name,
        role: f.role,
        autoScalingGroup: f.autoScalingGroup,
        launchTemplate: f.launchTemplate,
        ...(f.manager ? { manager: f.manager } : {}),
        health: f.health,
        canaryLifetimeMinutes: canaryLifetimeMinutes(f),
        ...(connectorUsers.has(f.pipeline) ? { connectorUser: connectorUsers.get(f.pipeline) } : {}),
      })),
      configPrefixes: Object.fromEntries(
        Object.entries(prefixes).filter(([name]) => config.fleets.some((f) => f.name === name)),
      ),
    };
    this.function = props.addFunction({
      name: 'fleet-sweeper',
      description: `Every ${every} min: idle, stuck, orphaned and outdated instances per fleet -> metrics`,
      settings,
      logLevel: config.logLevel,
      timeout: Duration.minutes(Math.min(5, Math.max(2, every))),
      memorySize: 512,
    });
    const fn = this.function.function;

    const arn = (service: string, resource: string, resourceName: string) =>
      stack.formatArn({ service, resource, resourceName });
    const instances = arn('ec2', 'instance', '*');
    const groups = config.fleets.map((f) => f.autoScalingGroup);
    [
      // Describe, List and GetMetricData support no resource-level permissions.
      new PolicyStatement({
        actions: [
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceStatus',
          'ec2:DescribeLaunchTemplates',
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeScalingActivities',
          'ssm:DescribeInstanceInformation',
          'ssm:ListCommands',
          'ssm:ListCommandInvocations',
          'cloudwatch:GetMetricData',
        ],
        resources: ['*'],
      }),
      // The job check, to our groups' instances and our canaries only.
      new PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [arn('ssm', 'document', this.jobCheckDocumentName)],
      }),
      new PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [instances],
        conditions: { StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': groups } },
      }),
      new PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [instances],
        conditions: { StringEquals: { [`ssm:resourceTag/${CANARY_TAG}`]: 'true' } },
      }),
    ].forEach((s) => fn.addToRolePolicy(s));
    const parameterArns = Object.values(settings.configPrefixes).flatMap((prefix) =>
      ['template', 'values'].map((p) => arn('ssm', 'parameter', `${prefix.slice(1)}/${p}`)),
    );
    if (parameterArns.length > 0)
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources: parameterArns }));
    // Terminating is granted only where a fleet turned it on; the function adds "idle, in no group".
    const terminating = config.fleets.filter((f) => f.health.terminateOrphans);
    if (terminating.length > 0) {
      const terminate = (tags: Record<string, string | string[]>) =>
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['ec2:TerminateInstances'],
            resources: [instances],
            conditions: { StringEquals: tags },
          }),
        );
      terminate({ 'aws:ResourceTag/aws:autoscaling:groupName': terminating.map((f) => f.autoScalingGroup) });
      terminate({
        [`aws:ResourceTag/${CANARY_TAG}`]: 'true',
        [`aws:ResourceTag/${FLEET_TAG}`]: terminating.map((f) => f.name),
      });
    }
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resourceArns: [ledger.table.tableArn],
    });
    acknowledgeWildcardResources(
      fn,
      ['*', instances],
      'Describe/List/GetMetricData have no resource-level permissions; SendCommand and TerminateInstances on instances are limited by tag conditions to the configured groups and our canaries, whose ids are not known in advance',
    );

    this.schedule = new Schedule(this, 'Schedule', {
      description: `Every ${every} minutes: sweep the fleets for idle, stuck, orphaned and outdated instances`,
      schedule: ScheduleExpression.rate(Duration.minutes(every)),
      target: new LambdaInvoke(fn, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        deadLetterQueue: props.deliveryFailures,
        retryAttempts: 2,
        // A sweep delivered after the next one started is worth nothing.
        maxEventAge: Duration.minutes(Math.max(1, every)),
      }),
    });
    acknowledgeWildcardResources(
      stack,
      [`${fn.functionArn}:*`],
      "The schedules' role may invoke the fleet sweeper and its versions; that is the grant LambdaInvoke makes",
    );

    const alarms: Record<string, Alarm[]> = {};
    for (const f of config.fleets) {
      const h = f.health;
      const alarm = (
        key: string,
        metricName: FleetMetricName,
        threshold: number,
        what: string,
        runbook: string,
      ) =>
        new Alarm(this, `${f.name}-${key}`, {
          alarmName: `${config.deployment}-autopilot-${f.name}-${key}`,
          alarmDescription: `${what} Runbook: ${runbook}`,
          metric: fleetMetric(f.name, metricName, every),
          threshold,
          evaluationPeriods: h.alarmPeriods,
          datapointsToAlarm: h.alarmPeriods,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          // No data means no sweep: the function's own failure alarms report that.
          treatMissingData: TreatMissingData.NOT_BREACHING,
        });
      alarms[f.name] = [
        ...(f.role === 'jobs'
          ? [
              alarm(
                'idle-instances',
                FLEET_METRICS.idle,
                h.idleAlarmThreshold,
                `Fleet ${f.name}: at least ${h.idleAlarmThreshold} instances idle beyond the capacity its autoscaler policy keeps, for ${h.alarmPeriods} sweeps.`,
                `read the fleet-sweeper log ("fleet swept", fleet ${f.name}) for the idle instance ids; check the runner's idle_time and idle_count in the manager's config.toml and that the manager is healthy (its autoscaler removes idle instances); an instance the sweeper calls idle said it runs no job.`,
              ),
            ]
          : []),
        alarm(
          'stuck-instances',
          FLEET_METRICS.stuck,
          h.stuckAlarmThreshold,
          `Fleet ${f.name}: at least ${h.stuckAlarmThreshold} instances stuck (pending too long, failing status checks, offline in SSM, or held in a lifecycle wait) for ${h.alarmPeriods} sweeps.`,
          `read the fleet-sweeper log ("fleet swept", fleet ${f.name}) for the instance ids and reasons; check their console output and status checks in EC2 and the group's scaling activities; a job instance is removed by the runner, never by hand while it may run a job.`,
        ),
        alarm(
          'outdated-instances',
          FLEET_METRICS.outdated,
          h.outdatedAlarmThreshold,
          `Fleet ${f.name}: at least ${h.outdatedAlarmThreshold} instances launched from a launch template version other than the group's current one, for longer than ${h.outdatedHours} h.`,
          f.role === 'manager'
            ? `the manager was not replaced after a promotion: check the rollout in the ledger (maintenance window, lease) and the last drain; replace it in its next maintenance window.`
            : `instances are not retiring by themselves: check max_use_count and idle_time in the manager's config.toml, or recycle the fleet with a graceful manager restart in its maintenance window.`,
        ),
      ];
    }
    this.alarms = alarms;
  }
}
