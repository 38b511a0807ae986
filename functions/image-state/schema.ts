import { z } from 'zod';

import { EventBridgeEnvelope } from '../shared/eventbridge-envelope';

/** `detail` is kept open: Image Builder adds states and fields over time (DESIGN.md). */
export const ImageStateChange = EventBridgeEnvelope.extend({
  source: z.literal('aws.imagebuilder'),
  'detail-type': z.literal('EC2 Image Builder Image State Change'),
  resources: z.array(z.string()).min(1),
  detail: z.looseObject({
    state: z.looseObject({ status: z.string(), reason: z.string().optional() }),
  }),
});
export type ImageStateChange = z.infer<typeof ImageStateChange>;
