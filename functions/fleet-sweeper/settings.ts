import { Fleet } from '../shared/fleet';
import * as v from '../shared/valibot';

/**
 * The fleet sweeper's slice of the suite config: the fleets (role, group, template, manager and
 * `health`), what a canary may live, the ledger (manager leases, promotion times), the job-check
 * document and, per manager fleet, the Parameter Store prefix of its published config.toml.
 */
export const SweeperFleet = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1)),
  role: v.picklist(['manager', 'jobs']),
  autoScalingGroup: v.pipe(v.string(), v.minLength(1)),
  launchTemplate: v.pipe(v.string(), v.minLength(1)),
  /** Jobs fleets: the manager fleet whose runner scales the group. */
  manager: v.optional(v.pipe(v.string(), v.minLength(1))),
  health: Fleet.entries.health,
  /** How long a canary of this fleet may live: its online wait plus its smoke test. */
  canaryLifetimeMinutes: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  /** Jobs fleets: the user the fleeting plugin connects as (its processes mean a job runs). */
  connectorUser: v.optional(v.pipe(v.string(), v.minLength(1))),
});
export type SweeperFleet = v.InferOutput<typeof SweeperFleet>;

export const FleetSweeperSettings = v.strictObject({
  region: v.pipe(v.string(), v.minLength(1)),
  ledgerTable: v.pipe(v.string(), v.minLength(1)),
  /** `<deployment>-autopilot-job-check`: runs image/ssm/job-check.sh. */
  jobCheckDocument: v.pipe(v.string(), v.minLength(1)),
  /** The schedule's interval: each sweep counts this many minutes of instance time. */
  sweepEveryMinutes: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(60)),
  fleets: v.pipe(v.array(SweeperFleet), v.minLength(1)),
  /** Per manager fleet: `/runner-autopilot/<deployment>/<fleet>/config` (then /template, /values). */
  configPrefixes: v.optional(v.record(v.string(), v.string()), {}),
});
export type FleetSweeperSettings = v.InferOutput<typeof FleetSweeperSettings>;
