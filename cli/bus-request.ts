import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';

import { type BusEntry, busEntry, DetailType } from '../functions/shared/events';
import { busName } from '../infra/naming';
import { callAws } from './aws-errors';
import { type Io, type Options, UsageError } from './command';
import type { Target } from './target';

/** The options of a command that puts one request on the deployment's bus. */
export const REQUEST_OPTIONS = {
  reason: {
    type: 'string',
    value: 'text',
    help: 'why, for the ledger and the alert (default: who asked, from the CLI)',
  },
  'dry-run': { type: 'boolean', help: 'print the event it would put, and put nothing' },
} as const satisfies Options;

/** Refuses a name the config does not have, listing the ones it has. */
export const requireName = (kind: string, given: string | undefined, names: readonly string[]): string => {
  if (given && names.includes(given)) return given;
  const known = names.length ? names.join(', ') : 'none in this config';
  throw new UsageError(`${given ? `no ${kind} "${given}"` : `name a ${kind}`}; ${kind}s: ${known}`);
};

export type Request =
  | { kind: typeof DetailType.BakeRequested; pipeline: string }
  | { kind: typeof DetailType.RollbackRequested; fleet: string };

/** The one event a request puts: its idempotency key is new, so a second run is a second request. */
export const requestEntry = (request: Request, { config }: Target, reason: string | undefined): BusEntry => {
  const bus = busName(config.deployment);
  const common = {
    idempotencyKey: `cli:${randomUUID()}`,
    reason: reason ?? `requested by ${userInfo().username} from the CLI`,
  };
  return request.kind === DetailType.BakeRequested
    ? busEntry(DetailType.BakeRequested, { pipeline: request.pipeline, ...common }, bus)
    : busEntry(DetailType.RollbackRequested, { fleet: request.fleet, ...common }, bus);
};

/** Puts the entry, or with `dryRun` prints it and sends nothing. */
export const putRequest = async (
  entry: BusEntry,
  subject: string,
  dryRun: boolean,
  io: Io,
): Promise<number> => {
  if (dryRun) {
    io.out(`dry run: would put ${entry.DetailType} for ${subject} on ${entry.EventBusName}: ${entry.Detail}`);
    return 0;
  }
  const { putEvents } = await import('../functions/shared/aws/eventbridge');
  const [id] = await callAws('events:PutEvents', () => putEvents([entry]));
  io.out(`${entry.DetailType} for ${subject}: event ${id}`);
  return 0;
};
