/**
 * The stretch of time a rehearsal plays, from the command line's words: `--night`, `--from` and
 * `--until`, and `--push` times. All in UTC, as the example's schedules and windows are.
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** A night runs from 18:00 to 08:00 the next morning: every nightly bake, window and check in it. */
const NIGHT_START_HOUR = 18;
const NIGHT_HOURS = 14;

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface NightWindow {
  readonly from: Date;
  readonly until: Date;
  readonly pushes: readonly Date[];
}

export class NightWindowError extends Error {
  override readonly name = 'NightWindowError';
}

/** `Date.parse` rolls a day past its month's end over (2026-02-30 is March 2nd): refuse it instead. */
const dateExists = (ymd: string): boolean => {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};

/** A time as the command line gives it (`2026-12-11T18:00`, a date, or with a zone); UTC without one. */
export const parseTime = (value: string, what: string): Date => {
  // A time without a zone is UTC here, never the machine's zone.
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const t = Date.parse(withZone.length === 11 ? `${value}T00:00:00Z` : withZone);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || !Number.isFinite(t) || !dateExists(value.slice(0, 10)))
    throw new NightWindowError(`${what} "${value}" is not a time such as 2026-12-11T18:00 (UTC)`);
  return new Date(t);
};

const nightOf = (day: string): { from: Date; until: Date } => {
  if (!/^\d{4}-\d\d-\d\d$/.test(day) || !Number.isFinite(Date.parse(`${day}T00:00:00Z`)) || !dateExists(day))
    throw new NightWindowError(`--night "${day}" is not a date such as 2026-12-11`);
  const from = Date.parse(`${day}T00:00:00Z`) + NIGHT_START_HOUR * HOUR;
  return { from: new Date(from), until: new Date(from + NIGHT_HOURS * HOUR) };
};

/**
 * `Fri 14:00` is the last Friday 14:00 UTC at or before `until` (the push comes before or during
 * the night it is rehearsed with); an ISO time is that time.
 */
export const pushTime = (value: string, until: Date): Date => {
  const m = /^([a-z]{3})[a-z]*\s+(\d{1,2}):(\d\d)$/i.exec(value.trim());
  if (!m) return parseTime(value, '--push');
  const day = WEEKDAYS.indexOf((m[1] as string).toLowerCase());
  const [hour, minute] = [Number(m[2]), Number(m[3])];
  if (day < 0 || hour > 23 || minute > 59)
    throw new NightWindowError(`--push "${value}" is not a time such as "Fri 14:00" or 2026-12-11T14:00`);
  const end = until.getTime();
  const midnight = Math.floor(end / DAY) * DAY;
  for (let back = 0; back < 8; back++) {
    const at = midnight - back * DAY + hour * HOUR + minute * 60_000;
    if (at <= end && new Date(at).getUTCDay() === day) return new Date(at);
  }
  throw new NightWindowError(`--push "${value}": no such time in the week before ${until.toISOString()}`);
};

/**
 * The rehearsal's stretch: `--night <date>` (18:00 that day to 08:00 the next), or `--from` and
 * `--until`, or tonight by default. A push before `from` moves `from` back to it, so the push is
 * rehearsed with the night.
 */
export const nightWindow = (
  given: { night?: string; from?: string; until?: string; push?: readonly string[] },
  now: Date,
): NightWindow => {
  if (given.night !== undefined && (given.from !== undefined || given.until !== undefined))
    throw new NightWindowError('give --night, or --from and --until, not both');
  const tonight = nightOf(now.toISOString().slice(0, 10));
  const night = given.night === undefined ? tonight : nightOf(given.night);
  const from = given.from === undefined ? night.from : parseTime(given.from, '--from');
  const until =
    given.until === undefined
      ? given.from === undefined
        ? night.until
        : new Date(from.getTime() + NIGHT_HOURS * HOUR)
      : parseTime(given.until, '--until');
  if (until <= from)
    throw new NightWindowError(`--until ${until.toISOString()} is not after --from ${from.toISOString()}`);
  if (until.getTime() - from.getTime() > 7 * DAY)
    throw new NightWindowError('a rehearsal plays at most 7 days: shorten --from/--until');
  const pushes = (given.push ?? []).map((p) => pushTime(p, until)).sort((a, b) => a.getTime() - b.getTime());
  const first = pushes[0];
  return { from: first && first < from ? new Date(first.getTime() - 60_000) : from, until, pushes };
};
