import { type BusEntry, DetailType, entryOf } from '../shared/detail-types';
import type { BakeRequestedDetail as Detail } from '../shared/events';
import { formatIssues } from '../shared/issues';
import { object, standardSchema, string, validateNow, withDefault } from '../shared/standard-schema';

/**
 * The `Bake Requested` detail the webhook puts, checked as `busEntry` checks it with the
 * catalogue's schema (`events.ts`), so no producer emits a malformed event. Hand-written (see
 * `shared/standard-schema.ts`); the test holds it to the catalogue's schema.
 */
export const BakeRequestedDetail = standardSchema<Detail>(
  object({
    pipeline: string({
      pattern: [/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'Invalid regex: expected /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/'],
    }),
    idempotencyKey: string({ min: 1, max: 256 }),
    reason: withDefault(string({ max: 1024 }), () => 'requested'),
  }),
);

/** The PutEvents entry of one request; a malformed detail is our bug, thrown as `busEntry` would. */
export const bakeRequestedEntry = (
  detail: { readonly pipeline: string; readonly idempotencyKey: string; readonly reason?: string },
  eventBusName: string,
): BusEntry => {
  const checked = validateNow(BakeRequestedDetail, detail);
  if (checked.issues)
    throw new Error(`invalid Bake Requested detail: ${formatIssues(checked.issues, 'inline')}`);
  return entryOf(DetailType.BakeRequested, checked.value, eventBusName);
};
