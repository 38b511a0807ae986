import { type BusEntry, DetailType, entryOf } from './detail-types';
import { formatIssues } from './issues';
import * as v from './valibot';

/**
 * The event catalogue of our custom bus. Every step can be started by hand or by a test by putting
 * one of these events; producers validate a detail against its schema before putting it. Its
 * names live in `detail-types.ts`, which carries no schema (the webhook builds its entries from it).
 */
export {
  ALERT_ROUTED_DETAIL_TYPES,
  ALERTED_DETAIL_TYPES,
  type BusEntry,
  DetailType,
  EVENT_SOURCE,
} from './detail-types';

/** A pipeline or fleet name: what the config schema accepts for both. */
const resourceName = () => v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/));

/**
 * Each detail's schema, built on first use: a function constructs only the few it puts or
 * receives, not the catalogue.
 */
const DETAIL_SCHEMAS = {
  [DetailType.BakeRequested]: () =>
    v.object({
      pipeline: resourceName(),
      /** Same on every retry of the same origin (GitLab delivery, CLI call): the build's client token derives from it. */
      idempotencyKey: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
      /** Human-readable origin, e.g. "push to platform/runner-images main (1a2b3c4) matched rule runner-images". */
      reason: v.optional(v.pipe(v.string(), v.maxLength(1024)), 'requested'),
    }),
  [DetailType.BakeFailed]: () =>
    v.object({
      pipeline: resourceName(),
      pipelineArn: v.string(),
      imageArn: v.string(),
      status: v.picklist(['FAILED', 'CANCELLED']),
      reason: v.string(),
    }),
  [DetailType.ImageReady]: () =>
    v.object({
      pipeline: resourceName(),
      pipelineArn: v.string(),
      imageArn: v.string(),
      imageVersion: v.string(),
      amis: v.pipe(
        v.array(
          v.object({
            region: v.string(),
            imageId: v.pipe(v.string(), v.regex(/^ami-[0-9a-f]+$/)),
            accountId: v.optional(v.string()),
          }),
        ),
        v.minLength(1),
      ),
    }),
  [DetailType.CandidatePromoted]: () =>
    v.object({
      fleet: resourceName(),
      fleets: v.array(resourceName()),
      candidateId: v.string(),
      imageArn: v.string(),
      amiId: v.string(),
      launchTemplateId: v.string(),
      version: v.pipe(v.number(), v.safeInteger()),
      previousVersion: v.pipe(v.number(), v.safeInteger()),
    }),
  [DetailType.RolloutFailed]: () =>
    v.object({
      fleet: resourceName(),
      candidateId: v.string(),
      imageArn: v.optional(v.string()),
      /** The state the rollout was in when it failed, e.g. `canary-testing`. */
      stage: v.string(),
      /** What happened to the fleet: `refused`, `rejected`, `rolled-back`, `failed`. */
      outcome: v.string(),
      reason: v.string(),
      excerpt: v.optional(v.pipe(v.string(), v.maxLength(4000))),
    }),
  [DetailType.RollbackRequested]: () =>
    v.object({
      fleet: resourceName(),
      reason: v.optional(v.pipe(v.string(), v.maxLength(1024)), 'requested'),
      idempotencyKey: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    }),
  [DetailType.ManagerRestartRequested]: () =>
    v.object({
      /** The manager fleet to restart gracefully. */
      fleet: resourceName(),
      reason: v.pipe(v.string(), v.maxLength(1024)),
      idempotencyKey: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
      /** Part of a rollback (its fleets back onto the restored default): no brake holds it. */
      afterRollback: v.optional(v.boolean(), false),
    }),
  [DetailType.ConfigApplyRequested]: () =>
    v.object({
      /** The manager fleet whose config.toml to apply. */
      fleet: resourceName(),
      /** `drift` reports differences and changes nothing. */
      mode: v.optional(v.picklist(['apply', 'drift']), 'apply'),
      reason: v.optional(v.pipe(v.string(), v.maxLength(1024)), 'requested'),
      idempotencyKey: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    }),
  [DetailType.ConfigApplyFailed]: () =>
    v.object({
      fleet: resourceName(),
      applyId: v.string(),
      /** Where it stopped: `lint`, `stale`, `failed-restored`, `failed`... */
      stage: v.string(),
      reason: v.string(),
      excerpt: v.optional(v.pipe(v.string(), v.maxLength(4000))),
    }),
  [DetailType.ConfigDriftDetected]: () =>
    v.object({
      fleet: resourceName(),
      applyId: v.string(),
      instanceId: v.string(),
      changes: v.string(),
      configHash: v.optional(v.string()),
    }),
} satisfies Record<DetailType, () => v.GenericSchema>;

type DetailSchema<T extends DetailType> = ReturnType<(typeof DETAIL_SCHEMAS)[T]>;
const built = new Map<DetailType, v.GenericSchema>();

/** The schema of one detail type, built once per container. */
export const detailSchema = <T extends DetailType>(type: T): DetailSchema<T> => {
  let schema = built.get(type);
  if (!schema) {
    schema = DETAIL_SCHEMAS[type]();
    built.set(type, schema);
  }
  return schema as DetailSchema<T>;
};

export type BakeRequestedDetail = v.InferOutput<DetailSchema<typeof DetailType.BakeRequested>>;
export type BakeFailedDetail = v.InferOutput<DetailSchema<typeof DetailType.BakeFailed>>;
export type ImageReadyDetail = v.InferOutput<DetailSchema<typeof DetailType.ImageReady>>;
export type CandidatePromotedDetail = v.InferOutput<DetailSchema<typeof DetailType.CandidatePromoted>>;
export type RolloutFailedDetail = v.InferOutput<DetailSchema<typeof DetailType.RolloutFailed>>;
export type RollbackRequestedDetail = v.InferOutput<DetailSchema<typeof DetailType.RollbackRequested>>;
export type ManagerRestartRequestedDetail = v.InferOutput<
  DetailSchema<typeof DetailType.ManagerRestartRequested>
>;
export type ConfigApplyRequestedDetail = v.InferOutput<DetailSchema<typeof DetailType.ConfigApplyRequested>>;
export type ConfigApplyFailedDetail = v.InferOutput<DetailSchema<typeof DetailType.ConfigApplyFailed>>;
export type ConfigDriftDetectedDetail = v.InferOutput<DetailSchema<typeof DetailType.ConfigDriftDetected>>;

/**
 * Builds a PutEvents entry, validating the detail so no producer can emit a malformed event. A
 * refusal throws the issues' paths and messages only: valibot's own error carries the detail,
 * which the logger would print whole.
 */
export const busEntry = <T extends DetailType>(
  type: T,
  detail: v.InferInput<DetailSchema<T>>,
  eventBusName: string,
  resources: string[] = [],
): BusEntry => {
  const checked = v.safeParse(detailSchema(type), detail);
  if (!checked.success) throw new Error(`invalid ${type} detail: ${formatIssues(checked.issues, 'inline')}`);
  return entryOf(type, checked.output, eventBusName, resources);
};
