import { EventBridgeEnvelope } from '../shared/eventbridge-envelope';
import * as v from '../shared/valibot';

/** `detail` is kept open: Image Builder adds states and fields over time (DESIGN.md). */
export const ImageStateChange = v.object({
  ...EventBridgeEnvelope.entries,
  source: v.literal('aws.imagebuilder'),
  'detail-type': v.literal('EC2 Image Builder Image State Change'),
  resources: v.pipe(v.array(v.string()), v.minLength(1)),
  detail: v.looseObject({
    state: v.looseObject({ status: v.string(), reason: v.optional(v.string()) }),
  }),
});
export type ImageStateChange = v.InferOutput<typeof ImageStateChange>;
