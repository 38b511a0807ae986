import * as z from '../shared/zod';

/** The redrive's slice of the suite config: the bus it puts on, whatever a message says. */
export const RedriveSettings = z.strictObject({
  eventBusName: z.string().check(z.minLength(1)),
});
export type RedriveSettings = z.infer<typeof RedriveSettings>;
