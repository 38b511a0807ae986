import { z } from 'zod';

import { cronExpression, iamRole, name, securityGroupId, subnetId, timeZone } from './schema-primitives';

/**
 * A time window as the runner's own autoscaler `periods`: a 5-field cron describes the minutes
 * that are inside it (`* 1-4 * * *` is 01:00-04:59 every day), evaluated in `timeZone`.
 */
export const Window = z.strictObject({
  periods: z
    .array(cronExpression)
    .min(1)
    .describe(
      "Cron expressions of the minutes inside the window, as the runner's own periods: `* 1-4 * * *` is 01:00-04:59 every day.",
    ),
  timeZone: timeZone
    .default('UTC')
    .describe('IANA time zone the periods are read in, such as Europe/Berlin.'),
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

export const Canary = z
  .strictObject({
    subnetId: subnetId
      .optional()
      .describe("Subnet for the canary instance; the launch template's own network settings when unset."),
    securityGroupIds: z
      .array(securityGroupId)
      .default([])
      .describe("Security groups of the canary; the launch template's own when empty."),
    onlineTimeoutMinutes: z
      .number()
      .int()
      .min(2)
      .max(120)
      .default(15)
      .describe('How long the canary may take to come online in SSM before the candidate is rejected.'),
    // EventBridge Scheduler is minute-grained.
    checkIntervalMinutes: z
      .number()
      .int()
      .min(1)
      .max(30)
      .default(2)
      .describe('Interval of the re-checks while waiting for the canary.'),
    smokeTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(120)
      .default(20)
      .describe('Execution timeout of the smoke test.'),
    minFreeDiskGiB: z
      .number()
      .int()
      .min(1)
      .max(16384)
      .default(10)
      .describe('The disk check fails below this much free space, in GiB.'),
    /**
     * The suite config rejects another role's checks. At least one runs on the canary itself:
     * `ssh-path` alone would leave it untested.
     * @default - every check of the fleet's role (see `canaryChecks`)
     */
    checks: z
      .array(CanaryCheck)
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'names a check twice')
      .optional()
      .describe(
        "The checks to run, of the fleet's role; all of them when unset. Jobs: docker, git, gitlab-runner, tools, disk, gitlab-url, ssh-path (from the manager). Managers: gitlab-runner, fleeting-plugin, job-groups, gitlab-url. Fleets on one launch template share one canary: the first by name leads.",
      ),
  })
  .describe('The canary instance a candidate image is smoke-tested on before promotion.');

export const Fleet = z.strictObject({
  name: name.describe("The fleet's name, in alerts, metrics, the ledger and the CLI."),
  role: z
    .enum(['manager', 'jobs'])
    .describe(
      "manager: the runner manager's group (max size 1). jobs: a group of job instances the manager scales.",
    ),
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
    )
    .describe("The Auto Scaling Group of the fleet. It must launch from the template's $Default version."),
  launchTemplate: z
    .string()
    .min(1)
    .describe(
      'The launch template the group launches from, tagged `runner-autopilot:deployment=<deployment>`: a rollout stages a candidate version of it and promotes it to default.',
    ),
  // Never a role chosen by a tag: IAM does not evaluate tag conditions on PassRole reliably.
  instanceRole: iamRole.describe(
    "The role of the launch template's instance profile: its ARN, or its name for a role at path /. A canary launch passes it, and the functions may pass exactly these roles.",
  ),
  pipeline: name.describe("The image pipeline that feeds this fleet's launch template."),
  manager: name.optional().describe('Jobs fleets: the manager fleet whose runner scales this group.'),
  rollout: z
    .enum(['natural', 'recycle'])
    .default('natural')
    .describe(
      "Jobs fleets. natural: promotion is the rollout, instances retire by themselves. recycle: then a graceful restart of the manager in its next maintenance window replaces every job instance (needs the runner's state storage off, its default).",
    ),
  freezeWindows: z
    .array(Window)
    .default([])
    .describe('Nothing is promoted inside a freeze window; the rollout waits for its end.'),
  maintenanceWindows: z
    .array(Window)
    .default([{ periods: ['* 1-4 * * *'], timeZone: 'UTC' }])
    .describe('Manager fleets: the only times the manager may be drained, replaced or restarted.'),
  canary: Canary.prefault({}),
  maxJobMinutes: z
    .number()
    .int()
    .min(1)
    .max(2800)
    .default(180)
    .describe(
      "Manager fleets: the longest a job may run (set the runner's maximum job timeout in GitLab to match). A drain waits this long, plus a margin, and is alerted, never cut short, beyond it.",
    ),
  healthTimeoutMinutes: z
    .number()
    .int()
    .min(2)
    .max(120)
    .default(15)
    .describe('Manager fleets: how long a replaced manager has to become healthy before it is rolled back.'),
  bakePeriodMinutes: z
    .number()
    .int()
    .min(0)
    .max(10080)
    .default(60)
    .describe('After promotion, a rollback alarm going off within this many minutes rolls the fleet back.'),
  health: z
    .strictObject({
      idleTimeMinutes: z
        .number()
        .int()
        .min(1)
        .max(1440)
        .default(20)
        .describe("The runner's idle_time for this group: idle longer than this plus the grace is wasted."),
      idleGraceMinutes: z
        .number()
        .int()
        .min(0)
        .max(1440)
        .default(10)
        .describe('Minutes added to idleTimeMinutes before an instance counts as idle.'),
      idleCpuPercent: z
        .number()
        .min(0)
        .max(100)
        .default(3)
        .describe(
          'Below this CPU and idleNetworkBytesPerMinute over the idle window, an instance is an idle candidate, asked over SSM whether it runs a job before it counts.',
        ),
      idleNetworkBytesPerMinute: z
        .number()
        .min(0)
        .default(200_000)
        .describe('The network side of the idle candidate test, in bytes per minute.'),
      maxJobChecksPerSweep: z
        .number()
        .int()
        .min(0)
        .max(50)
        .default(10)
        .describe('Instances asked per sweep whether they run a job (each answer costs an SSM command).'),
      stuckPendingMinutes: z
        .number()
        .int()
        .min(1)
        .max(1440)
        .default(15)
        .describe('An instance pending longer than this is stuck.'),
      ssmOfflineMinutes: z
        .number()
        .int()
        .min(1)
        .max(1440)
        .default(15)
        .describe('A running instance offline in SSM longer than this is stuck.'),
      lifecycleWaitMinutes: z
        .number()
        .int()
        .min(1)
        .max(2880)
        .default(60)
        .describe('An instance in a lifecycle wait state longer than this is stuck.'),
      outdatedHours: z
        .number()
        .int()
        .min(1)
        .max(720)
        .default(48)
        .describe("An instance not on the template's default version for longer than this is outdated."),
      idleAlarmThreshold: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe('Idle instances that raise the idle alarm, over alarmPeriods sweeps.'),
      stuckAlarmThreshold: z
        .number()
        .int()
        .min(1)
        .default(1)
        .describe('Stuck instances that raise the stuck alarm, over alarmPeriods sweeps.'),
      outdatedAlarmThreshold: z
        .number()
        .int()
        .min(1)
        .default(1)
        .describe('Outdated instances that raise the outdated alarm, over alarmPeriods sweeps.'),
      alarmPeriods: z
        .number()
        .int()
        .min(1)
        .max(24)
        .default(3)
        .describe('Sweeps over which a threshold must hold before its alarm fires.'),
      systemFailureThreshold: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe(
          "Manager fleets: jobs failed with runner_system_failure within 5 minutes that fire the fleet's system-failure alarm, the default rollback alarm of the manager and its job fleets.",
        ),
      terminateOrphans: z
        .boolean()
        .default(false)
        .describe(
          'Terminate orphans and expired canaries (never an instance in a group, never one running a job).',
        ),
    })
    .prefault({})
    .describe('What the fleet sweeper calls idle, stuck, orphaned or outdated, and when that alarms.'),
  rollbackAlarms: z
    .array(z.string().min(1).max(255))
    .default([])
    .describe('CloudWatch alarm names that roll the fleet back when they fire within the bake period.'),
  runnerConfig: z
    .strictObject({
      template: z
        .string()
        .min(1)
        .describe(
          'config.toml with `${name}` placeholders (`$${` is a literal `${`). A path relative to this config file.',
        ),
      values: z
        .string()
        .min(1)
        .describe(
          'JSON object: for each placeholder a literal (string, number or boolean), or `{ "secureParameter": "/path" }` for every secret. A path relative to this config file.',
        ),
      driftCheck: z
        .strictObject({
          cron: cronExpression.default('15 3 * * *').describe('When the drift check runs: a 5-field cron.'),
          timeZone: timeZone.default('UTC').describe('IANA time zone the cron is read in.'),
        })
        .prefault({})
        .describe('Nightly check of the live config.toml against the published one (report only).'),
    })
    .optional()
    .describe(
      "Manager fleets: the runner's config.toml as code, linted at synth, published to Parameter Store, applied through SSM (restarts only in the maintenance window) and rendered at boot. Paths are relative to this config file.",
    ),
  runnerStateStorage: z
    .boolean()
    .default(false)
    .describe(
      'Manager fleets: the runner keeps its instances across restarts ([runners.autoscaler.state_storage]).',
    ),
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
