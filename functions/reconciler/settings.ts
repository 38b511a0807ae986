import { RolloutSettings } from '../shared/rollout/settings';
import * as z from '../shared/zod';

/**
 * The reconciler's slice: the rollout settings, and the image pipelines that feed a fleet (by
 * name, as fleets name them, and ARN), whose images it lists to find one whose event was lost.
 */
export const ReconcilerSettings = z.extend(RolloutSettings, {
  pipelines: z.array(
    z.strictObject({ name: z.string().check(z.minLength(1)), arn: z.string().check(z.startsWith('arn:')) }),
  ),
});
export type ReconcilerSettings = z.infer<typeof ReconcilerSettings>;
