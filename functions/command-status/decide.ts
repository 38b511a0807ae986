import type { Trigger } from '../shared/rollout/context';
import type { CommandStatusChange } from './schema';

/** The item a settled command concerns, and the trigger it advances it by. */
export interface CommandAdvance {
  readonly fleet: string;
  readonly candidateId: string;
  readonly trigger: Extract<Trigger, { kind: 'command' }>;
}

/**
 * Our documents echo the rollout's Fleet and CandidateId as parameters (the schema requires one
 * of each); the step reads the command's result itself, by its id.
 */
export const decideCommandStatus = ({
  parameters,
  'command-id': commandId,
}: CommandStatusChange['detail']): CommandAdvance => ({
  fleet: parameters.Fleet[0] as string,
  candidateId: parameters.CandidateId[0] as string,
  trigger: { kind: 'command', commandId },
});
