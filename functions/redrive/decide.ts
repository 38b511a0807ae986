import { type BusEntry, busEntry } from '../shared/events';
import { RedriveMessage } from '../shared/redrive';
import * as v from '../shared/valibot';
import type { SqsRecord } from './schema';

/**
 * What to do with one message of the fallback queue: put its entries on our bus (each detail
 * checked against its schema, its idempotency key kept), or refuse it for good when it can never
 * be put (not JSON, not a redrive message, a detail its schema refuses).
 */
export type RedriveDecision =
  | { readonly kind: 'put'; readonly origin: string; readonly entries: readonly BusEntry[] }
  | { readonly kind: 'refuse'; readonly reason: string };

const parse = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

export const decideRedrive = (record: SqsRecord, eventBusName: string): RedriveDecision => {
  const message = v.safeParse(RedriveMessage, parse(record.body));
  if (!message.success) return { kind: 'refuse', reason: 'the body is not a redrive message' };
  const entries: BusEntry[] = [];
  for (const [i, { detailType, detail }] of message.output.entries.entries()) {
    try {
      entries.push(busEntry(detailType, detail as never, eventBusName));
    } catch {
      return { kind: 'refuse', reason: `entry ${i}: the detail does not match the ${detailType} schema` };
    }
  }
  return { kind: 'put', origin: message.output.origin, entries };
};
