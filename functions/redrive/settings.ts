import * as v from '../shared/valibot';

/** The redrive's slice of the suite config: the bus it puts on, whatever a message says. */
export const RedriveSettings = v.strictObject({
  eventBusName: v.pipe(v.string(), v.minLength(1)),
});
export type RedriveSettings = v.InferOutput<typeof RedriveSettings>;
