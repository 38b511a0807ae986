import { busEvent, EventBridgeEnvelope } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import * as v from '../shared/valibot';

export const AlarmStateChange = v.object({
  ...EventBridgeEnvelope.entries,
  source: v.literal('aws.cloudwatch'),
  'detail-type': v.literal('CloudWatch Alarm State Change'),
  detail: v.looseObject({
    alarmName: v.string(),
    state: v.looseObject({ value: v.string(), reason: v.optional(v.string()) }),
  }),
});

export const RollbackInput = v.union([AlarmStateChange, busEvent(DetailType.RollbackRequested)]);
export type RollbackInput = v.InferOutput<typeof RollbackInput>;
