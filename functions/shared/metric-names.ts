/**
 * Names of the metrics the functions publish and infra alarms on or charts, in a module with no
 * imports: infra may import it without pulling Powertools or any handler code into the synth.
 */

/** Namespace of every metric the suite publishes. */
export const METRICS_NAMESPACE = 'RunnerAutopilot';

/** Every function (dimension `service`): an input refused for good; each function alarms on it. */
export const PERMANENT_FAILURE_METRIC = 'PermanentFailure';
/** Every function: a failure Lambda retries. */
export const TRANSIENT_FAILURE_METRIC = 'TransientFailure';

/** `image-ready` -> `ImageReady`: one count per outcome, for dashboards and alarms. */
export const outcomeMetric = (outcome: string): string =>
  outcome
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** The webhook's outcome when the fallback took a push; it has its own alarm. */
export const DEFERRED_METRIC = 'Deferred';
/** The webhook's outcome for a missing or wrong token; alarmed when it repeats. */
export const UNAUTHORIZED_METRIC = 'Unauthorized';

/** Counted per chat channel (dimension `channel`) when a message can never reach it; alarmed. */
export const CHAT_DELIVERY_FAILED = 'ChatDeliveryFailed';

/** What the fleet sweeper publishes per fleet (dimensions `service` and `fleet`). */
export const FLEET_METRICS = {
  idle: 'IdleInstances',
  stuck: 'StuckInstances',
  orphaned: 'OrphanedInstances',
  outdated: 'OutdatedInstances',
  unknown: 'UnknownInstances',
  size: 'FleetSize',
  instanceHours: 'InstanceHours',
  managerAbsent: 'ManagerAbsent',
} as const;
export type FleetMetricName = (typeof FLEET_METRICS)[keyof typeof FLEET_METRICS];
