import { busEvent } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import * as v from '../shared/valibot';

/**
 * The nightly schedule's input (Scheduler passes it as the whole event, no envelope);
 * `scheduledTime` comes from `<aws.scheduler.scheduled-time>`, the same on every retry.
 */
export const ScheduledBake = v.strictObject({
  pipeline: v.pipe(v.string(), v.minLength(1)),
  scheduledTime: v.dateTime({ offset: true }),
});

export const BakeRequestedEvent = busEvent(DetailType.BakeRequested);

export const StartBakeInput = v.union([ScheduledBake, BakeRequestedEvent]);
export type StartBakeInput = v.InferOutput<typeof StartBakeInput>;
