import { type BusEntry, DetailType, entryOf } from './detail-types';
import * as z from './zod';

/**
 * The event catalogue of our custom bus. Every step can be started by hand or by a test by putting
 * one of these events; producers validate a detail against its schema before putting it. Its
 * names live in `detail-types.ts`, which carries no zod (the webhook builds its entries from it).
 */
export {
  ALERT_ROUTED_DETAIL_TYPES,
  ALERTED_DETAIL_TYPES,
  type BusEntry,
  DetailType,
  EVENT_SOURCE,
} from './detail-types';

/** A pipeline or fleet name: what the config schema accepts for both. */
const resourceName = () => z.string().check(z.regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/));

/**
 * Each detail's schema, built on first use: a function constructs only the few it puts or
 * receives, not the catalogue (schema construction is most of what zod costs at cold start).
 */
const DETAIL_SCHEMAS = {
  [DetailType.BakeRequested]: () =>
    z.object({
      pipeline: resourceName(),
      /** Same on every retry of the same origin (GitLab delivery, CLI call): the build's client token derives from it. */
      idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
      /** Human-readable origin, e.g. "push to platform/runner-images main (1a2b3c4) matched rule runner-images". */
      reason: z._default(z.string().check(z.maxLength(1024)), 'requested'),
    }),
  [DetailType.BakeFailed]: () =>
    z.object({
      pipeline: resourceName(),
      pipelineArn: z.string(),
      imageArn: z.string(),
      status: z.enum(['FAILED', 'CANCELLED']),
      reason: z.string(),
    }),
  [DetailType.ImageReady]: () =>
    z.object({
      pipeline: resourceName(),
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
    }),
  [DetailType.CandidatePromoted]: () =>
    z.object({
      fleet: resourceName(),
      fleets: z.array(resourceName()),
      candidateId: z.string(),
      imageArn: z.string(),
      amiId: z.string(),
      launchTemplateId: z.string(),
      version: z.number().check(z.int()),
      previousVersion: z.number().check(z.int()),
    }),
  [DetailType.RolloutFailed]: () =>
    z.object({
      fleet: resourceName(),
      candidateId: z.string(),
      imageArn: z.optional(z.string()),
      /** The state the rollout was in when it failed, e.g. `canary-testing`. */
      stage: z.string(),
      /** What happened to the fleet: `refused`, `rejected`, `rolled-back`, `failed`. */
      outcome: z.string(),
      reason: z.string(),
      excerpt: z.optional(z.string().check(z.maxLength(4000))),
    }),
  [DetailType.RollbackRequested]: () =>
    z.object({
      fleet: resourceName(),
      reason: z._default(z.string().check(z.maxLength(1024)), 'requested'),
      idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
    }),
  [DetailType.ManagerRestartRequested]: () =>
    z.object({
      /** The manager fleet to restart gracefully. */
      fleet: resourceName(),
      reason: z.string().check(z.maxLength(1024)),
      idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
    }),
  [DetailType.ConfigApplyRequested]: () =>
    z.object({
      /** The manager fleet whose config.toml to apply. */
      fleet: resourceName(),
      /** `drift` reports differences and changes nothing. */
      mode: z._default(z.enum(['apply', 'drift']), 'apply'),
      reason: z._default(z.string().check(z.maxLength(1024)), 'requested'),
      idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
    }),
  [DetailType.ConfigApplyFailed]: () =>
    z.object({
      fleet: resourceName(),
      applyId: z.string(),
      /** Where it stopped: `lint`, `stale`, `failed-restored`, `failed`... */
      stage: z.string(),
      reason: z.string(),
      excerpt: z.optional(z.string().check(z.maxLength(4000))),
    }),
  [DetailType.ConfigDriftDetected]: () =>
    z.object({
      fleet: resourceName(),
      applyId: z.string(),
      instanceId: z.string(),
      changes: z.string(),
      configHash: z.optional(z.string()),
    }),
} satisfies Record<DetailType, () => z.ZodMiniType>;

type DetailSchema<T extends DetailType> = ReturnType<(typeof DETAIL_SCHEMAS)[T]>;
const built = new Map<DetailType, z.ZodMiniType>();

/** The schema of one detail type, built once per container. */
export const detailSchema = <T extends DetailType>(type: T): DetailSchema<T> => {
  let schema = built.get(type);
  if (!schema) {
    schema = DETAIL_SCHEMAS[type]();
    built.set(type, schema);
  }
  return schema as DetailSchema<T>;
};

export type BakeRequestedDetail = z.infer<DetailSchema<typeof DetailType.BakeRequested>>;
export type BakeFailedDetail = z.infer<DetailSchema<typeof DetailType.BakeFailed>>;
export type ImageReadyDetail = z.infer<DetailSchema<typeof DetailType.ImageReady>>;
export type CandidatePromotedDetail = z.infer<DetailSchema<typeof DetailType.CandidatePromoted>>;
export type RolloutFailedDetail = z.infer<DetailSchema<typeof DetailType.RolloutFailed>>;
export type RollbackRequestedDetail = z.infer<DetailSchema<typeof DetailType.RollbackRequested>>;
export type ManagerRestartRequestedDetail = z.infer<DetailSchema<typeof DetailType.ManagerRestartRequested>>;
export type ConfigApplyRequestedDetail = z.infer<DetailSchema<typeof DetailType.ConfigApplyRequested>>;
export type ConfigApplyFailedDetail = z.infer<DetailSchema<typeof DetailType.ConfigApplyFailed>>;
export type ConfigDriftDetectedDetail = z.infer<DetailSchema<typeof DetailType.ConfigDriftDetected>>;

/** Builds a PutEvents entry, validating the detail so no producer can emit a malformed event. */
export const busEntry = <T extends DetailType>(
  type: T,
  detail: z.input<DetailSchema<T>>,
  eventBusName: string,
  resources: string[] = [],
): BusEntry => entryOf(type, detailSchema(type).parse(detail), eventBusName, resources);
