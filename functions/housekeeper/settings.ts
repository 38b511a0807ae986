import * as v from '../shared/valibot';

/**
 * The housekeeper's slice of the suite config: `housekeeping` from the config file, the fleets
 * (only what finds their templates and groups), the ledger and the deployment whose AMIs are ours.
 */
export const HousekeeperSettings = v.strictObject({
  ledgerTable: v.pipe(v.string(), v.minLength(1)),
  region: v.pipe(v.string(), v.minLength(1)),
  /** `runner-autopilot:deployment` on the AMIs the Image Builder distribution creates. */
  deployment: v.pipe(v.string(), v.minLength(1)),
  /** Newest versions kept per launch template, besides the protected ones. */
  keepVersions: v.pipe(v.number(), v.safeInteger(), v.minValue(2), v.maxValue(1000)),
  amiRetentionDays: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(3650)),
  /** Report what would be deleted and delete nothing. Safe by default, as in the suite config. */
  dryRun: v.optional(v.boolean(), true),
  fleets: v.pipe(
    v.array(
      v.strictObject({
        name: v.pipe(v.string(), v.minLength(1)),
        autoScalingGroup: v.pipe(v.string(), v.minLength(1)),
        /** The launch template's name, as in the config file. */
        launchTemplate: v.pipe(v.string(), v.minLength(1)),
      }),
    ),
    v.minLength(1),
  ),
});
export type HousekeeperSettings = v.InferOutput<typeof HousekeeperSettings>;
