import type { BusEntry, DetailType } from './detail-types';
import { TransientError } from './errors';
import type { RedriveMessage } from './redrive';

/**
 * The writer's half of `redrive.ts`, without its schema: a producer (the webhook) writes a
 * message without building its schema; the redrive function parses it with `RedriveMessage`.
 */

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
