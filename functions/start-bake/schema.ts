import { busEvent } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import * as z from '../shared/zod';

/**
 * The nightly schedule's input (Scheduler passes it as the whole event, no envelope);
 * `scheduledTime` comes from `<aws.scheduler.scheduled-time>`, the same on every retry.
 */
export const ScheduledBake = z.strictObject({
  pipeline: z.string().check(z.minLength(1)),
  scheduledTime: z.iso.datetime({ offset: true }),
});

export const BakeRequestedEvent = busEvent(DetailType.BakeRequested);

export const StartBakeInput = z.union([ScheduledBake, BakeRequestedEvent]);
export type StartBakeInput = z.infer<typeof StartBakeInput>;
