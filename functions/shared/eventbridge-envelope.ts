import { type DetailType, EVENT_SOURCE } from './detail-types';
import { detailSchema } from './events';
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

/**
 * A whole event of our bus as a consumer receives it. Here rather than in the catalogue, so a
 * function that only puts events (or whose input has no envelope) never builds the envelope.
 */
export const busEvent = <T extends DetailType>(type: T) =>
  z.extend(EventBridgeEnvelope, {
    source: z.literal(EVENT_SOURCE),
    'detail-type': z.literal(type),
    detail: detailSchema(type),
  });
