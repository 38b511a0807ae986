/**
 * The names of our bus's events, and the PutEvents entry, without their schemas (`events.ts`):
 * no schema, so a module that only names them (the alert's routing, infra's rules) builds none.
 */
export const EVENT_SOURCE = 'runner-autopilot';

export const DetailType = {
  BakeRequested: 'Bake Requested',
  BakeFailed: 'Bake Failed',
  ImageReady: 'Image Ready',
  CandidatePromoted: 'Candidate Promoted',
  RolloutFailed: 'Rollout Failed',
  RollbackRequested: 'Rollback Requested',
  ManagerRestartRequested: 'Manager Restart Requested',
  ConfigApplyRequested: 'Config Apply Requested',
  ConfigApplyFailed: 'Config Apply Failed',
  ConfigDriftDetected: 'Config Drift Detected',
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/** Our failure events: each may become an alert message. */
export const ALERTED_DETAIL_TYPES = [
  DetailType.BakeFailed,
  DetailType.RolloutFailed,
  DetailType.ConfigApplyFailed,
  DetailType.ConfigDriftDetected,
] as const;

/**
 * What the rule on our bus routes to the alert function (infra/health/alerts.ts): the failure
 * events, and `Image Ready`, which sends nothing but ends its pipeline's `Bake Failed` streak, so
 * the next failure after a success is alerted. The alert function's `AlertInput` parses each.
 */
export const ALERT_ROUTED_DETAIL_TYPES = [...ALERTED_DETAIL_TYPES, DetailType.ImageReady] as const;

export interface BusEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
  readonly Resources?: string[];
}

/** A PutEvents entry for a detail its producer has validated. */
export const entryOf = (
  type: DetailType,
  detail: object,
  eventBusName: string,
  resources: readonly string[] = [],
): BusEntry => ({
  Source: EVENT_SOURCE,
  DetailType: type,
  Detail: JSON.stringify(detail),
  EventBusName: eventBusName,
  ...(resources.length ? { Resources: [...resources] } : {}),
});
