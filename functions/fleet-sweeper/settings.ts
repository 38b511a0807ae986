import { z } from 'zod';

import { Fleet } from '../shared/fleet';

/**
 * The fleet sweeper's slice of the suite config: the fleets (role, group, template, manager and
 * `health`), what a canary may live, the ledger (manager leases, promotion times), the job-check
 * document and, per manager fleet, the Parameter Store prefix of its published config.toml.
 */
export const SweeperFleet = z.strictObject({
  name: z.string().min(1),
  role: z.enum(['manager', 'jobs']),
  autoScalingGroup: z.string().min(1),
  launchTemplate: z.string().min(1),
  /** Jobs fleets: the manager fleet whose runner scales the group. */
  manager: z.string().min(1).optional(),
  health: Fleet.shape.health,
  /** How long a canary of this fleet may live: its online wait plus its smoke test. */
  canaryLifetimeMinutes: z.number().int().min(1),
  /** Jobs fleets: the user the fleeting plugin connects as (its processes mean a job runs). */
  connectorUser: z.string().min(1).optional(),
});
export type SweeperFleet = z.infer<typeof SweeperFleet>;

export const FleetSweeperSettings = z.strictObject({
  region: z.string().min(1),
  ledgerTable: z.string().min(1),
  /** `<deployment>-autopilot-job-check`: runs image/ssm/job-check.sh. */
  jobCheckDocument: z.string().min(1),
  /** The schedule's interval: each sweep counts this many minutes of instance time. */
  sweepEveryMinutes: z.number().int().min(1).max(60),
  fleets: z.array(SweeperFleet).min(1),
  /** Per manager fleet: `/runner-autopilot/<deployment>/<fleet>/config` (then /template, /values). */
  configPrefixes: z.record(z.string(), z.string()).default({}),
});
export type FleetSweeperSettings = z.infer<typeof FleetSweeperSettings>;
