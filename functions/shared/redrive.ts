import { DetailType } from './detail-types';
import * as z from './zod';

/**
 * What a producer hands to the fallback topic when PutEvents fails: the events of our bus by
 * detail-type and detail, verbatim (idempotency key included), so the redrive puts the very events
 * that could not be put and every consumer treats a redriven one as the same request. The message
 * names no bus: the redrive puts on its own, so a message cannot send events anywhere else.
 */
export const RedriveMessage = z.object({
  /** For logs: where the entries come from (e.g. the GitLab delivery key). */
  origin: z.string().check(z.maxLength(256)),
  entries: z
    .array(z.object({ detailType: z.enum(Object.values(DetailType)), detail: z.unknown() }))
    .check(z.minLength(1)),
});
export type RedriveMessage = z.infer<typeof RedriveMessage>;

export { REDRIVE_MESSAGE_MAX_BYTES, redriveMessage } from './redrive-message';
