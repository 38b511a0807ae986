import { scheduleName, scheduleOnce } from '../shared/aws/scheduler';
import type { RecheckInput } from './schema';
import type { RecheckSettings } from './settings';

/** The soonest a re-check is scheduled: Scheduler fires `at(...)` within the minute. */
const MIN_DELAY_MS = 60_000;

/**
 * The re-check schedule's name: from the alarm and the end of its rate-limit window, so every ALARM
 * held back in one window asks for the same schedule (Scheduler answers the repeats with a conflict).
 * The stack's common alarm name prefix is left out, so the readable part names the alarm.
 */
export const recheckScheduleName = (alarmName: string, windowEnd: string, alarmNamePrefix = ''): string =>
  scheduleName([
    'recheck',
    windowEnd.replace(/[-:]|\.\d+/g, ''),
    alarmName.startsWith(alarmNamePrefix) ? alarmName.slice(alarmNamePrefix.length) : alarmName,
  ]);

/**
 * Schedules the alarm's re-check at the end of its rate-limit window (a minute from now at the
 * earliest): a one-time schedule that invokes this function with `{ recheck: <alarm name> }` and
 * deletes itself after it ran. `created: false` when this window's schedule already exists.
 */
export const scheduleRecheck = async (
  target: RecheckSettings,
  alarm: { name: string; prefix: string },
  windowEnd: string,
  now: Date,
): Promise<{ name: string; at: string; created: boolean }> => {
  const alarmName = alarm.name;
  const name = recheckScheduleName(alarmName, windowEnd, alarm.prefix);
  const at = new Date(Math.max(Date.parse(windowEnd), now.getTime() + MIN_DELAY_MS));
  const input: RecheckInput = { recheck: alarmName };
  const { created } = await scheduleOnce({
    name,
    groupName: target.groupName,
    at,
    targetArn: target.targetArn,
    roleArn: target.roleArn,
    deadLetterArn: target.deadLetterArn,
    input,
    description: `Re-check of a rate-limited alarm: ${alarmName}`.slice(0, 512),
  });
  return { name, at: at.toISOString(), created };
};
