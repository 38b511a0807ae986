import { Cron } from 'croner';

import type { Window } from './fleet';

/**
 * Freeze and maintenance windows, evaluated like the runner's own `periods`: a time is inside a
 * window when its minute matches one of the window's cron periods in the window's time zone.
 */

const MINUTE = 60_000;
/** A window that never ends within this is treated as permanent (a misconfiguration to report). */
export const MAX_SEARCH_MINUTES = 31 * 24 * 60;

const cron = (period: string, timeZone: string): Cron =>
  new Cron(period, { timezone: timeZone, paused: true });

const crons = (windows: readonly Window[]): Cron[] =>
  windows.flatMap((w) => w.periods.map((p) => cron(p, w.timeZone)));

const startOfMinute = (at: Date): Date => new Date(Math.floor(at.getTime() / MINUTE) * MINUTE);

export const isInside = (windows: readonly Window[], at: Date): boolean => {
  const minute = startOfMinute(at);
  return crons(windows).some((c) => c.match(minute));
};

/**
 * Whether the minute of `at` matches one of `periods` in `timeZone`, as gitlab-runner picks its
 * autoscaler policy. Unlike a window's, whose schema vouches for it, a config.toml period or zone
 * can be invalid: it then matches nothing (the linter reports it).
 */
export const matchesPeriods = (periods: readonly string[], timeZone: string, at: Date): boolean => {
  const minute = startOfMinute(at);
  return periods.some((p) => {
    try {
      return cron(p, timeZone).match(minute);
    } catch {
      return false;
    }
  });
};

/**
 * Stretches of minutes already found inside a set of windows, by the windows' content:
 * `[from, to)` all inside, and `to` outside when `ends`. {@link windowEnd} walks minute by minute,
 * so without them a window that never ends costs a month of minutes on every call (a plan asks
 * for every candidate: a never-ending freeze or an always-open maintenance window made a 31-day
 * plan take 20-30 s, and each such check in a function about 0.4 s).
 */
type Stretch = { readonly from: number; readonly to: number; readonly ends: boolean };
const STRETCHES_KEPT = 64;
const WINDOW_SETS_KEPT = 32;
const stretchesOf = new Map<string, Stretch[]>();

const remember = (key: string, stretch: Stretch): void => {
  const known = stretchesOf.get(key) ?? [];
  stretchesOf.delete(key);
  stretchesOf.set(key, [...known, stretch].slice(-STRETCHES_KEPT));
  if (stretchesOf.size > WINDOW_SETS_KEPT) stretchesOf.delete(stretchesOf.keys().next().value as string);
};

/**
 * The first minute at or after `at` outside every window: when a step deferred by a freeze may
 * run. `at` itself when outside; undefined when the windows never end within a month.
 */
export const windowEnd = (windows: readonly Window[], at: Date): Date | undefined => {
  const all = crons(windows);
  const inside = (minute: number) => all.some((c) => c.match(new Date(minute)));
  const start = startOfMinute(at).getTime();
  if (!inside(start)) return at;
  const key = JSON.stringify(windows);
  const known = stretchesOf.get(key) ?? [];
  const limit = start + MAX_SEARCH_MINUTES * MINUTE;
  // `t` is the first minute not yet known to be inside.
  let t = start + MINUTE;
  let ends = false;
  while (t <= limit) {
    const stretch = known.find((k) => k.from <= t && t < k.to);
    if (stretch) {
      t = stretch.to;
      if ((ends = stretch.ends)) break;
    } else if (!inside(t)) {
      ends = true;
      break;
    } else t += MINUTE;
  }
  remember(key, { from: start, to: t, ends });
  return ends && t <= limit ? new Date(t) : undefined;
};

/**
 * The first time at or after `at` inside a window: when a maintenance action may start. `at`
 * itself when inside; undefined when there are no windows.
 */
export const nextWindowStart = (windows: readonly Window[], at: Date): Date | undefined => {
  if (isInside(windows, at)) return at;
  const starts = crons(windows).flatMap((c) => {
    const next = c.nextRun(at);
    return next ? [next] : [];
  });
  return starts.length ? new Date(Math.min(...starts.map((d) => d.getTime()))) : undefined;
};
