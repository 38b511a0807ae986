import * as z from '../shared/zod';

/**
 * The housekeeper's slice of the suite config: `housekeeping` from the config file, the fleets
 * (only what finds their templates and groups), the ledger and the deployment whose AMIs are ours.
 */
export const HousekeeperSettings = z.strictObject({
  ledgerTable: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  /** `runner-autopilot:deployment` on the AMIs the Image Builder distribution creates. */
  deployment: z.string().check(z.minLength(1)),
  /** Newest versions kept per launch template, besides the protected ones. */
  keepVersions: z.number().check(z.int(), z.minimum(2), z.maximum(1000)),
  amiRetentionDays: z.number().check(z.int(), z.minimum(1), z.maximum(3650)),
  /** Report what would be deleted and delete nothing. Safe by default, as in the suite config. */
  dryRun: z._default(z.boolean(), true),
  fleets: z
    .array(
      z.strictObject({
        name: z.string().check(z.minLength(1)),
        autoScalingGroup: z.string().check(z.minLength(1)),
        /** The launch template's name, as in the config file. */
        launchTemplate: z.string().check(z.minLength(1)),
      }),
    )
    .check(z.minLength(1)),
});
export type HousekeeperSettings = z.infer<typeof HousekeeperSettings>;
