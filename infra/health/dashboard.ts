import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

import type { Fleet } from '../../functions/shared/fleet';
import { FLEET_METRICS, PERMANENT_FAILURE_METRIC } from '../../functions/shared/metric-names';
import type { AutopilotFunction } from '../autopilot-function';
import { RUNNER_METRICS_NAMESPACE } from './runner-alarms';
import { fleetMetric } from './sweeper';

export interface AutopilotDashboardProps {
  readonly deployment: string;
  readonly fleets: readonly Fleet[];
  readonly functions: readonly AutopilotFunction[];
  /** Minutes between fleet sweeps: the period of the fleet metrics. */
  readonly sweepEveryMinutes: number;
}

/** Functions whose one info line per invocation is a rollout or config step. */
const STEP_FUNCTIONS = [
  'stage-candidate',
  'rollout-step',
  'command-status',
  'rollback',
  'manager-restart',
  'reconciler',
  'apply-config',
];

/**
 * One dashboard per deployment: fleet sizes, the sweeper's classes over time, the runner's own
 * job counts, rollout and config steps as they happened, and every function's errors.
 */
export class AutopilotDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: AutopilotDashboardProps) {
    super(scope, id);
    const every = props.sweepEveryMinutes;
    const fleets = props.fleets;
    const managers = fleets.filter((f) => f.role === 'manager');
    const runner = (metricName: string, fleet: string, dimensions: Record<string, string> = {}) =>
      new Metric({
        namespace: RUNNER_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { fleet, ...dimensions },
        statistic: 'Sum',
        period: Duration.minutes(5),
        label: fleet,
      });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${props.deployment}-runner-autopilot`,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${props.deployment}: GitLab Runner fleet\nFleet classes come from the fleet sweeper every ${every} min; runner metrics from the managers' CloudWatch agents.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Fleet size (instances)',
        left: fleets.map((f) => fleetMetric(f.name, FLEET_METRICS.size, every).with({ label: f.name })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Instance-hours per sweep',
        left: fleets.map((f) =>
          fleetMetric(f.name, FLEET_METRICS.instanceHours, every).with({ label: f.name, statistic: 'Sum' }),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      ...fleets.map(
        (f) =>
          new GraphWidget({
            title: `${f.name}: idle, stuck, orphaned, outdated, unknown`,
            left: [
              FLEET_METRICS.idle,
              FLEET_METRICS.stuck,
              FLEET_METRICS.orphaned,
              FLEET_METRICS.outdated,
              FLEET_METRICS.unknown,
            ].map((name) => fleetMetric(f.name, name, every).with({ label: name.replace('Instances', '') })),
            stacked: true,
            width: 24 / Math.min(fleets.length, 3),
          }),
      ),
    );
    if (managers.length > 0) {
      this.dashboard.addWidgets(
        new GraphWidget({
          title: 'Running jobs',
          left: managers.map((m) =>
            runner('gitlab_runner_jobs', m.name, { state: 'running' }).with({ statistic: 'Maximum' }),
          ),
          width: 12,
        }),
        new GraphWidget({
          title: 'Jobs failed with runner_system_failure',
          left: managers.map((m) =>
            runner('gitlab_runner_failed_jobs_total', m.name, { failure_reason: 'runner_system_failure' }),
          ),
          width: 12,
        }),
      );
    }
    const steps = props.functions.filter((f) => STEP_FUNCTIONS.includes(f.serviceName));
    if (steps.length > 0) {
      this.dashboard.addWidgets(
        new LogQueryWidget({
          title: 'Rollout and config steps',
          logGroupNames: steps.map((f) => f.logGroup.logGroupName),
          view: LogQueryVisualizationType.TABLE,
          queryLines: [
            'fields @timestamp, service, fleet, from, to, note',
            'filter level = "INFO" and ispresent(to)',
            'sort @timestamp desc',
            'limit 100',
          ],
          width: 24,
          height: 8,
        }),
      );
    }
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        left: props.functions.map((f) =>
          f.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum', label: f.serviceName }),
        ),
        width: 12,
      }),
      new GraphWidget({
        title: 'Permanent failures (refused inputs)',
        left: [
          new MathExpression({
            expression: 'SUM(METRICS())',
            usingMetrics: Object.fromEntries(
              props.functions.map((f, i) => [`p${i}`, f.metric(PERMANENT_FAILURE_METRIC)]),
            ),
            label: 'all functions',
            period: Duration.minutes(5),
          }),
        ],
        width: 12,
      }),
    );
  }
}
