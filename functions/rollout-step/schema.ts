import * as v from '../shared/valibot';

/** The input of the one-time schedules that re-invoke a rollout step (no envelope). */
export const StepInput = v.strictObject({
  fleet: v.pipe(v.string(), v.minLength(1)),
  candidateId: v.pipe(v.string(), v.minLength(1)),
  step: v.picklist(['canary-check', 'promote', 'maintenance', 'health-check', 'bake-end']),
});
export type StepInput = v.InferOutput<typeof StepInput>;
