import { z } from 'zod';

import { busEvent, DetailType } from '../shared/events';

/**
 * The nightly schedule's input (Scheduler passes it as the whole event, no envelope);
 * `scheduledTime` comes from `<aws.scheduler.scheduled-time>`, the same on every retry.
 */
export const ScheduledBake = z.strictObject({
  pipeline: z.string().min(1),
  scheduledTime: z.iso.datetime({ offset: true }),
});

export const BakeRequestedEvent = busEvent(DetailType.BakeRequested);

export const StartBakeInput = z.union([ScheduledBake, BakeRequestedEvent]);
export type StartBakeInput = z.infer<typeof StartBakeInput>;

/** The one shape the decision sees, whatever started it. */
export interface BakeRequest {
  readonly pipeline: string;
  /** Stable per trigger: the schedule's time or the requester's idempotency key. */
  readonly trigger: string;
  readonly reason: string;
}

export const toBakeRequest = (input: StartBakeInput): BakeRequest =>
  'detail' in input
    ? {
        pipeline: input.detail.pipeline,
        trigger: `request:${input.detail.idempotencyKey}`,
        reason: input.detail.reason,
      }
    : {
        pipeline: input.pipeline,
        trigger: `schedule:${input.scheduledTime}`,
        reason: `schedule at ${input.scheduledTime}`,
      };
