import { type DetailType, EVENT_SOURCE } from './detail-types';
import { detailSchema } from './events';
import * as v from './valibot';

/**
 * An EventBridge event as Lambda receives it (EventBridge user guide, "Amazon EventBridge events":
 * the top-level fields every event carries). Our own rather than Powertools' built-in schema,
 * whose module imports the whole of classic zod into every bundle that uses it.
 */
export const EventBridgeEnvelope = v.object({
  version: v.string(),
  /** Unique per event; EventBridge's own redeliveries keep it. */
  id: v.string(),
  source: v.string(),
  account: v.string(),
  time: v.dateTime(),
  region: v.string(),
  resources: v.array(v.string()),
  'detail-type': v.string(),
  detail: v.unknown(),
  /** Set when the event is replayed from an archive. */
  'replay-name': v.optional(v.string()),
});

/**
 * A whole event of our bus as a consumer receives it. Here rather than in the catalogue, so a
 * function that only puts events (or whose input has no envelope) never builds the envelope.
 */
export const busEvent = <T extends DetailType>(type: T) =>
  v.object({
    ...EventBridgeEnvelope.entries,
    source: v.literal(EVENT_SOURCE),
    'detail-type': v.literal(type),
    detail: detailSchema(type),
  });
