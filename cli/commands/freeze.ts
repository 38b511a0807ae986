import { BRAKE_RECHECK_MINUTES } from '../../functions/shared/rollout/brake';
import { ALL_FLEETS, type Brake } from '../../functions/shared/rollout/model';
import { ledgerTableName } from '../../infra/naming';
import { callAws } from '../aws-errors';
import { requireName } from '../bus-request';
import { CliError, defineCommand, type Io, UsageError } from '../command';
import { CONFIG_OPTION, loadTarget } from '../target';

/**
 * `runner-autopilot freeze <fleet|all> --until <time> --reason ...` and `unfreeze <fleet|all>`:
 * the emergency brake, written to the ledger table, which the rollout steps read before they
 * change anything live. No config edit, no deploy.
 */

/** The ledger operations the commands use (bound to the deployment's table by the caller). */
export interface BrakeLedger {
  readonly putBrake: (brake: Brake) => Promise<void>;
  readonly getBrake: (scope: string) => Promise<Brake | undefined>;
  readonly deleteBrake: (scope: string) => Promise<Brake | undefined>;
}

export const brakeLedger = async (tableName: string): Promise<BrakeLedger> => {
  // Loaded when a brake is written, so that `--help` answers without the SDK.
  const { deleteBrake, getBrake, putBrake } = await import('../../functions/shared/ledger');
  return {
    putBrake: (brake) => putBrake(tableName, brake),
    getBrake: (scope) => getBrake(tableName, scope),
    deleteBrake: (scope) => deleteBrake(tableName, scope),
  };
};

export interface BrakeDeps {
  readonly ledger: BrakeLedger;
  readonly now: Date;
  readonly print: (line: string) => void;
  /** The deployment's fleet names: a target must be one of them, or `all`. */
  readonly fleets: readonly string[];
}

export interface FreezeOptions {
  /** A fleet name, or `all`. */
  readonly target: string;
  /** An ISO 8601 time with its zone (`2026-12-04T18:00Z`), or a duration from now (`90m`, `4h`, `2d`). */
  readonly until: string;
  readonly reason: string;
  /** Who sets it (the caller's identity), kept in the ledger and shown in every hold. */
  readonly who: string;
}

/** A brake longer than this is refused: a forgotten brake would stop every rollout silently. */
export const MAX_BRAKE_DAYS = 7;
const REASON_MAX = 1024;
const UNIT_MINUTES: Readonly<Record<string, number>> = { m: 1, h: 60, d: 24 * 60 };
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const scopeOf = (target: string, fleets: readonly string[]): string => {
  if (target === 'all') return ALL_FLEETS;
  if (fleets.includes(target)) return target;
  throw new CliError(`unknown fleet "${target}": give one of ${[...fleets, 'all'].join(', ')}`);
};

const describeScope = (scope: string): string => (scope === ALL_FLEETS ? 'all fleets' : `fleet ${scope}`);

/** The end of a brake from `--until`: a zoned time or a duration, in the future, within the bound. */
export const parseUntil = (until: string, now: Date): Date => {
  const duration = /^(\d+)([mhd])$/.exec(until.trim());
  const at = duration
    ? new Date(now.getTime() + Number(duration[1]) * UNIT_MINUTES[duration[2]!]! * 60_000)
    : ZONED_TIME.test(until.trim())
      ? new Date(until.trim())
      : undefined;
  if (!at || Number.isNaN(at.getTime()))
    throw new CliError(
      `--until "${until}" is not a time: give an ISO 8601 time with its zone (2026-12-04T18:00Z) or a duration (90m, 4h, 2d)`,
    );
  if (at.getTime() <= now.getTime())
    throw new CliError(`--until ${at.toISOString()} is not in the future (now is ${now.toISOString()})`);
  if (at.getTime() > now.getTime() + MAX_BRAKE_DAYS * 24 * 60 * 60_000)
    throw new CliError(
      `--until ${at.toISOString()} is more than ${MAX_BRAKE_DAYS} days away: freeze for at most ${MAX_BRAKE_DAYS} days and freeze again to extend`,
    );
  return at;
};

const active = (brake: Brake | undefined, now: Date): brake is Brake =>
  brake !== undefined && Date.parse(brake.until) > now.getTime();

