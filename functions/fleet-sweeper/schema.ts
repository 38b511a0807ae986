import * as z from '../shared/zod';

/**
 * The sweep schedule's input (Scheduler passes it as the whole event, no envelope);
 * `scheduledTime` comes from `<aws.scheduler.scheduled-time>`, the same on every retry.
 */
export const SweepInput = z.strictObject({
  scheduledTime: z.iso.datetime({ offset: true }),
});
export type SweepInput = z.infer<typeof SweepInput>;
