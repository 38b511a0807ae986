import * as v from './valibot';

import { DetailType } from './detail-types';

/**
 * What a producer hands to the fallback topic when PutEvents fails: the events of our bus by
 * detail-type and detail, verbatim (idempotency key included), so the redrive puts the very events
 * that could not be put and every consumer treats a redriven one as the same request. The message
 * names no bus: the redrive puts on its own, so a message cannot send events anywhere else.
 */
export const RedriveMessage = v.object({
  /** For logs: where the entries come from (e.g. the GitLab delivery key). */
  origin: v.pipe(v.string(), v.maxLength(256)),
  entries: v.pipe(
    v.array(v.object({ detailType: v.picklist(Object.values(DetailType)), detail: v.unknown() })),
    v.minLength(1),
  ),
});
export type RedriveMessage = v.InferOutput<typeof RedriveMessage>;

export { REDRIVE_MESSAGE_MAX_BYTES, redriveMessage } from './redrive-message';
