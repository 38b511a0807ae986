import { TransientError } from './errors';
import { type BusEntry, DetailType } from './events';
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

/**
 * SNS Publish's 256 KiB with the margin of `aws/sns.ts`, stated here rather than imported from
 * there, so the redrive's bundle carries no SNS client.
 */
export const REDRIVE_MESSAGE_MAX_BYTES = 256 * 1024 - 1024;

/**
 * The message for entries that could not be put. It must reach the redrive whole (a cut message is
 * no longer JSON), so one too large for SNS is refused here, as a transient failure of the caller.
 */
export const redriveMessage = (entries: readonly BusEntry[], origin: string): string => {
  const message: RedriveMessage = {
    origin: origin.slice(0, 256),
    entries: entries.map((e) => ({
      detailType: e.DetailType as DetailType,
      detail: JSON.parse(e.Detail) as unknown,
    })),
  };
  const text = JSON.stringify(message);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > REDRIVE_MESSAGE_MAX_BYTES)
    throw new TransientError(
      `redrive message of ${bytes} bytes exceeds SNS's limit (${REDRIVE_MESSAGE_MAX_BYTES})`,
    );
  return text;
};
