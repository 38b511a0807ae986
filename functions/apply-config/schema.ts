import { busEvent, EventBridgeEnvelope } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import * as v from '../shared/valibot';

/** A deploy wrote a manager fleet's manifest parameter (last, after its template and values). */
export const ManifestChanged = v.object({
  ...EventBridgeEnvelope.entries,
  source: v.literal('aws.ssm'),
  'detail-type': v.literal('Parameter Store Change'),
  detail: v.looseObject({ name: v.string(), operation: v.string() }),
});

/** The nightly drift check of one manager fleet (Scheduler input, no envelope). */
export const DriftCheck = v.strictObject({
  fleet: v.pipe(v.string(), v.minLength(1)),
  mode: v.literal('drift'),
  scheduledTime: v.dateTime({ offset: true }),
});

export const ApplyConfigInput = v.union([
  ManifestChanged,
  busEvent(DetailType.ConfigApplyRequested),
  DriftCheck,
]);
export type ApplyConfigInput = v.InferOutput<typeof ApplyConfigInput>;
