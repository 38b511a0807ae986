import { putEvents } from '../shared/aws/eventbridge';
import type { BusEntry } from '../shared/events';

/** What the redrive asks of the bus. */
export interface RedrivePorts {
  /** The event ids, in the order of the entries. */
  readonly putEvents: (entries: readonly BusEntry[]) => Promise<string[]>;
}

export const redrivePorts = (): RedrivePorts => ({ putEvents: (entries) => putEvents(entries) });
