import { busEvent, EventBridgeEnvelope } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import * as z from '../shared/zod';

/** A deploy wrote a manager fleet's manifest parameter (last, after its template and values). */
export const ManifestChanged = z.extend(EventBridgeEnvelope, {
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('Parameter Store Change'),
  detail: z.looseObject({ name: z.string(), operation: z.string() }),
});

/** The nightly drift check of one manager fleet (Scheduler input, no envelope). */
export const DriftCheck = z.strictObject({
  fleet: z.string().check(z.minLength(1)),
  mode: z.literal('drift'),
  scheduledTime: z.iso.datetime({ offset: true }),
});

export const ApplyConfigInput = z.union([
  ManifestChanged,
  busEvent(DetailType.ConfigApplyRequested),
  DriftCheck,
]);
export type ApplyConfigInput = z.infer<typeof ApplyConfigInput>;
