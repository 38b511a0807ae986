import { busEvent, EventBridgeEnvelope } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import * as z from '../shared/zod';

/**
 * What the alert function consumes: `CloudWatch Alarm State Change` for our alarms (metric,
 * metric-math and composite alike), our own failure events, and `Image Ready` (which ends a
 * pipeline's bake-failure streak). Alarm details are kept open: only the fields read here are
 * checked, the rest passes through.
 */

const AlarmState = z.looseObject({
  value: z.string(),
  reason: z.optional(z.string()),
  /** JSON text: `triggeringAlarms` for a composite alarm, evaluated datapoints for a metric alarm. */
  reasonData: z.optional(z.string()),
  timestamp: z.string(),
});

const MetricDefinition = z.looseObject({
  id: z.optional(z.string()),
  label: z.optional(z.string()),
  /** A metric-math or Metrics Insights expression. */
  expression: z.optional(z.string()),
  metricStat: z.optional(
    z.looseObject({
      metric: z.looseObject({
        namespace: z.optional(z.string()),
        name: z.optional(z.string()),
        dimensions: z.optional(z.record(z.string(), z.string())),
      }),
      period: z.optional(z.number()),
      stat: z.optional(z.string()),
    }),
  ),
  returnData: z.optional(z.boolean()),
});

export const AlarmStateChange = z.extend(EventBridgeEnvelope, {
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  detail: z.looseObject({
    alarmName: z.string().check(z.minLength(1)),
    state: AlarmState,
    previousState: z.optional(z.partial(AlarmState, { timestamp: true })),
    configuration: z.optional(
      z.looseObject({
        description: z.optional(z.string()),
        metrics: z.optional(z.array(MetricDefinition)),
        /** Composite alarms only. */
        alarmRule: z.optional(z.string()),
      }),
    ),
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
export const RecheckInput = z.strictObject({ recheck: z.string().check(z.minLength(1), z.maxLength(255)) });
export type RecheckInput = z.infer<typeof RecheckInput>;

/** What the alert function is invoked with: an event, or a scheduled re-check. */
export const AlertRequest = z.union([AlertInput, RecheckInput]);
export type AlertRequest = z.infer<typeof AlertRequest>;
