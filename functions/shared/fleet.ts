import { z } from 'zod';

import { cronExpression, iamRole, name, securityGroupId, subnetId, timeZone } from './schema-primitives';

/**
 * A time window as the runner's own autoscaler `periods`: a 5-field cron describes the minutes
 * that are inside it (`* 1-4 * * *` is 01:00-04:59 every day), evaluated in `timeZone`.
 */
export const Window = z.strictObject({
  periods: z.array(cronExpression).min(1),
  timeZone: timeZone.default('UTC'),
});
export type Window = z.infer<typeof Window>;

/**
 * The checks of a canary, by fleet role. Each but `ssh-path` is a check of the role's smoke script
 * (`image/ssm/smoke-jobs.sh`, `smoke-manager.sh`), which takes them as its `Checks` parameter.
 */
export const SCRIPT_CHECKS = {
  jobs: ['docker', 'git', 'gitlab-runner', 'tools', 'disk', 'gitlab-url'],
  manager: ['gitlab-runner', 'fleeting-plugin', 'job-groups', 'gitlab-url'],
} as const;
/** `ssh-path` is its own command, sent to the fleet's live manager (`image/ssm/smoke-path.sh`). */
export const SSH_PATH_CHECK = 'ssh-path';
export const CANARY_CHECKS = {
  jobs: [...SCRIPT_CHECKS.jobs, SSH_PATH_CHECK],
  manager: SCRIPT_CHECKS.manager,
} as const;
export type CanaryCheck = (typeof CANARY_CHECKS)[keyof typeof CANARY_CHECKS][number];
const CanaryCheck = z.enum([...new Set([...CANARY_CHECKS.jobs, ...CANARY_CHECKS.manager])] as [
  CanaryCheck,
  ...CanaryCheck[],
]);

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
  /**
   * The checks to run, of the fleet's role (`CANARY_CHECKS`); the suite config rejects another
   * role's. At least one runs on the canary itself: `ssh-path` alone would leave it untested.
   * Fleets on one launch template share one canary: the lead's (first by name) checks apply.
   * @default - every check of the fleet's role (see `canaryChecks`)
   */
  checks: z
    .array(CanaryCheck)
    .min(1)
    .refine((list) => new Set(list).size === list.length, 'names a check twice')
    .optional(),
});

export const Fleet = z.strictObject({
  name,
  role: z.enum(['manager', 'jobs']),
  /**
   * AWS allows more characters in a group name, but the name reaches instance scripts as an SSM
   * command parameter, whose pattern (`PARAMETER_PATTERNS.groupNames` in infra/ssm/documents.ts)
   * admits only these: anything else would be pasted into a shell.
   */
  autoScalingGroup: z
    .string()
    .regex(
      /^[A-Za-z0-9._-]{1,255}$/,
      "must be 1-255 letters, digits, '.', '_' or '-' (it reaches the instance scripts as an SSM command parameter): rename the group",
    ),
  launchTemplate: z.string().min(1),
  /**
   * The role of the launch template's instance profile (its ARN, or its name at path `/`). A
   * canary launch passes it, and the functions may pass exactly these roles (never one chosen by
   * a tag: IAM does not evaluate tag conditions on PassRole reliably).
   */
  instanceRole: iamRole,
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
  /** What the fleet sweeper calls idle, stuck, orphaned or outdated, and when that alarms. */
  health: z
    .strictObject({
      /** The runner's `idle_time` for this group: idle longer than this plus the grace is wasted. */
      idleTimeMinutes: z.number().int().min(1).max(1440).default(20),
      idleGraceMinutes: z.number().int().min(0).max(1440).default(10),
      /** Below both, over the idle window, an instance is an idle candidate (asked over SSM before it counts). */
      idleCpuPercent: z.number().min(0).max(100).default(3),
      idleNetworkBytesPerMinute: z.number().min(0).default(200_000),
      /** Instances asked per sweep whether they run a job (each answer costs an SSM command). */
      maxJobChecksPerSweep: z.number().int().min(0).max(50).default(10),
      stuckPendingMinutes: z.number().int().min(1).max(1440).default(15),
      ssmOfflineMinutes: z.number().int().min(1).max(1440).default(15),
      lifecycleWaitMinutes: z.number().int().min(1).max(2880).default(60),
      /** Outdated (not on the default version) for longer than this raises the outdated alarm. */
      outdatedHours: z.number().int().min(1).max(720).default(48),
      /** Alarm thresholds (instances) over `alarmPeriods` sweeps. */
      idleAlarmThreshold: z.number().int().min(1).default(3),
      stuckAlarmThreshold: z.number().int().min(1).default(1),
      outdatedAlarmThreshold: z.number().int().min(1).default(1),
      alarmPeriods: z.number().int().min(1).max(24).default(3),
      /**
       * Manager fleets: jobs failed with `runner_system_failure` within 5 minutes that fire the
       * fleet's system-failure alarm, the default rollback alarm of the manager and its job fleets.
       */
      systemFailureThreshold: z.number().int().min(1).default(3),
      /** Terminate orphans and expired canaries (never an instance in a group, never one running a job). */
      terminateOrphans: z.boolean().default(false),
    })
    .prefault({}),
  /** CloudWatch alarm names that roll the fleet back when they fire within the bake period. */
  rollbackAlarms: z.array(z.string().min(1).max(255)).default([]),
  /**
   * Manager fleets: the config.toml source, files relative to the suite config. The stack lints
   * and publishes them; a change is applied through SSM, and a new manager renders it at boot.
   */
  runnerConfig: z
    .strictObject({
      /** config.toml with `${name}` placeholders. */
      template: z.string().min(1),
      /** JSON: a literal, or `{ "secureParameter": "/path" }` for every secret. */
      values: z.string().min(1),
      /** Nightly drift check (report only). */
      driftCheck: z
        .strictObject({ cron: cronExpression.default('15 3 * * *'), timeZone: timeZone.default('UTC') })
        .prefault({}),
    })
    .optional(),
  /** Manager fleets: the runner keeps its instances across restarts (`[runners.autoscaler.state_storage]`). */
  runnerStateStorage: z.boolean().default(false),
});
export type Fleet = z.infer<typeof Fleet>;

/**
 * The canary checks of a fleet, in the order its smoke script runs them: the configured ones of
 * its role, else all of them. Another role's names are dropped (the suite config reports them).
 */
export const canaryChecks = (fleet: Pick<Fleet, 'role' | 'canary'>): readonly CanaryCheck[] => {
  const all: readonly CanaryCheck[] = CANARY_CHECKS[fleet.role];
  const configured = fleet.canary.checks;
  return configured ? all.filter((c) => configured.includes(c)) : all;
};