export const freezeCommand = async (options: FreezeOptions, deps: BrakeDeps): Promise<Brake> => {
  const scope = scopeOf(options.target, deps.fleets);
  const until = parseUntil(options.until, deps.now);
  const reason = options.reason.trim();
  if (!reason) throw new CliError('--reason is required: say why, it is shown in every hold and alert');
  if (reason.length > REASON_MAX) throw new CliError(`--reason is longer than ${REASON_MAX} characters`);
  const previous = await deps.ledger.getBrake(scope);
  const brake: Brake = {
    scope,
    until: until.toISOString(),
    reason,
    who: options.who,
    setAt: deps.now.toISOString(),
  };
  await deps.ledger.putBrake(brake);
  const what = describeScope(scope);
  deps.print(`froze ${what} until ${brake.until}: ${reason} (set by ${brake.who})`);
  if (active(previous, deps.now))
    deps.print(`replaced the brake set by ${previous.who} until ${previous.until}: ${previous.reason}`);
  deps.print(
    `held until then: promotions, drains, manager restarts and config applies of ${what}; rollbacks still run`,
  );
  return brake;
};

export const unfreezeCommand = async (
  options: { readonly target: string },
  deps: BrakeDeps,
): Promise<Brake | undefined> => {
  const scope = scopeOf(options.target, deps.fleets);
  const removed = await deps.ledger.deleteBrake(scope);
  const what = describeScope(scope);
  if (!active(removed, deps.now)) {
    deps.print(`${what}: no brake in force, nothing to unfreeze`);
    return removed;
  }
  deps.print(`unfroze ${what} (the brake set by ${removed.who} until ${removed.until}: ${removed.reason})`);
  deps.print(`held items go on at their next check, within ${BRAKE_RECHECK_MINUTES} minutes`);
  if (scope === ALL_FLEETS) deps.print('brakes set on single fleets stay until they end or are unfrozen');
  return removed;
};

/** The deployment's brake target and ledger, once its config is loaded and its target printed. */
const brakeTarget = async (
  config: string | undefined,
  positionals: readonly string[],
  io: Io,
  command: string,
): Promise<{ target: string; deps: BrakeDeps }> => {
  const { config: suite } = await loadTarget(config, io, command);
  const fleets = suite.fleets.map((f) => f.name);
  const target = positionals[0] === 'all' ? 'all' : requireName('fleet', positionals[0], fleets);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const ledger = await brakeLedger(ledgerTableName(suite.deployment));
  return { target, deps: { ledger, now: new Date(), print: io.out, fleets } };
};

export const freeze = defineCommand({
  name: 'freeze',
  summary: 'the emergency brake: hold every live change of a fleet (or all) until a time',
  args: '<fleet|all>',
  options: {
    ...CONFIG_OPTION,
    until: {
      type: 'string',
      value: 'time',
      help: `when it ends: 90m, 4h, 2d or 2026-12-04T18:00Z (at most ${MAX_BRAKE_DAYS} days)`,
    },
    reason: { type: 'string', value: 'text', help: 'why (required): shown in every hold and alert' },
  },
  details: [
    'Promotions, drains, manager restarts and config applies wait; rollbacks, canaries and bakes go on.',
    "Needs credentials for the deployment's account (dynamodb:GetItem and PutItem on its ledger table).",
  ],
  run: async ({ values, positionals }, io) => {
    if (!values.until)
      throw new UsageError('--until is required: when the brake ends (90m, 4h, 2d or a zoned time)');
    if (!values.reason)
      throw new UsageError('--reason is required: say why, it is shown in every hold and alert');
    const { until, reason } = values;
    const { target, deps } = await brakeTarget(values.config, positionals, io, 'freeze');
    const who = io.env.USER ?? io.env.USERNAME ?? 'runner-autopilot CLI';
    await callAws('dynamodb:PutItem', () => freezeCommand({ target, until, reason, who }, deps));
    return 0;
  },
});

export const unfreeze = defineCommand({
  name: 'unfreeze',
  summary: 'releases the emergency brake of a fleet (or all); held items go on at their next check',
  args: '<fleet|all>',
  options: CONFIG_OPTION,
  details: ["Needs credentials for the deployment's account (dynamodb:DeleteItem on its ledger table)."],
  run: async ({ values, positionals }, io) => {
    const { target, deps } = await brakeTarget(values.config, positionals, io, 'unfreeze');
    await callAws('dynamodb:DeleteItem', () => unfreezeCommand({ target }, deps));
    return 0;
  },
});
