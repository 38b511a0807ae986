import type { Logger } from '@aws-lambda-powertools/logger';

import { putEvents } from '../shared/aws/eventbridge';
import { publish } from '../shared/aws/sns';
import { TransientError } from '../shared/errors';
import type { BusEntry } from '../shared/events';
import { redriveMessage } from '../shared/redrive';

/**
 * GitLab never retries a failed delivery, and counts it toward disabling the hook: a push must be
 * handed off durably before the answer. PutEvents first; when it keeps failing, the entries go to
 * the fallback topic (SNS -> SQS -> the redrive function, which puts them later with the same
 * idempotency keys). Only when both fail is the push lost, and the answer a 5xx.
 *
 * Both steps have a deadline, attempts and backoff included: with a cold start they answer well
 * inside GitLab's 10 s (the interactive client also cuts each attempt at 600 ms).
 */
export const PUT_DEADLINE_MS = 1200;
export const FALLBACK_DEADLINE_MS = 1000;

export type HandOff =
  | { readonly kind: 'put'; readonly eventIds: string[] }
  | { readonly kind: 'deferred'; readonly messageId: string };

export const handOff = async (
  entries: readonly BusEntry[],
  { fallbackTopicArn, origin }: { fallbackTopicArn: string; origin: string },
  logger: Logger,
): Promise<HandOff> => {
  try {
    return {
      kind: 'put',
      eventIds: await putEvents(entries, { interactive: true, deadlineMs: PUT_DEADLINE_MS }),
    };
  } catch (putError) {
    logger.warn('PutEvents failed: handing the entries to the fallback topic', { error: putError });
    try {
      const messageId = await publish(
        { topicArn: fallbackTopicArn, message: redriveMessage(entries, origin) },
        { interactive: true, deadlineMs: FALLBACK_DEADLINE_MS },
      );
      return { kind: 'deferred', messageId };
    } catch (fallbackError) {
      // The PutEvents error is in the WARN line above; this one carries the fallback's.
      throw new TransientError('PutEvents and the fallback topic both failed: the push is lost', {
        cause: fallbackError,
      });
    }
  }
};
