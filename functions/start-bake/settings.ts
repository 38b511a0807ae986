import * as z from '../shared/zod';

/** start-bake's slice of the suite config: the pipelines it may start, by name. */
export const StartBakeSettings = z.strictObject({
  pipelines: z.record(z.string(), z.strictObject({ arn: z.string().check(z.startsWith('arn:')) })),
});
export type StartBakeSettings = z.infer<typeof StartBakeSettings>;
