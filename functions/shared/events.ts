import { EventBridgeEnvelope } from './eventbridge-envelope';
import * as z from './zod';

/**
 * The event catalogue of our custom bus. Every step can be started by hand or by a test by putting
 * one of these events; producers validate a detail against its schema before putting it.
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

const pipelineName = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/));

export const BakeRequestedDetail = z.object({
  pipeline: pipelineName,
  /** Same on every retry of the same origin (GitLab delivery, CLI call): the build's client token derives from it. */
  idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
  /** Human-readable origin, e.g. "push to platform/runner-images main (1a2b3c4) matched rule runner-images". */
  reason: z._default(z.string().check(z.maxLength(1024)), 'requested'),
});
export type BakeRequestedDetail = z.infer<typeof BakeRequestedDetail>;

export const BakeFailedDetail = z.object({
  pipeline: pipelineName,
  pipelineArn: z.string(),
  imageArn: z.string(),
  status: z.enum(['FAILED', 'CANCELLED']),
  reason: z.string(),
});
export type BakeFailedDetail = z.infer<typeof BakeFailedDetail>;

export const ImageReadyDetail = z.object({
  pipeline: pipelineName,
  pipelineArn: z.string(),
  imageArn: z.string(),
  imageVersion: z.string(),
  amis: z
    .array(
      z.object({
        region: z.string(),
        imageId: z.string().check(z.regex(/^ami-[0-9a-f]+$/)),
        accountId: z.optional(z.string()),
      }),
    )
    .check(z.minLength(1)),
});
export type ImageReadyDetail = z.infer<typeof ImageReadyDetail>;

const fleetName = pipelineName;

export const CandidatePromotedDetail = z.object({
  fleet: fleetName,
  fleets: z.array(fleetName),
  candidateId: z.string(),
  imageArn: z.string(),
  amiId: z.string(),
  launchTemplateId: z.string(),
  version: z.number().check(z.int()),
  previousVersion: z.number().check(z.int()),
});
export type CandidatePromotedDetail = z.infer<typeof CandidatePromotedDetail>;

export const RolloutFailedDetail = z.object({
  fleet: fleetName,
  candidateId: z.string(),
  imageArn: z.optional(z.string()),
  /** The state the rollout was in when it failed, e.g. `canary-testing`. */
  stage: z.string(),
  /** What happened to the fleet: `refused`, `rejected`, `rolled-back`, `failed`. */
  outcome: z.string(),
  reason: z.string(),
  excerpt: z.optional(z.string().check(z.maxLength(4000))),
});
export type RolloutFailedDetail = z.infer<typeof RolloutFailedDetail>;

export const RollbackRequestedDetail = z.object({
  fleet: fleetName,
  reason: z._default(z.string().check(z.maxLength(1024)), 'requested'),
  idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
});
export type RollbackRequestedDetail = z.infer<typeof RollbackRequestedDetail>;

export const ManagerRestartRequestedDetail = z.object({
  /** The manager fleet to restart gracefully. */
  fleet: fleetName,
  reason: z.string().check(z.maxLength(1024)),
  idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
});
export type ManagerRestartRequestedDetail = z.infer<typeof ManagerRestartRequestedDetail>;

export const ConfigApplyRequestedDetail = z.object({
  /** The manager fleet whose config.toml to apply. */
  fleet: fleetName,
  /** `drift` reports differences and changes nothing. */
  mode: z._default(z.enum(['apply', 'drift']), 'apply'),
  reason: z._default(z.string().check(z.maxLength(1024)), 'requested'),
  idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
});
export type ConfigApplyRequestedDetail = z.infer<typeof ConfigApplyRequestedDetail>;

export const ConfigApplyFailedDetail = z.object({
  fleet: fleetName,
  applyId: z.string(),
  /** Where it stopped: `lint`, `stale`, `failed-restored`, `failed`... */
  stage: z.string(),
  reason: z.string(),
  excerpt: z.optional(z.string().check(z.maxLength(4000))),
});
export type ConfigApplyFailedDetail = z.infer<typeof ConfigApplyFailedDetail>;

export const ConfigDriftDetectedDetail = z.object({
  fleet: fleetName,
  applyId: z.string(),
  instanceId: z.string(),
  changes: z.string(),
  configHash: z.optional(z.string()),
});
export type ConfigDriftDetectedDetail = z.infer<typeof ConfigDriftDetectedDetail>;

export const DetailSchemas = {
  [DetailType.BakeRequested]: BakeRequestedDetail,
  [DetailType.BakeFailed]: BakeFailedDetail,
  [DetailType.ImageReady]: ImageReadyDetail,
  [DetailType.CandidatePromoted]: CandidatePromotedDetail,
  [DetailType.RolloutFailed]: RolloutFailedDetail,
  [DetailType.RollbackRequested]: RollbackRequestedDetail,
  [DetailType.ManagerRestartRequested]: ManagerRestartRequestedDetail,
  [DetailType.ConfigApplyRequested]: ConfigApplyRequestedDetail,
  [DetailType.ConfigApplyFailed]: ConfigApplyFailedDetail,
  [DetailType.ConfigDriftDetected]: ConfigDriftDetectedDetail,
} satisfies Record<DetailType, z.ZodMiniType>;

/** A whole event of our bus as a consumer receives it. */
export const busEvent = <T extends DetailType>(type: T) =>
  z.extend(EventBridgeEnvelope, {
    source: z.literal(EVENT_SOURCE),
    'detail-type': z.literal(type),
    detail: DetailSchemas[type],
  });

export interface BusEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
  readonly Resources?: string[];
}

/** Builds a PutEvents entry, validating the detail so no producer can emit a malformed event. */
export const busEntry = <T extends DetailType>(
  type: T,
  detail: z.input<(typeof DetailSchemas)[T]>,
  eventBusName: string,
  resources: string[] = [],
): BusEntry => ({
  Source: EVENT_SOURCE,
  DetailType: type,
  Detail: JSON.stringify(DetailSchemas[type].parse(detail)),
  EventBusName: eventBusName,
  ...(resources.length ? { Resources: resources } : {}),
});
