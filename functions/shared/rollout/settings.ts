import { Fleet } from '../fleet';
import * as z from '../zod';

/** The slice every rollout function receives (see `functions/shared/settings.ts`). */
export const RolloutSettings = z.strictObject({
  region: z.string(),
  ledgerTable: z.string().check(z.minLength(1)),
  eventBusName: z.string().check(z.minLength(1)),
  gitlabUrl: z.string(),
  runnerVersion: z.string(),
  fleets: z.array(Fleet).check(z.minLength(1)),
  /** Per jobs pipeline: the user the fleeting plugin connects as. */
  connectorUsers: z.record(z.string(), z.string()),
  /** Per manager pipeline: the pinned fleeting plugin version the smoke test expects. */
  fleetingPluginVersions: z.record(z.string(), z.string()),
  documents: z.strictObject({
    smokeJobs: z.string(),
    smokePath: z.string(),
    smokeManager: z.string(),
    drainManager: z.string(),
    managerHealth: z.string(),
    restartManager: z.string(),
    applyConfig: z.string(),
  }),
  /** Per manager fleet: the Parameter Store prefix of its config.toml template, values and manifest. */
  configPrefixes: z.record(z.string(), z.string()),
  /** Where one-time schedules re-invoke the rollout step function. */
  scheduler: z.strictObject({
    targetArn: z.string(),
    roleArn: z.string(),
    groupName: z.string(),
    deadLetterArn: z.string(),
  }),
});
export type RolloutSettings = z.infer<typeof RolloutSettings>;
