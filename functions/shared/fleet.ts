import * as v from './valibot';

import { cronExpression } from './cron-schema';
import type { Doc } from './described';
import { iamRole, name, securityGroupId, subnetId, timeZone } from './fleet-primitives';

const undescribed: Doc = (schema) => schema;

/**
 * A time window as the runner's own autoscaler `periods`: a 5-field cron describes the minutes
 * that are inside it (`* 1-4 * * *` is 01:00-04:59 every day), evaluated in `timeZone`.
 */
const windowSchema = (doc: Doc) =>
  v.strictObject({
    periods: doc(
      v.pipe(v.array(cronExpression), v.minLength(1)),
      "Cron expressions of the minutes inside the window, as the runner's own periods: `* 1-4 * * *` is 01:00-04:59 every day.",
    ),
    timeZone: doc(
      v.optional(timeZone, 'UTC'),
      'IANA time zone the periods are read in, such as Europe/Berlin.',
    ),
  });
export type Window = v.InferOutput<ReturnType<typeof windowSchema>>;

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
const CanaryCheck = v.picklist([...new Set([...CANARY_CHECKS.jobs, ...CANARY_CHECKS.manager])] as [
  CanaryCheck,
  ...CanaryCheck[],
]);

const canarySchema = (doc: Doc) =>
  doc(
    v.strictObject({
      subnetId: doc(
        v.optional(subnetId),
        "Subnet for the canary instance; the launch template's own network settings when unset.",
      ),
      securityGroupIds: doc(
        v.optional(v.array(securityGroupId), []),
        "Security groups of the canary; the launch template's own when empty.",
      ),
      onlineTimeoutMinutes: doc(
        v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(2), v.maxValue(120)), 15),
        'How long the canary may take to come online in SSM before the candidate is rejected.',
      ),
      // EventBridge Scheduler is minute-grained.
      checkIntervalMinutes: doc(
        v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(30)), 2),
        'Interval of the re-checks while waiting for the canary.',
      ),
      smokeTimeoutMinutes: doc(
        v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(120)), 20),
        'Execution timeout of the smoke test.',
      ),
      minFreeDiskGiB: doc(
        v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(16384)), 10),
        'The disk check fails below this much free space, in GiB.',
      ),
      /**
       * The suite config rejects another role's checks. At least one runs on the canary itself:
       * `ssh-path` alone would leave it untested.
       * @default - every check of the fleet's role (see `canaryChecks`)
       */
      checks: doc(
        v.optional(
          v.pipe(
            v.array(CanaryCheck),
            v.minLength(1),
            v.check((list) => new Set(list).size === list.length, 'names a check twice'),
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
  return v.strictObject({
    name: doc(name, "The fleet's name, in alerts, metrics, the ledger and the CLI."),
    role: doc(
      v.picklist(['manager', 'jobs']),
      "manager: the runner manager's group (max size 1). jobs: a group of job instances the manager scales.",
    ),
    /**
     * AWS allows more characters in a group name, but the name reaches instance scripts as an SSM
     * command parameter, whose pattern (`PARAMETER_PATTERNS.groupNames` in infra/ssm/documents.ts)
     * admits only these: anything else would be pasted into a shell.
     */
    autoScalingGroup: doc(
      v.pipe(
        v.string(),
        v.regex(
          /^[A-Za-z0-9._-]{1,255}$/,
          "must be 1-255 letters, digits, '.', '_' or '-' (it reaches the instance scripts as an SSM command parameter): rename the group",
        ),
      ),
      "The Auto Scaling Group of the fleet. It must launch from the template's $Default version.",
    ),
    launchTemplate: doc(
      v.pipe(v.string(), v.minLength(1)),
      'The launch template the group launches from, tagged `runner-autopilot:deployment=<deployment>`: a rollout stages a candidate version of it and promotes it to default.',
    ),
    // Never a role chosen by a tag: IAM does not evaluate tag conditions on PassRole reliably.
    instanceRole: doc(
      iamRole,
      "The role of the launch template's instance profile: its ARN, or its name for a role at path /. A canary launch passes it, and the functions may pass exactly these roles.",
    ),
    pipeline: doc(name, "The image pipeline that feeds this fleet's launch template."),
    manager: doc(v.optional(name), 'Jobs fleets: the manager fleet whose runner scales this group.'),
    rollout: doc(
      v.optional(v.picklist(['natural', 'recycle']), 'natural'),
      "Jobs fleets. natural: promotion is the rollout, instances retire by themselves. recycle: then a graceful restart of its manager fleet in that fleet's next maintenance window replaces every job instance, and again onto the restored default after a rollback (needs the runner's state storage off, its default).",
    ),
    freezeWindows: doc(
      v.optional(v.array(Window), []),
      'Nothing is promoted inside a freeze window; the rollout waits for its end.',
    ),
    maintenanceWindows: doc(
      v.optional(v.array(Window), [{ periods: ['* 1-4 * * *'], timeZone: 'UTC' }]),
      'Manager fleets: the only times the manager may be drained, replaced or restarted.',
    ),
    canary: v.optional(canarySchema(doc), {}),
    maxJobMinutes: doc(
      v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(2800)), 180),
      "Manager fleets: the longest a job may run (set the runner's maximum job timeout in GitLab to match). A drain waits this long, plus a margin, and is alerted, never cut short, beyond it.",
    ),
    healthTimeoutMinutes: doc(
      v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(2), v.maxValue(120)), 15),
      'Manager fleets: how long a replaced manager has to become healthy before it is rolled back.',
    ),
    bakePeriodMinutes: doc(
      v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(10080)), 60),
      'After promotion, a rollback alarm going off within this many minutes rolls the fleet back.',
    ),
    health: doc(
      v.optional(
        v.strictObject({
          idleTimeMinutes: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(1440)), 20),
            "The runner's idle_time for this group: idle longer than this plus the grace is wasted.",
          ),
          idleGraceMinutes: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(1440)), 10),
            'Minutes added to idleTimeMinutes before an instance counts as idle.',
          ),
          idleCpuPercent: doc(
            v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100)), 3),
            'Below this CPU and idleNetworkBytesPerMinute over the idle window, an instance is an idle candidate, asked over SSM whether it runs a job before it counts.',
          ),
          idleNetworkBytesPerMinute: doc(
            v.optional(v.pipe(v.number(), v.minValue(0)), 200_000),
            'The network side of the idle candidate test, in bytes per minute.',
          ),
          maxJobChecksPerSweep: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(50)), 10),
            'Instances asked per sweep whether they run a job (each answer costs an SSM command).',
          ),
          stuckPendingMinutes: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(1440)), 15),
            'An instance pending longer than this is stuck.',
          ),
          ssmOfflineMinutes: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(1440)), 15),
            'A running instance offline in SSM longer than this is stuck.',
          ),
          lifecycleWaitMinutes: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(2880)), 60),
            'An instance in a lifecycle wait state longer than this is stuck.',
          ),
          outdatedHours: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(720)), 48),
            "An instance not on the template's default version for longer than this is outdated.",
          ),
          idleAlarmThreshold: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1)), 3),
            'Idle instances that raise the idle alarm, over alarmPeriods sweeps.',
          ),
          stuckAlarmThreshold: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1)), 1),
            'Stuck instances that raise the stuck alarm, over alarmPeriods sweeps.',
          ),
          outdatedAlarmThreshold: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1)), 1),
            'Outdated instances that raise the outdated alarm, over alarmPeriods sweeps.',
          ),
          alarmPeriods: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(24)), 3),
            'Sweeps over which a threshold must hold before its alarm fires.',
          ),
          systemFailureThreshold: doc(
            v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1)), 3),
            "Manager fleets: jobs failed with runner_system_failure within 5 minutes that fire the fleet's system-failure alarm, the default rollback alarm of the manager and its job fleets.",
          ),
          terminateOrphans: doc(
            v.optional(v.boolean(), false),
            'Terminate orphans and expired canaries (never an instance in a group, never one running a job).',
          ),
        }),
        {},
      ),
      'What the fleet sweeper calls idle, stuck, orphaned or outdated, and when that alarms.',
    ),
    rollbackAlarms: doc(
      v.optional(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(255))), []),
      'CloudWatch alarm names that roll the fleet back when they fire within the bake period.',
    ),
    runnerConfig: doc(
      v.optional(
        v.strictObject({
          template: doc(
            v.pipe(v.string(), v.minLength(1)),
            'config.toml with `${name}` placeholders (`$${` is a literal `${`). A path relative to this config file.',
          ),
          values: doc(
            v.pipe(v.string(), v.minLength(1)),
            'JSON object: for each placeholder a literal (string, number or boolean), or `{ "secureParameter": "/path" }` for every secret. A path relative to this config file.',
          ),
          driftCheck: doc(
            v.optional(
              v.strictObject({
                cron: doc(
                  v.optional(cronExpression, '15 3 * * *'),
                  'When the drift check runs: a 5-field cron.',
                ),
                timeZone: doc(v.optional(timeZone, 'UTC'), 'IANA time zone the cron is read in.'),
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
      v.optional(v.boolean(), false),
      'Manager fleets: the runner keeps its instances across restarts ([runners.autoscaler.state_storage]).',
    ),
  });
};

export const Fleet = fleetSchema(undescribed);
export type Fleet = v.InferOutput<typeof Fleet>;

/**
 * The canary checks of a fleet, in the order its smoke script runs them: the configured ones of
 * its role, else all of them. Another role's names are dropped (the suite config reports them).
 */
export const canaryChecks = (fleet: Pick<Fleet, 'role' | 'canary'>): readonly CanaryCheck[] => {
  const all: readonly CanaryCheck[] = CANARY_CHECKS[fleet.role];
  const configured = fleet.canary.checks;
  return configured ? all.filter((c) => configured.includes(c)) : all;
};
