import { busEvent, EventBridgeEnvelope } from '../shared/eventbridge-envelope';
import { DetailType } from '../shared/events';
import * as z from '../shared/zod';

export const AlarmStateChange = z.extend(EventBridgeEnvelope, {
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  detail: z.looseObject({
    alarmName: z.string(),
    state: z.looseObject({ value: z.string(), reason: z.optional(z.string()) }),
  }),
});

export const RollbackInput = z.union([AlarmStateChange, busEvent(DetailType.RollbackRequested)]);
export type RollbackInput = z.infer<typeof RollbackInput>;
