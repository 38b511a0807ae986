import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

import { TransientError } from '../errors';
import type { BusEntry } from '../events';
import { type CallOptions, clientConfig, interactiveClientConfig, sendOptions } from './client-config';

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

let client: EventBridgeClient | undefined;
let interactiveClient: EventBridgeClient | undefined;
const eventBridge = (interactive: boolean): EventBridgeClient =>
  interactive
    ? (interactiveClient ??= new EventBridgeClient(interactiveClientConfig))
    : (client ??= new EventBridgeClient(clientConfig));
export const resetEventBridgeClient = (): void => {
  client = undefined;
  interactiveClient = undefined;
};

/**
 * Puts entries in batches of 10 and returns their event ids. A partly failed batch is an error
 * (retried as a whole: consumers are idempotent on the detail's idempotency key). A deadline
 * covers every batch of the call.
 */
export const putEvents = async (entries: readonly BusEntry[], call: CallOptions = {}): Promise<string[]> => {
  const ids: string[] = [];
  const options = sendOptions(call);
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    const out = await eventBridge(call.interactive ?? false).send(
      new PutEventsCommand({ Entries: [...batch] }),
      options,
    );
    if (out.FailedEntryCount) {
      const codes = [...new Set((out.Entries ?? []).flatMap((e) => (e.ErrorCode ? [e.ErrorCode] : [])))];
      throw new TransientError(
        `PutEvents failed for ${out.FailedEntryCount} of ${batch.length} entries: ${codes.join(', ')}`,
      );
    }
    ids.push(...(out.Entries ?? []).map((e) => e.EventId ?? ''));
  }
  return ids;
};
