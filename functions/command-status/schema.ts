import { EventBridgeEnvelope } from '../shared/eventbridge-envelope';
import { COMMAND_STATUSES } from '../shared/rollout/commands';
import * as v from '../shared/valibot';

/**
 * `EC2 Command Status-change Notification`: the command's status with its parameters echoed
 * (so our documents carry the rollout's Fleet and CandidateId, never a secret).
 */
export const CommandStatusChange = v.object({
  ...EventBridgeEnvelope.entries,
  source: v.literal('aws.ssm'),
  'detail-type': v.literal('EC2 Command Status-change Notification'),
  detail: v.looseObject({
    'command-id': v.string(),
    'document-name': v.string(),
    status: v.picklist(COMMAND_STATUSES),
    parameters: v.looseObject({
      Fleet: v.pipe(v.array(v.string()), v.minLength(1)),
      CandidateId: v.pipe(v.array(v.string()), v.minLength(1)),
    }),
  }),
});
export type CommandStatusChange = v.InferOutput<typeof CommandStatusChange>;
