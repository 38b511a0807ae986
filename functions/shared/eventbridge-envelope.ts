import * as z from './zod';

/**
 * An EventBridge event as Lambda receives it (EventBridge user guide, "Amazon EventBridge events":
 * the top-level fields every event carries). Our own rather than Powertools' built-in schema,
 * whose module imports the whole of classic zod into every bundle that uses it.
 */
export const EventBridgeEnvelope = z.object({
  version: z.string(),
  /** Unique per event; EventBridge's own redeliveries keep it. */
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  /** Set when the event is replayed from an archive. */
  'replay-name': z.optional(z.string()),
});
