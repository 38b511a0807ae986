import { paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';

import { cloudWatch } from './cloudwatch-client';

/** DescribeAlarms takes at most 100 AlarmNames per call; MaxRecords is 1-100. */
const ALARM_NAMES_BATCH = 100;

export type AlarmState = { state: string; updatedAt?: Date; reason?: string };

/**
 * The current state (`OK`, `ALARM`, `INSUFFICIENT_DATA`) of each named alarm, metric and
 * composite alike (DescribeAlarms returns only metric alarms unless `AlarmTypes` asks for both),
 * 100 names per call, all pages. Names without an alarm are absent from the result: treat them as
 * unknown, not as OK. Composite alarms are returned only when the caller's
 * `cloudwatch:DescribeAlarms` permission is scoped to `*`.
 */
export const alarmStates = async (alarmNames: string[]): Promise<Record<string, AlarmState>> => {
  const states: Record<string, AlarmState> = {};
  const names = [...new Set(alarmNames)];
  for (let i = 0; i < names.length; i += ALARM_NAMES_BATCH) {
    for await (const page of paginateDescribeAlarms(
      { client: cloudWatch(), pageSize: ALARM_NAMES_BATCH },
      { AlarmNames: names.slice(i, i + ALARM_NAMES_BATCH), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
    )) {
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (alarm.AlarmName === undefined) continue;
        states[alarm.AlarmName] = {
          state: alarm.StateValue ?? 'unknown',
          updatedAt: alarm.StateUpdatedTimestamp,
          reason: alarm.StateReason,
        };
      }
    }
  }
  return states;
};
