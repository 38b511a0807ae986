import * as v from '../shared/valibot';

/**
 * The daily schedule's input (Scheduler passes it as the whole event, no envelope);
 * `scheduledTime` comes from `<aws.scheduler.scheduled-time>`, the same on every retry.
 */
export const HousekeepingInput = v.strictObject({
  scheduledTime: v.dateTime({ offset: true }),
});
export type HousekeepingInput = v.InferOutput<typeof HousekeepingInput>;
