import { cronExpression } from './cron-schema';
import { iamRole, name, securityGroupId, subnetId, timeZone } from './fleet-primitives';
import * as z from './zod';

/**
 * How a key's reference text is attached. The suite config's schema carries the texts: its JSON
 * Schema and docs/configuration.md are generated from them. The fleet schema the functions parse
 * their slices with leaves them out, and parses the same: describing clones each key's schema, a
 * third of what the schema costs at every rollout function's cold start.
 */
export type Doc = <S extends z.ZodMiniType>(schema: S, text: string) => S;
export const described: Doc = (schema, text) => schema.check(z.describe(text));
const undescribed: Doc = (schema) => schema;

/**
 * A time window as the runner's own autoscaler `periods`: a 5-field cron describes the minutes
 * that are inside it (`* 1-4 * * *` is 01:00-04:59 every day), evaluated in `timeZone`.
 */
const windowSchema = (doc: Doc) =>
  z.strictObject({
    periods: doc(
      z.array(cronExpression).check(z.minLength(1)),
      "Cron expressions of the minutes inside the window, as the runner's own periods: `* 1-4 * * *` is 01:00-04:59 every day.",
    ),
    timeZone: doc(
      z._default(timeZone, 'UTC'),
      'IANA time zone the periods are read in, such as Europe/Berlin.',
    ),
  });
export type Window = z.infer<ReturnType<typeof windowSchema>>;

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

const canarySchema = (doc: Doc) =>
  doc(
    z.strictObject({
      subnetId: doc(
        z.optional(subnetId),
        "Subnet for the canary instance; the launch template's own network settings when unset.",
      ),
      securityGroupIds: doc(
        z._default(z.array(securityGroupId), []),
        "Security groups of the canary; the launch template's own when empty.",
      ),
      onlineTimeoutMinutes: doc(
        z._default(z.number().check(z.int(), z.minimum(2), z.maximum(120)), 15),
        'How long the canary may take to come online in SSM before the candidate is rejected.',
      ),
      // EventBridge Scheduler is minute-grained.
      checkIntervalMinutes: doc(
        z._default(z.number().check(z.int(), z.minimum(1), z.maximum(30)), 2),
        'Interval of the re-checks while waiting for the canary.',
      ),
      smokeTimeoutMinutes: doc(
        z._default(z.number().check(z.int(), z.minimum(1), z.maximum(120)), 20),
        'Execution timeout of the smoke test.',
      ),
      minFreeDiskGiB: doc(
        z._default(z.number().check(z.int(), z.minimum(1), z.maximum(16384)), 10),
        'The disk check fails below this much free space, in GiB.',
      ),
      /**
       * The suite config rejects another role's checks. At least one runs on the canary itself:
       * `ssh-path` alone would leave it untested.
       * @default - every check of the fleet's role (see `canaryChecks`)
       */
      checks: doc(
        z.optional(
          z.array(CanaryCheck).check(
            z.minLength(1),
            z.refine((list) => new Set(list).size === list.length, 'names a check twice'),
          ),
        ),
        "The checks to run, of the fleet's role; all of them when unset. Jobs: docker, git, gitlab-runner, tools, disk, gitlab-url, ssh-path (from the manager). Managers: gitlab-runner, fleeting-plugin, job-groups, gitlab-url. Fleets on one launch template share one canary: the first by name leads.",
      ),
    }),
    'The canary instance a candidate image is smoke-tested on before promotion.',
  );

