import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

import type { Fleet } from '../../functions/shared/fleet';

/** Where the manager's CloudWatch agent publishes the runner's Prometheus metrics (image/files/runner-metrics). */
export const RUNNER_METRICS_NAMESPACE = 'RunnerAutopilot/Runner';

export const systemFailureAlarmName = (stack: Stack, manager: Pick<Fleet, 'name'>): string =>
  `${stack.stackName}-${manager.name}-runner-system-failures`;

/**
 * Jobs that failed with `runner_system_failure`: what only the runner knows, and the sign that a
 * new image or config broke jobs. The default rollback alarm of the manager and its job fleets.
 */
export const systemFailureAlarm = (scope: Construct, manager: Fleet): Alarm =>
  new Alarm(scope, `SystemFailures-${manager.name}`, {
    alarmName: systemFailureAlarmName(Stack.of(scope), manager),
    alarmDescription: `Jobs of manager fleet ${manager.name} fail with runner_system_failure. Runbook: a rollout or config apply within the bake period is rolled back by this alarm; otherwise read the runner's log on the manager (journalctl -u gitlab-runner) and the job logs.`,
    metric: new Metric({
      namespace: RUNNER_METRICS_NAMESPACE,
      metricName: 'gitlab_runner_failed_jobs_total',
      dimensionsMap: { fleet: manager.name, failure_reason: 'runner_system_failure' },
      statistic: 'Sum',
      period: Duration.minutes(5),
    }),
    threshold: manager.health.systemFailureThreshold,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });

/** Each fleet's rollback alarms: its own, plus the system-failure alarm of its manager fleet. */
export const withDefaultRollbackAlarms = (stack: Stack, fleets: readonly Fleet[]): Fleet[] =>
  fleets.map((f) => {
    const manager = f.role === 'manager' ? f : fleets.find((m) => m.name === f.manager);
    if (!manager) return f;
    return {
      ...f,
      rollbackAlarms: [...new Set([...f.rollbackAlarms, systemFailureAlarmName(stack, manager)])],
    };
  });
