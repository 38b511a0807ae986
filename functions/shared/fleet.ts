import { z } from 'zod';

import { cronExpression, name, securityGroupId, subnetId, timeZone } from './schema-primitives';

/**
 * A time window as the runner's own autoscaler `periods`: a 5-field cron describes the minutes
 * that are inside it (`* 1-4 * * *` is 01:00-04:59 every day), evaluated in `timeZone`.
 */
export const Window = z.strictObject({
  periods: z.array(cronExpression).min(1),
  timeZone: timeZone.default('UTC'),
});
export type Window = z.infer<typeof Window>;

export const Canary = z.strictObject({
  /** Subnet for the canary instance; the launch template's own network settings when unset. */
  subnetId: subnetId.optional(),
  securityGroupIds: z.array(securityGroupId).default([]),
  /** How long the canary may take to come online in SSM before the candidate is rejected. */
  onlineTimeoutMinutes: z.number().int().min(2).max(120).default(15),
  /** Interval of the scheduled re-checks while waiting (EventBridge Scheduler is minute-grained). */
  checkIntervalMinutes: z.number().int().min(1).max(30).default(2),
  /** Execution timeout of the smoke command. */
  smokeTimeoutMinutes: z.number().int().min(1).max(120).default(20),
  minFreeDiskGiB: z.number().int().min(1).max(16384).default(10),
});

export const Fleet = z.strictObject({
  name,
  role: z.enum(['manager', 'jobs']),
  autoScalingGroup: z.string().min(1),
  launchTemplate: z.string().min(1),
  /** The image pipeline that feeds this fleet's launch template. */
  pipeline: name,
  /** For a jobs fleet: the manager fleet whose runner scales it. */
  manager: name.optional(),
  /**
   * Jobs fleets. `natural`: promotion is the rollout, instances retire by themselves.
   * `recycle`: then a graceful restart of the manager in its next maintenance window replaces
   * every job instance (needs the runner's state storage off, its default).
   */
  rollout: z.enum(['natural', 'recycle']).default('natural'),
  /** Nothing is promoted inside one; the step waits for the window's end. */
  freezeWindows: z.array(Window).default([]),
  /** Manager fleets: the only times it may be drained, replaced or restarted. Nightly by default. */
  maintenanceWindows: z.array(Window).default([{ periods: ['* 1-4 * * *'], timeZone: 'UTC' }]),
  canary: Canary.prefault({}),
  /**
   * Manager fleets: the longest a job may run (set the runner's maximum job timeout in GitLab to
   * match). A drain waits this long, plus a margin, and is alerted, never cut short, beyond it.
   */
  maxJobMinutes: z.number().int().min(1).max(2800).default(180),
  /** Manager fleets: how long a replaced manager has to become healthy before it is rolled back. */
  healthTimeoutMinutes: z.number().int().min(2).max(120).default(15),
  /** After promotion, a rollback alarm going off within this period rolls the fleet back. */
  bakePeriodMinutes: z.number().int().min(0).max(10080).default(60),
  /** CloudWatch alarm names that roll the fleet back when they fire within the bake period. */
  rollbackAlarms: z.array(z.string().min(1).max(255)).default([]),
  /** Manager fleets: the runner keeps its instances across restarts (`[runners.autoscaler.state_storage]`). */
  runnerStateStorage: z.boolean().default(false),
});
export type Fleet = z.infer<typeof Fleet>;
