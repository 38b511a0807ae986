import type { Logger } from '@aws-lambda-powertools/logger';

import type { Outcome } from '../shared/make-handler';
import { FLEET_METRICS } from '../shared/metric-names';
import { makeMetrics, MetricUnit } from '../shared/observability';
import type { FleetReport } from './decide';

/** One EMF blob per fleet: the fleet's own dimension set (service, fleet) and every count. */
export const publishFleetMetrics = (report: FleetReport): void => {
  const metrics = makeMetrics('fleet-sweeper');
  metrics.setDefaultDimensions({ fleet: report.fleet });
  metrics.addMetric(FLEET_METRICS.idle, MetricUnit.Count, report.counts.idle);
  metrics.addMetric(FLEET_METRICS.stuck, MetricUnit.Count, report.counts.stuck);
  metrics.addMetric(FLEET_METRICS.orphaned, MetricUnit.Count, report.counts.orphaned);
  metrics.addMetric(FLEET_METRICS.outdated, MetricUnit.Count, report.outdatedTooLong);
  metrics.addMetric(FLEET_METRICS.unknown, MetricUnit.Count, report.counts.unknown);
  metrics.addMetric(FLEET_METRICS.size, MetricUnit.Count, report.fleetSize);
  metrics.addMetric(FLEET_METRICS.instanceHours, MetricUnit.Count, report.instanceHours);
  metrics.addMetric(FLEET_METRICS.managerAbsent, MetricUnit.Count, report.managerAbsent ? 1 : 0);
  metrics.publishStoredMetrics();
};

/** The fleet's details at debug: its counts and every instance worth a look. */
export const logReport = (logger: Logger, report: FleetReport): void => {
  logger.debug('fleet swept', {
    fleet: report.fleet,
    counts: report.counts,
    keptIdle: report.keptIdle,
    idleWindowMinutes: report.idleWindowMinutes,
    managerAbsent: report.managerAbsent,
    outdated: report.outdated,
    outdatedTooLong: report.outdatedTooLong,
    instances: report.instances.filter(
      (v) => !['active', 'busy', 'other'].includes(v.class) || v.outdatedHours,
    ),
  });
};

export interface SweepOutcome extends Outcome {
  readonly outcome: 'swept';
  readonly fleetCount: number;
  readonly instanceCount: number;
  readonly idle: number;
  readonly stuck: number;
  readonly orphaned: number;
  readonly unknown: number;
  readonly outdatedTooLong: number;
  readonly managersAbsent: string[];
  readonly jobChecksSent: number;
  readonly terminated: readonly string[];
}

/** The sweep's one info line: totals over the fleets swept, and what was done. */
export const sweepOutcome = (
  reports: readonly FleetReport[],
  applied: { jobChecksSent: number; terminated: readonly string[] },
): SweepOutcome => {
  const total = (pick: (r: FleetReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  return {
    outcome: 'swept',
    fleetCount: reports.length,
    instanceCount: total((r) => r.total),
    idle: total((r) => r.counts.idle),
    stuck: total((r) => r.counts.stuck),
    orphaned: total((r) => r.counts.orphaned),
    unknown: total((r) => r.counts.unknown),
    outdatedTooLong: total((r) => r.outdatedTooLong),
    managersAbsent: reports.filter((r) => r.managerAbsent).map((r) => r.fleet),
    jobChecksSent: applied.jobChecksSent,
    terminated: applied.terminated,
  };
};