/** The schema of a fleet, its keys' reference texts attached by `doc`. */
export const fleetSchema = (doc: Doc) => {
  const Window = windowSchema(doc);
  return z.strictObject({
    name: doc(name, "The fleet's name, in alerts, metrics, the ledger and the CLI."),
    role: doc(
      z.enum(['manager', 'jobs']),
      "manager: the runner manager's group (max size 1). jobs: a group of job instances the manager scales.",
    ),
    /**
     * AWS allows more characters in a group name, but the name reaches instance scripts as an SSM
     * command parameter, whose pattern (`PARAMETER_PATTERNS.groupNames` in infra/ssm/documents.ts)
     * admits only these: anything else would be pasted into a shell.
     */
    autoScalingGroup: doc(
      z
        .string()
        .check(
          z.regex(
            /^[A-Za-z0-9._-]{1,255}$/,
            "must be 1-255 letters, digits, '.', '_' or '-' (it reaches the instance scripts as an SSM command parameter): rename the group",
          ),
        ),
      "The Auto Scaling Group of the fleet. It must launch from the template's $Default version.",
    ),
    launchTemplate: doc(
      z.string().check(z.minLength(1)),
      'The launch template the group launches from, tagged `runner-autopilot:deployment=<deployment>`: a rollout stages a candidate version of it and promotes it to default.',
    ),
    // Never a role chosen by a tag: IAM does not evaluate tag conditions on PassRole reliably.
    instanceRole: doc(
      iamRole,
      "The role of the launch template's instance profile: its ARN, or its name for a role at path /. A canary launch passes it, and the functions may pass exactly these roles.",
    ),
    pipeline: doc(name, "The image pipeline that feeds this fleet's launch template."),
    manager: doc(z.optional(name), 'Jobs fleets: the manager fleet whose runner scales this group.'),
    rollout: doc(
      z._default(z.enum(['natural', 'recycle']), 'natural'),
      "Jobs fleets. natural: promotion is the rollout, instances retire by themselves. recycle: then a graceful restart of the manager in its next maintenance window replaces every job instance (needs the runner's state storage off, its default).",
    ),
    freezeWindows: doc(
      z._default(z.array(Window), []),
      'Nothing is promoted inside a freeze window; the rollout waits for its end.',
    ),
    maintenanceWindows: doc(
      z._default(z.array(Window), [{ periods: ['* 1-4 * * *'], timeZone: 'UTC' }]),
      'Manager fleets: the only times the manager may be drained, replaced or restarted.',
    ),
    canary: z.prefault(canarySchema(doc), {}),
    maxJobMinutes: doc(
      z._default(z.number().check(z.int(), z.minimum(1), z.maximum(2800)), 180),
      "Manager fleets: the longest a job may run (set the runner's maximum job timeout in GitLab to match). A drain waits this long, plus a margin, and is alerted, never cut short, beyond it.",
    ),
    healthTimeoutMinutes: doc(
      z._default(z.number().check(z.int(), z.minimum(2), z.maximum(120)), 15),
      'Manager fleets: how long a replaced manager has to become healthy before it is rolled back.',
    ),
    bakePeriodMinutes: doc(
      z._default(z.number().check(z.int(), z.minimum(0), z.maximum(10080)), 60),
      'After promotion, a rollback alarm going off within this many minutes rolls the fleet back.',
    ),
    health: doc(
      z.prefault(
        z.strictObject({
          idleTimeMinutes: doc(
            z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1440)), 20),
            "The runner's idle_time for this group: idle longer than this plus the grace is wasted.",
          ),
          idleGraceMinutes: doc(
            z._default(z.number().check(z.int(), z.minimum(0), z.maximum(1440)), 10),
            'Minutes added to idleTimeMinutes before an instance counts as idle.',
          ),
          idleCpuPercent: doc(
            z._default(z.number().check(z.minimum(0), z.maximum(100)), 3),
            'Below this CPU and idleNetworkBytesPerMinute over the idle window, an instance is an idle candidate, asked over SSM whether it runs a job before it counts.',
          ),
          idleNetworkBytesPerMinute: doc(
            z._default(z.number().check(z.minimum(0)), 200_000),
            'The network side of the idle candidate test, in bytes per minute.',
          ),
          maxJobChecksPerSweep: doc(
            z._default(z.number().check(z.int(), z.minimum(0), z.maximum(50)), 10),
            'Instances asked per sweep whether they run a job (each answer costs an SSM command).',
          ),
          stuckPendingMinutes: doc(
            z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1440)), 15),
            'An instance pending longer than this is stuck.',
          ),
          ssmOfflineMinutes: doc(
            z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1440)), 15),
            'A running instance offline in SSM longer than this is stuck.',
          ),
          lifecycleWaitMinutes: doc(
            z._default(z.number().check(z.int(), z.minimum(1), z.maximum(2880)), 60),
            'An instance in a lifecycle wait state longer than this is stuck.',
          ),
          outdatedHours: doc(
            z._default(z.number().check(z.int(), z.minimum(1), z.maximum(720)), 48),
            "An instance not on the template's default version for longer than this is outdated.",
          ),
          idleAlarmThreshold: doc(
            z._default(z.number().check(z.int(), z.minimum(1)), 3),
            'Idle instances that raise the idle alarm, over alarmPeriods sweeps.',
          ),
          stuckAlarmThreshold: doc(
            z._default(z.number().check(z.int(), z.minimum(1)), 1),
            'Stuck instances that raise the stuck alarm, over alarmPeriods sweeps.',
          ),
          outdatedAlarmThreshold: doc(
            z._default(z.number().check(z.int(), z.minimum(1)), 1),
            'Outdated instances that raise the outdated alarm, over alarmPeriods sweeps.',
          ),
          alarmPeriods: doc(
            z._default(z.number().check(z.int(), z.minimum(1), z.maximum(24)), 3),
            'Sweeps over which a threshold must hold before its alarm fires.',
          ),
          systemFailureThreshold: doc(
            z._default(z.number().check(z.int(), z.minimum(1)), 3),
            "Manager fleets: jobs failed with runner_system_failure within 5 minutes that fire the fleet's system-failure alarm, the default rollback alarm of the manager and its job fleets.",
          ),
          terminateOrphans: doc(
            z._default(z.boolean(), false),
            'Terminate orphans and expired canaries (never an instance in a group, never one running a job).',
          ),
        }),
        {},
      ),
      'What the fleet sweeper calls idle, stuck, orphaned or outdated, and when that alarms.',
    ),
    rollbackAlarms: doc(
      z._default(z.array(z.string().check(z.minLength(1), z.maxLength(255))), []),
      'CloudWatch alarm names that roll the fleet back when they fire within the bake period.',
    ),
    runnerConfig: doc(
      z.optional(
        z.strictObject({
          template: doc(
            z.string().check(z.minLength(1)),
            'config.toml with `${name}` placeholders (`$${` is a literal `${`). A path relative to this config file.',
          ),
          values: doc(
            z.string().check(z.minLength(1)),
            'JSON object: for each placeholder a literal (string, number or boolean), or `{ "secureParameter": "/path" }` for every secret. A path relative to this config file.',
          ),
          driftCheck: doc(
            z.prefault(
              z.strictObject({
                cron: doc(
                  z._default(cronExpression, '15 3 * * *'),
                  'When the drift check runs: a 5-field cron.',
                ),
                timeZone: doc(z._default(timeZone, 'UTC'), 'IANA time zone the cron is read in.'),
              }),
              {},
            ),
            'Nightly check of the live config.toml against the published one (report only).',
          ),
        }),
      ),
      "Manager fleets: the runner's config.toml as code, linted at synth, published to Parameter Store, applied through SSM (restarts only in the maintenance window) and rendered at boot. Paths are relative to this config file.",
    ),
    runnerStateStorage: doc(
      z._default(z.boolean(), false),
      'Manager fleets: the runner keeps its instances across restarts ([runners.autoscaler.state_storage]).',
    ),
  });
};

export const Fleet = fleetSchema(undescribed);
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
