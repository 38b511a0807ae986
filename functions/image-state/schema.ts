import { EventBridgeEnvelope } from '../shared/eventbridge-envelope';
import * as z from '../shared/zod';

/** `detail` is kept open: Image Builder adds states and fields over time (DESIGN.md). */
export const ImageStateChange = z.extend(EventBridgeEnvelope, {
  source: z.literal('aws.imagebuilder'),
  'detail-type': z.literal('EC2 Image Builder Image State Change'),
  resources: z.array(z.string()).check(z.minLength(1)),
  detail: z.looseObject({
    state: z.looseObject({ status: z.string(), reason: z.optional(z.string()) }),
  }),
});
export type ImageStateChange = z.infer<typeof ImageStateChange>;
