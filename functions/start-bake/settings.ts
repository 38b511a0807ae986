import * as v from '../shared/valibot';

/** start-bake's slice of the suite config: the pipelines it may start, by name. */
export const StartBakeSettings = v.strictObject({
  pipelines: v.record(v.string(), v.strictObject({ arn: v.pipe(v.string(), v.startsWith('arn:')) })),
});
export type StartBakeSettings = v.InferOutput<typeof StartBakeSettings>;
