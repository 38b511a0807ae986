import { z } from 'zod';

/**
 * The housekeeper's slice of the suite config: `housekeeping` from the config file, the fleets
 * (only what finds their templates and groups), the ledger and the deployment whose AMIs are ours.
 */
export const HousekeeperSettings = z.strictObject({
  ledgerTable: z.string().min(1),
  region: z.string().min(1),
  /** `runner-autopilot:deployment` on the AMIs the Image Builder distribution creates. */
  deployment: z.string().min(1),
  /** Newest versions kept per launch template, besides the protected ones. */
  keepVersions: z.number().int().min(2).max(1000),
  amiRetentionDays: z.number().int().min(1).max(3650),
  /** Report what would be deleted and delete nothing. Safe by default, as in the suite config. */
  dryRun: z.boolean().default(true),
  fleets: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        autoScalingGroup: z.string().min(1),
        /** The launch template's name, as in the config file. */
        launchTemplate: z.string().min(1),
      }),
    )
    .min(1),
});
export type HousekeeperSettings = z.infer<typeof HousekeeperSettings>;
