import type { Trigger } from '../shared/rollout/context';
import type { StepInput } from './schema';

/** The item a scheduled step concerns, and the trigger it advances it by. */
export interface StepAdvance {
  readonly fleet: string;
  readonly candidateId: string;
  readonly trigger: Trigger;
}

/** A one-time schedule names its item and its step: the step is the trigger. */
export const decideStep = ({ fleet, candidateId, step }: StepInput): StepAdvance => ({
  fleet,
  candidateId,
  trigger: { kind: step },
});
