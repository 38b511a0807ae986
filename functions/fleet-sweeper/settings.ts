import { Fleet } from '../shared/fleet';
import * as z from '../shared/zod';

/**
 * The fleet sweeper's slice of the suite config: the fleets (role, group, template, manager and
 * `health`), what a canary may live, the ledger (manager leases, promotion times), the job-check
 * document and, per manager fleet, the Parameter Store prefix of its published config.toml.
 */
export const SweeperFleet = z.strictObject({
  name: z.string().check(z.minLength(1)),
  role: z.enum(['manager', 'jobs']),
  autoScalingGroup: z.string().check(z.minLength(1)),
  launchTemplate: z.string().check(z.minLength(1)),
  /** Jobs fleets: the manager fleet whose runner scales the group. */
  manager: z.optional(z.string().check(z.minLength(1))),
  health: Fleet.shape.health,
  /** How long a canary of this fleet may live: its online wait plus its smoke test. */
  canaryLifetimeMinutes: z.number().check(z.int(), z.minimum(1)),
  /** Jobs fleets: the user the fleeting plugin connects as (its processes mean a job runs). */
  connectorUser: z.optional(z.string().check(z.minLength(1))),
});
export type SweeperFleet = z.infer<typeof SweeperFleet>;

export const FleetSweeperSettings = z.strictObject({
  region: z.string().check(z.minLength(1)),
  ledgerTable: z.string().check(z.minLength(1)),
  /** `<deployment>-autopilot-job-check`: runs image/ssm/job-check.sh. */
  jobCheckDocument: z.string().check(z.minLength(1)),
  /** The schedule's interval: each sweep counts this many minutes of instance time. */
  sweepEveryMinutes: z.number().check(z.int(), z.minimum(1), z.maximum(60)),
  fleets: z.array(SweeperFleet).check(z.minLength(1)),
  /** Per manager fleet: `/runner-autopilot/<deployment>/<fleet>/config` (then /template, /values). */
  configPrefixes: z._default(z.record(z.string(), z.string()), {}),
});
export type FleetSweeperSettings = z.infer<typeof FleetSweeperSettings>;
