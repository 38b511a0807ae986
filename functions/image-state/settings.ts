import * as v from '../shared/valibot';

/** image-state's slice: our pipelines (by ARN) and the bus its events go to. */
export const ImageStateSettings = v.strictObject({
  eventBusName: v.pipe(v.string(), v.minLength(1)),
  pipelines: v.pipe(
    v.array(v.strictObject({ name: v.string(), arn: v.pipe(v.string(), v.startsWith('arn:')) })),
    v.minLength(1),
  ),
});
export type ImageStateSettings = v.InferOutput<typeof ImageStateSettings>;
