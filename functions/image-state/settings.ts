import { z } from 'zod';

/** image-state's slice: our pipelines (by ARN) and the bus its events go to. */
export const ImageStateSettings = z.strictObject({
  eventBusName: z.string().min(1),
  pipelines: z.array(z.strictObject({ name: z.string(), arn: z.string().startsWith('arn:') })).min(1),
});
export type ImageStateSettings = z.infer<typeof ImageStateSettings>;
