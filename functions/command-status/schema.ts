import { EventBridgeEnvelope } from '../shared/eventbridge-envelope';

import { COMMAND_STATUSES } from '../shared/rollout/commands';
import * as z from '../shared/zod';

/**
 * `EC2 Command Status-change Notification`: the command's status with its parameters echoed
 * (so our documents carry the rollout's Fleet and CandidateId, never a secret).
 */
export const CommandStatusChange = z.extend(EventBridgeEnvelope, {
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('EC2 Command Status-change Notification'),
  detail: z.looseObject({
    'command-id': z.string(),
    'document-name': z.string(),
    status: z.enum(COMMAND_STATUSES),
    parameters: z.looseObject({
      Fleet: z.array(z.string()).check(z.minLength(1)),
      CandidateId: z.array(z.string()).check(z.minLength(1)),
    }),
  }),
});
export type CommandStatusChange = z.infer<typeof CommandStatusChange>;
