import { Cron } from 'croner';

import type { Fleet, Window } from '../functions/shared/fleet';

/**
 * A fleet's own time, as `check` and `plan` print it: an operator reads a freeze or a bake in
 * the zone their windows are written in.
 */

/** A fleet's local time: the zone of its own windows, else UTC. */
export const zoneOf = (fleet: Fleet): string =>
  [...fleet.freezeWindows, ...(fleet.role === 'manager' ? fleet.maintenanceWindows : [])][0]?.timeZone ??
  'UTC';

export interface LocalTime {
  /** `Sun` */
  readonly weekday: string;
  /** `2026-06-07` */
  readonly date: string;
  /** `02:30`, midnight `00:00` */
  readonly time: string;
}

export const localTime = (date: Date, timeZone: string): LocalTime => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return {
    weekday: parts.weekday ?? '',
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
  };
};

/** `Sun 2026-06-07 02:30 Europe/Berlin`: unambiguous in any locale. */
export const at = (date: Date, timeZone: string): string => {
  const t = localTime(date, timeZone);
  return `${t.weekday} ${t.date} ${t.time} ${timeZone}`;
};

/** The first run of a 5-field cron in `timeZone` strictly after `after`. */
export const nextRun = (cron: string, timeZone: string, after: Date): Date | undefined =>
  new Cron(cron, { timezone: timeZone, paused: true }).nextRun(after) ?? undefined;

/** A window as the config writes it: `"* 1-4 * * *" UTC`. */
export const windowText = (window: Window): string =>
  `${window.periods.map((p) => `"${p}"`).join(', ')} ${window.timeZone}`;
