import * as v from '../shared/valibot';

/**
 * The sweep schedule's input (Scheduler passes it as the whole event, no envelope);
 * `scheduledTime` comes from `<aws.scheduler.scheduled-time>`, the same on every retry.
 */
export const SweepInput = v.strictObject({
  scheduledTime: v.dateTime({ offset: true }),
});
export type SweepInput = v.InferOutput<typeof SweepInput>;
