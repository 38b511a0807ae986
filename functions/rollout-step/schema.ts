import * as z from '../shared/zod';

/** The input of the one-time schedules that re-invoke a rollout step (no envelope). */
export const StepInput = z.strictObject({
  fleet: z.string().check(z.minLength(1)),
  candidateId: z.string().check(z.minLength(1)),
  step: z.enum(['canary-check', 'promote', 'maintenance', 'health-check', 'bake-end']),
});
export type StepInput = z.infer<typeof StepInput>;
