import * as z from '../shared/zod';

/** image-state's slice: our pipelines (by ARN) and the bus its events go to. */
export const ImageStateSettings = z.strictObject({
  eventBusName: z.string().check(z.minLength(1)),
  pipelines: z
    .array(z.strictObject({ name: z.string(), arn: z.string().check(z.startsWith('arn:')) }))
    .check(z.minLength(1)),
});
export type ImageStateSettings = z.infer<typeof ImageStateSettings>;
