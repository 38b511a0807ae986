import { z } from 'zod';

/** The redrive's slice of the suite config: the bus it puts on, whatever a message says. */
export const RedriveSettings = z.strictObject({
  eventBusName: z.string().min(1),
});
export type RedriveSettings = z.infer<typeof RedriveSettings>;
