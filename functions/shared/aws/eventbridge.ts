import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

import { PermanentError, TransientError } from '../errors';
import type { BusEntry } from '../events';
import { type CallOptions, clientConfig, interactiveClientConfig, sendOptions } from './client-config';
import { memoClient } from './memo-client';

/**
 * PutEvents takes 1-10 entries, and refuses the whole request when its entries total 256 KB or
 * more (EventBridge API reference, PutEvents; user guide, "Calculating PutEvents event entry size").
 */
const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;

const client = /* @__PURE__ */ memoClient(() => new EventBridgeClient(clientConfig));
const interactiveClient = /* @__PURE__ */ memoClient(() => new EventBridgeClient(interactiveClientConfig));
const eventBridge = (interactive: boolean): EventBridgeClient =>
  interactive ? interactiveClient.get() : client.get();
export const resetEventBridgeClient = (): void => {
  client.reset();
  interactiveClient.reset();
};

/** An entry's size as EventBridge counts it: the UTF-8 bytes of its source, type, detail and resources. */
const entrySize = (e: BusEntry): number =>
  [e.Source, e.DetailType, e.Detail, ...(e.Resources ?? [])].reduce(
    (sum, part) => sum + Buffer.byteLength(part, 'utf8'),
    0,
  );

/** Batches of at most 10 entries and under 256 KB; an entry that alone reaches 256 KB can never be put. */
const batches = (entries: readonly BusEntry[]): BusEntry[][] => {
  const out: BusEntry[][] = [];
  let batch: BusEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (size >= MAX_BYTES) {
      throw new PermanentError(
        `event ${entry.DetailType} is ${size} bytes: PutEvents takes entries under ${MAX_BYTES} bytes; put a reference (an S3 key, an id) in the detail instead`,
      );
    }
    if (batch.length === MAX_ENTRIES || bytes + size >= MAX_BYTES) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
};

/**
 * Puts entries in batches within PutEvents' limits and returns their event ids. Every entry is
 * checked before the first call, so an entry too large to put sends nothing. A partly failed
 * batch is an error (retried as a whole: consumers are idempotent on the detail's idempotency key).
 * A bus that does not exist is not reported by AWS: the events are dropped (aws/aws-sdk#186).
 * A deadline covers every batch of the call.
 */
export const putEvents = async (entries: readonly BusEntry[], call: CallOptions = {}): Promise<string[]> => {
  const ids: string[] = [];
  const options = sendOptions(call);
  for (const batch of batches(entries)) {
    const out = await eventBridge(call.interactive ?? false).send(
      new PutEventsCommand({ Entries: batch }),
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
