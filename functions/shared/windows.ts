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
 * The first minute at or after `at` outside every window: when a step deferred by a freeze may
 * run. `at` itself when outside; undefined when the windows never end within a month.
 */
export const windowEnd = (windows: readonly Window[], at: Date): Date | undefined => {
  const all = crons(windows);
  const inside = (minute: Date) => all.some((c) => c.match(minute));
  let minute = startOfMinute(at);
  if (!inside(minute)) return at;
  for (let i = 0; i < MAX_SEARCH_MINUTES; i++) {
    minute = new Date(minute.getTime() + MINUTE);
    if (!inside(minute)) return minute;
  }
  return undefined;
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
