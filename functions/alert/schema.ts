import { busEvent, EventBridgeEnvelope } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import * as v from '../shared/valibot';

/**
 * What the alert function consumes: `CloudWatch Alarm State Change` for our alarms (metric,
 * metric-math and composite alike), our own failure events, and `Image Ready` (which ends a
 * pipeline's bake-failure streak). Alarm details are kept open: only the fields read here are
 * checked, the rest passes through.
 */

const AlarmState = v.looseObject({
  value: v.string(),
  reason: v.optional(v.string()),
  /** JSON text: `triggeringAlarms` for a composite alarm, evaluated datapoints for a metric alarm. */
  reasonData: v.optional(v.string()),
  timestamp: v.string(),
});

const MetricDefinition = v.looseObject({
  id: v.optional(v.string()),
  label: v.optional(v.string()),
  /** A metric-math or Metrics Insights expression. */
  expression: v.optional(v.string()),
  metricStat: v.optional(
    v.looseObject({
      metric: v.looseObject({
        namespace: v.optional(v.string()),
        name: v.optional(v.string()),
        dimensions: v.optional(v.record(v.string(), v.string())),
      }),
      period: v.optional(v.number()),
      stat: v.optional(v.string()),
    }),
  ),
  returnData: v.optional(v.boolean()),
});

export const AlarmStateChange = v.object({
  ...EventBridgeEnvelope.entries,
  source: v.literal('aws.cloudwatch'),
  'detail-type': v.literal('CloudWatch Alarm State Change'),
  detail: v.looseObject({
    alarmName: v.pipe(v.string(), v.minLength(1)),
    state: AlarmState,
    previousState: v.optional(v.partial(AlarmState, ['timestamp'])),
    configuration: v.optional(
      v.looseObject({
        description: v.optional(v.string()),
        metrics: v.optional(v.array(MetricDefinition)),
        /** Composite alarms only. */
        alarmRule: v.optional(v.string()),
      }),
    ),
  }),
});
export type AlarmStateChange = v.InferOutput<typeof AlarmStateChange>;

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
export type BakeFailed = v.InferOutput<typeof BakeFailed>;
export type ImageReady = v.InferOutput<typeof ImageReady>;
export type RolloutFailed = v.InferOutput<typeof RolloutFailed>;
export type ConfigApplyFailed = v.InferOutput<typeof ConfigApplyFailed>;
export type ConfigDriftDetected = v.InferOutput<typeof ConfigDriftDetected>;

export const AlertInput = v.variant('detail-type', [
  AlarmStateChange,
  BakeFailed,
  RolloutFailed,
  ConfigApplyFailed,
  ConfigDriftDetected,
  ImageReady,
]);
export type AlertInput = v.InferOutput<typeof AlertInput>;
export type FailureEvent = BakeFailed | RolloutFailed | ConfigApplyFailed | ConfigDriftDetected;
/** The inputs that may become a message: all but `Image Ready`. */
export type AlertableInput = AlarmStateChange | FailureEvent;

export const isAlarm = (event: AlertInput): event is AlarmStateChange => event.source === 'aws.cloudwatch';

/**
 * A re-check of one alarm, put by the one-time schedule created when the rate limit held back its
 * ALARM: read the alarm's state now and tell the receivers if it differs from what they were told.
 */
export const RecheckInput = v.strictObject({ recheck: v.pipe(v.string(), v.minLength(1), v.maxLength(255)) });
export type RecheckInput = v.InferOutput<typeof RecheckInput>;

/** What the alert function is invoked with: an event, or a scheduled re-check. */
export const AlertRequest = v.union([AlertInput, RecheckInput]);
export type AlertRequest = v.InferOutput<typeof AlertRequest>;
