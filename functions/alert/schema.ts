import { z } from 'zod';

import { EventBridgeEnvelope } from '../shared/eventbridge-envelope';

import { busEvent, DetailType } from '../shared/events';

/**
 * What the alert function consumes: `CloudWatch Alarm State Change` for our alarms (metric,
 * metric-math and composite alike), our own failure events, and `Image Ready` (which ends a
 * pipeline's bake-failure streak). Alarm details are kept open: only the fields read here are
 * checked, the rest passes through.
 */

const AlarmState = z.looseObject({
  value: z.string(),
  reason: z.string().optional(),
  /** JSON text: `triggeringAlarms` for a composite alarm, evaluated datapoints for a metric alarm. */
  reasonData: z.string().optional(),
  timestamp: z.string(),
});

const MetricDefinition = z.looseObject({
  id: z.string().optional(),
  label: z.string().optional(),
  /** A metric-math or Metrics Insights expression. */
  expression: z.string().optional(),
  metricStat: z
    .looseObject({
      metric: z.looseObject({
        namespace: z.string().optional(),
        name: z.string().optional(),
        dimensions: z.record(z.string(), z.string()).optional(),
      }),
      period: z.number().optional(),
      stat: z.string().optional(),
    })
    .optional(),
  returnData: z.boolean().optional(),
});

export const AlarmStateChange = EventBridgeEnvelope.extend({
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  detail: z.looseObject({
    alarmName: z.string().min(1),
    state: AlarmState,
    previousState: AlarmState.partial({ timestamp: true }).optional(),
    configuration: z
      .looseObject({
        description: z.string().optional(),
        metrics: z.array(MetricDefinition).optional(),
        /** Composite alarms only. */
        alarmRule: z.string().optional(),
      })
      .optional(),
  }),
});
export type AlarmStateChange = z.infer<typeof AlarmStateChange>;

/** CloudWatch writes `+0000`; ECMAScript's date format wants `+00:00`. */
export const alarmTime = (timestamp: string): string => {
  const ms = Date.parse(timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString();
};

export const BakeFailed = busEvent(DetailType.BakeFailed);
/** A pipeline's bake succeeded: its run of `Bake Failed` ends (no message). */
export const ImageReady = busEvent(DetailType.ImageReady);
export const RolloutFailed = busEvent(DetailType.RolloutFailed);
export const ConfigApplyFailed = busEvent(DetailType.ConfigApplyFailed);
export const ConfigDriftDetected = busEvent(DetailType.ConfigDriftDetected);
export type BakeFailed = z.infer<typeof BakeFailed>;
export type ImageReady = z.infer<typeof ImageReady>;
export type RolloutFailed = z.infer<typeof RolloutFailed>;
export type ConfigApplyFailed = z.infer<typeof ConfigApplyFailed>;
export type ConfigDriftDetected = z.infer<typeof ConfigDriftDetected>;

export const AlertInput = z.discriminatedUnion('detail-type', [
  AlarmStateChange,
  BakeFailed,
  RolloutFailed,
  ConfigApplyFailed,
  ConfigDriftDetected,
  ImageReady,
]);
export type AlertInput = z.infer<typeof AlertInput>;
export type FailureEvent = BakeFailed | RolloutFailed | ConfigApplyFailed | ConfigDriftDetected;
/** The inputs that may become a message: all but `Image Ready`. */
export type AlertableInput = AlarmStateChange | FailureEvent;

export const isAlarm = (event: AlertInput): event is AlarmStateChange => event.source === 'aws.cloudwatch';

/**
 * A re-check of one alarm, put by the one-time schedule created when the rate limit held back its
 * ALARM: read the alarm's state now and tell the receivers if it differs from what they were told.
 */
export const RecheckInput = z.strictObject({ recheck: z.string().min(1).max(255) });
export type RecheckInput = z.infer<typeof RecheckInput>;

/** What the alert function is invoked with: an event, or a scheduled re-check. */
export const AlertRequest = z.union([AlertInput, RecheckInput]);
export type AlertRequest = z.infer<typeof AlertRequest>;
