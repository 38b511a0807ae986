import { Fleet } from '../fleet';
import * as v from '../valibot';

/** The slice every rollout function receives (see `functions/shared/settings.ts`). */
export const RolloutSettings = v.strictObject({
  region: v.string(),
  ledgerTable: v.pipe(v.string(), v.minLength(1)),
  eventBusName: v.pipe(v.string(), v.minLength(1)),
  gitlabUrl: v.string(),
  runnerVersion: v.string(),
  fleets: v.pipe(v.array(Fleet), v.minLength(1)),
  /** Per jobs pipeline: the user the fleeting plugin connects as. */
  connectorUsers: v.record(v.string(), v.string()),
  /** Per manager pipeline: the pinned fleeting plugin version the smoke test expects. */
  fleetingPluginVersions: v.record(v.string(), v.string()),
  documents: v.strictObject({
    smokeJobs: v.string(),
    smokePath: v.string(),
    smokeManager: v.string(),
    drainManager: v.string(),
    managerHealth: v.string(),
    restartManager: v.string(),
    applyConfig: v.string(),
  }),
  /** Per manager fleet: the Parameter Store prefix of its config.toml template, values and manifest. */
  configPrefixes: v.record(v.string(), v.string()),
  /** Where one-time schedules re-invoke the rollout step function. */
  scheduler: v.strictObject({
    targetArn: v.string(),
    roleArn: v.string(),
    groupName: v.string(),
    deadLetterArn: v.string(),
  }),
});
export type RolloutSettings = v.InferOutput<typeof RolloutSettings>;
