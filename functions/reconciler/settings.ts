import { RolloutSettings } from '../shared/rollout/settings';
import * as v from '../shared/valibot';

/**
 * The reconciler's slice: the rollout settings, and the image pipelines that feed a fleet (by
 * name, as fleets name them, and ARN), whose images it lists to find one whose event was lost.
 */
export const ReconcilerSettings = v.strictObject({
  ...RolloutSettings.entries,
  pipelines: v.array(
    v.strictObject({
      name: v.pipe(v.string(), v.minLength(1)),
      arn: v.pipe(v.string(), v.startsWith('arn:')),
    }),
  ),
});
export type ReconcilerSettings = v.InferOutput<typeof ReconcilerSettings>;
