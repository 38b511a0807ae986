import { z } from 'zod';

import { RolloutSettings } from '../shared/rollout/settings';

/**
 * The reconciler's slice: the rollout settings, and the image pipelines that feed a fleet (by
 * name, as fleets name them, and ARN), whose images it lists to find one whose event was lost.
 */
export const ReconcilerSettings = RolloutSettings.extend({
  pipelines: z.array(z.strictObject({ name: z.string().min(1), arn: z.string().startsWith('arn:') })),
});
export type ReconcilerSettings = z.infer<typeof ReconcilerSettings>;
