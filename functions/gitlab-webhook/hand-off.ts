import type { Logger } from '@aws-lambda-powertools/logger';

import { TransientError } from '../shared/errors';
import type { BusEntry } from '../shared/detail-types';
import { redriveMessage } from '../shared/redrive-message';
import type { WebhookPorts } from './ports';

/**
 * GitLab never retries a failed delivery, and counts it toward disabling the hook: a push must be
 * handed off durably before the answer. PutEvents first; when it keeps failing, the entries go to
 * the fallback topic (SNS -> SQS -> the redrive function, which puts them later with the same
 * idempotency keys). Only when both fail is the push lost, and the answer a 5xx. Each step has its
 * deadline (see `ports.ts`).
 */
export type HandOff =
  | { readonly kind: 'put'; readonly eventIds: string[] }
  | { readonly kind: 'deferred'; readonly messageId: string };

export const handOff = async (
  entries: readonly BusEntry[],
  origin: string,
  ports: Pick<WebhookPorts, 'putEvents' | 'publishFallback'>,
  logger: Logger,
): Promise<HandOff> => {
  try {
    return { kind: 'put', eventIds: await ports.putEvents(entries) };
  } catch (putError) {
    logger.warn('PutEvents failed: handing the entries to the fallback topic', { error: putError });
    try {
      return { kind: 'deferred', messageId: await ports.publishFallback(redriveMessage(entries, origin)) };
    } catch (fallbackError) {
      // The PutEvents error is in the WARN line above; this one carries the fallback's.
      throw new TransientError('PutEvents and the fallback topic both failed: the push is lost', {
        cause: fallbackError,
      });
    }
  }
};
