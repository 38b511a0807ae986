import { Stack } from 'aws-cdk-lib';
import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

import { SCRIPT_CHECKS } from '../../functions/shared/fleet';
import { name as deploymentName } from '../../functions/shared/schema-primitives';
import * as v from '../../functions/shared/valibot';
import {
  commandDocument,
  commandDocumentName,
  type DocumentSpec,
  integerRangePattern,
  MAX_DOCUMENT_BYTES,
  MAX_EXECUTION_TIMEOUT_SECONDS,
  nameListPattern,
  PARAMETER_PATTERNS,
  type ParameterSpec,
} from '../ssm/documents';

/** What a drain or restart command gets beyond the drain bound: drop-in, reload, exit, start. */
export const DRAIN_MARGIN_SECONDS = 600;
/** The longest a health check may wait for a runner that just started. */
export const MAX_HEALTH_WAIT_SECONDS = 300;
/** The shortest drain bound accepted: the drop-in's TimeoutStopSec. */
export const MIN_DRAIN_TIMEOUT_SECONDS = 60;

/** The longest drain bound a restart document (drain + health wait + margin) can still outlast. */
export const MAX_DRAIN_TIMEOUT_SECONDS =
  MAX_EXECUTION_TIMEOUT_SECONDS - MAX_HEALTH_WAIT_SECONDS - DRAIN_MARGIN_SECONDS;

/** A Command document of the rollout, as the functions that send it need it. */
export interface RolloutDocument {
  /** The document name, for SendCommand's `DocumentName`. */
  readonly name: string;
  /** The document ARN, for `ssm:SendCommand` grants. */
  readonly arn: string;
  /** Its parameters; every one but `executionTimeout` reaches the script as environment. */
  readonly parameterNames: readonly string[];
}

export interface RolloutDocumentsProps {
  /** The deployment name (config `deployment`); the documents are named after it. */
  readonly deployment: string;
  /**
   * The drain bound, in seconds, of a command sent without one (by hand): the largest manager
   * fleet's `maxJobMinutes` x 60 plus slack; the execution timeouts' defaults outlast it. It sets
   * defaults only: the parameters accept every drain bound from `MIN_DRAIN_TIMEOUT_SECONDS` to
   * `MAX_DRAIN_TIMEOUT_SECONDS` and every execution timeout a drain that short needs, because
   * SendCommand refuses a value outside `allowedPattern` and each fleet sends its own bound.
   */
  readonly drainTimeoutSeconds: number;
}

// SSM reserves these name prefixes (aws covers AWSEC2, AWSSupport, AWSConfigRemediation).
const RESERVED_PREFIX = /^(aws|amazon|amzn)/i;

/**
 * The SSM Command documents of the rollout: canary smoke tests (job instance, manager-to-canary
 * path, manager canary), the drain, health check and graceful restart of a live manager.
 *
 * Each runs one bash script from `image/ssm/` whose last stdout line is `RESULT pass[: …]` or
 * `RESULT fail: …`. Documents keep their name across deploys; a content change makes a new version
 * and the default (`UpdateMethod: NewVersion`). No parameter may carry a secret: command events
 * and history echo parameters.
 */
export class RolloutDocuments extends Construct {
  /** ON a job canary: docker as the connector user, tools, disk space, GitLab reachable. */
  public readonly smokeJobs: RolloutDocument;
  /** ON the fleet's manager: EC2 Instance Connect key, SSH to the canary, docker there. */
  public readonly smokePath: RolloutDocument;
  /** ON a manager canary: runner installed at the version and NOT running, plugin, groups, GitLab. */
  public readonly smokeManager: RolloutDocument;
  /** ON the live manager: drain drop-in, then `systemctl stop` (running jobs finish). */
  public readonly drainManager: RolloutDocument;
  /** ON a manager: service active, metrics answer with gitlab_runner_version_info. */
  public readonly managerHealth: RolloutDocument;
  /** ON the live manager: drain, `systemctl start`, then the health check. */
  public readonly restartManager: RolloutDocument;
  /**
   * ON the live manager: render config.toml from Parameter Store (`ConfigPrefix`), then in-sync,
   * drift report, live apply, deferred restart or graceful restart (`apply-config.sh`).
   */
  public readonly applyConfig: RolloutDocument;

  constructor(scope: Construct, id: string, props: RolloutDocumentsProps) {
    super(scope, id);
    const { deployment, drainTimeoutSeconds: drain } = props;
    if (!v.safeParse(deploymentName, deployment).success)
      throw new Error(
        `deployment "${deployment}" is not a valid name: use 2-32 lowercase letters, digits and dashes, starting with a letter`,
      );
    if (RESERVED_PREFIX.test(deployment))
      throw new Error(
        `deployment "${deployment}" starts with a prefix SSM reserves for its own documents (aws, amazon, amzn): choose another name`,
      );
    if (!Number.isInteger(drain) || drain < MIN_DRAIN_TIMEOUT_SECONDS || drain > MAX_DRAIN_TIMEOUT_SECONDS)
      throw new Error(
        `drainTimeoutSeconds ${drain} is out of range: use a whole number from ${MIN_DRAIN_TIMEOUT_SECONDS} to ${MAX_DRAIN_TIMEOUT_SECONDS}, ` +
          `so that a restart (drain + ${MAX_HEALTH_WAIT_SECONDS} s health wait + ${DRAIN_MARGIN_SECONDS} s margin) ends within SSM's ${MAX_EXECUTION_TIMEOUT_SECONDS} s; lower the fleets' maxJobMinutes`,
      );

    const P = PARAMETER_PATTERNS;
    const runnerVersion: ParameterSpec = {
      description: 'gitlab-runner version the image must hold, such as 18.6.2.',
      allowedPattern: P.version,
      env: ['RUNNER_VERSION'],
    };
    const connectorUser: ParameterSpec = {
      description: 'The user the fleeting plugin connects as (connector_config.username).',
      allowedPattern: P.unixUser,
      env: ['CONNECTOR_USER'],
    };
    const gitlabUrl: ParameterSpec = {
      description: 'GitLab URL the runner talks to (https, no credentials).',
      allowedPattern: P.httpsUrl,
      env: ['GITLAB_URL'],
    };
    const region: ParameterSpec = {
      description:
        "(Optional) AWS Region for the AWS CLI on the instance; empty: the instance's own (IMDSv2).",
      allowedPattern: P.optionalRegion,
      default: '',
      env: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    };
    // Every command of a rollout carries these, so its status event leads back to the ledger item.
    const correlation: Record<string, ParameterSpec> = {
      Fleet: {
        description: '(Optional) The fleet whose rollout sent the command.',
        allowedPattern: P.optionalName,
        default: '',
        env: ['AUTOPILOT_FLEET'],
      },
      CandidateId: {
        description: '(Optional) The rollout candidate the command belongs to.',
        allowedPattern: P.optionalCandidateId,
        default: '',
        env: ['AUTOPILOT_CANDIDATE_ID'],
      },
    };
    const metricsUrl: ParameterSpec = {
      description: "The runner's metrics endpoint on this host (listen_address).",
      allowedPattern: P.metricsUrl,
      default: 'http://127.0.0.1:9252/metrics',
      env: ['METRICS_URL'],
    };
    const expectedVersion: ParameterSpec = {
      description: '(Optional) gitlab-runner version the metrics must report; empty skips the comparison.',
      allowedPattern: P.optionalVersion,
      default: '',
      env: ['RUNNER_VERSION'],
    };
    const healthWait: ParameterSpec = {
      description: `Seconds to wait for a starting runner to become healthy: 0 to ${MAX_HEALTH_WAIT_SECONDS}.`,
      allowedPattern: integerRangePattern(0, MAX_HEALTH_WAIT_SECONDS),
      default: '120',
      env: ['HEALTH_WAIT_SECONDS'],
    };
    const drainTimeout: ParameterSpec = {
      description:
        `Drain bound in seconds (TimeoutStopSec of the drain drop-in): the fleet's maxJobMinutes x 60 plus a margin, ` +
        `so GitLab's job timeout ends a job before systemd would kill it. ${MIN_DRAIN_TIMEOUT_SECONDS} to ${MAX_DRAIN_TIMEOUT_SECONDS}.`,
      allowedPattern: integerRangePattern(MIN_DRAIN_TIMEOUT_SECONDS, MAX_DRAIN_TIMEOUT_SECONDS),
      default: String(drain),
      env: ['DRAIN_TIMEOUT_SECONDS'],
    };

    // The canary checks a smoke script may run (the fleet's `canary.checks`, but `ssh-path`).
    const checks = (names: readonly string[]): ParameterSpec => ({
      description: `(Optional) Comma-separated checks to run, of ${names.join(', ')}; the others are reported as skipped. Default: all.`,
      allowedPattern: nameListPattern(names),
      default: names.join(','),
      env: ['CHECKS'],
    });

    const specs = {
      smokeJobs: {
        key: 'smoke-jobs',
        stepName: 'SmokeJobs',
        description: 'runner-autopilot: smoke test of a job canary instance.',
        scripts: ['lib.sh', 'smoke-jobs.sh'],
        parameters: {
          RunnerVersion: runnerVersion,
          ConnectorUser: connectorUser,
          GitlabUrl: gitlabUrl,
          SmokeImage: {
            description:
              '(Optional) Image to run as the connector user; empty: a pre-pulled one (busybox, alpine, debian or ubuntu first).',
            allowedPattern: P.optionalImageRef,
            default: '',
            env: ['SMOKE_IMAGE'],
          },
          MinFreeGiB: {
            description: 'Free GiB required on / and on docker data root: 1 to 16384.',
            allowedPattern: integerRangePattern(1, 16384),
            default: '10',
            env: ['MIN_FREE_GIB'],
          },
          Checks: checks(SCRIPT_CHECKS.jobs),
        },
        minTimeoutSeconds: 60,
        defaultTimeoutSeconds: 900,
      },
      smokePath: {
        key: 'smoke-path',
        stepName: 'SmokePath',
        description:
          "runner-autopilot: from the fleet's manager, SSH to a job canary as the fleeting plugin does.",
        scripts: ['lib.sh', 'smoke-path.sh'],
        parameters: {
          CanaryInstanceId: {
            description: 'Instance id of the job canary.',
            allowedPattern: P.instanceId,
            env: ['CANARY_INSTANCE_ID'],
          },
          CanaryPrivateIp: {
            description: 'Private IPv4 address of the job canary.',
            allowedPattern: P.ipv4,
            env: ['CANARY_PRIVATE_IP'],
          },
          ConnectorUser: connectorUser,
          Region: region,
        },
        minTimeoutSeconds: 60,
        defaultTimeoutSeconds: 300,
      },
      smokeManager: {
        key: 'smoke-manager',
        stepName: 'SmokeManager',
        description: 'runner-autopilot: smoke test of a manager canary (the runner must not run).',
        scripts: ['lib.sh', 'smoke-manager.sh'],
        parameters: {
          RunnerVersion: runnerVersion,
          FleetingPluginVersion: {
            description:
              '(Optional) fleeting-plugin-aws version the image must hold; empty: any installed version.',
            allowedPattern: P.optionalVersion,
            default: '',
            env: ['FLEETING_PLUGIN_VERSION'],
          },
          JobGroups: {
            description: "Comma-separated names of the manager's job Auto Scaling groups (at most 50).",
            allowedPattern: P.groupNames,
            env: ['JOB_GROUPS'],
          },
          GitlabUrl: gitlabUrl,
          Region: region,
          Checks: checks(SCRIPT_CHECKS.manager),
        },
        minTimeoutSeconds: 60,
        defaultTimeoutSeconds: 300,
      },
      drainManager: {
        key: 'drain-manager',
        stepName: 'DrainManager',
        description:
          'runner-autopilot: drain the live manager (systemctl stop with SIGQUIT: running jobs finish).',
        scripts: ['lib.sh', 'runner-service.sh', 'drain-manager.sh'],
        parameters: { DrainTimeoutSeconds: drainTimeout, MetricsUrl: metricsUrl },
        minTimeoutSeconds: MIN_DRAIN_TIMEOUT_SECONDS + DRAIN_MARGIN_SECONDS,
        defaultTimeoutSeconds: drain + DRAIN_MARGIN_SECONDS,
      },
      managerHealth: {
        key: 'manager-health',
        stepName: 'ManagerHealth',
        description: 'runner-autopilot: health of a manager (service active, metrics answer).',
        scripts: ['lib.sh', 'runner-service.sh', 'manager-health.sh'],
        parameters: { MetricsUrl: metricsUrl, RunnerVersion: expectedVersion, HealthWaitSeconds: healthWait },
        minTimeoutSeconds: MAX_HEALTH_WAIT_SECONDS + 300,
        defaultTimeoutSeconds: MAX_HEALTH_WAIT_SECONDS + 300,
      },
      restartManager: {
        key: 'restart-manager',
        stepName: 'RestartManager',
        description: 'runner-autopilot: graceful restart of the live manager (drain, start, health).',
        scripts: ['lib.sh', 'runner-service.sh', 'restart-manager.sh'],
        parameters: {
          DrainTimeoutSeconds: drainTimeout,
          MetricsUrl: metricsUrl,
          RunnerVersion: expectedVersion,
          HealthWaitSeconds: healthWait,
        },
        minTimeoutSeconds: MIN_DRAIN_TIMEOUT_SECONDS + MAX_HEALTH_WAIT_SECONDS + DRAIN_MARGIN_SECONDS,
        defaultTimeoutSeconds: drain + MAX_HEALTH_WAIT_SECONDS + DRAIN_MARGIN_SECONDS,
      },
      applyConfig: {
        key: 'apply-config',
        stepName: 'ApplyConfig',
        description:
          "runner-autopilot: render the manager's config.toml from Parameter Store and apply it (live, or drain and restart).",
        scripts: ['lib.sh', 'runner-service.sh', 'apply-config.sh'],
        embedded: { RUNNER_CONFIG_PY_SOURCE: 'runner_config.py' },
        parameters: {
          ConfigPrefix: {
            description: `The fleet's config parameters: /runner-autopilot/${deployment}/<fleet>/config (then /template, /values, /manifest).`,
            allowedPattern: `^/runner-autopilot/${deployment}/[a-z][a-z0-9-]{0,30}[a-z0-9]/config$`,
            env: ['CONFIG_PREFIX'],
          },
          ExpectedHash: {
            description:
              '(Optional) sha256 (64 hex digits) the config must hash to (the manifest the caller read); empty: the manifest as found.',
            allowedPattern: '^([0-9a-f]{64})?$',
            default: '',
            env: ['EXPECTED_HASH'],
          },
          Mode: {
            description:
              'apply (write when changed), drift (report only) or boot (write, no health check, no restart; the boot unit).',
            allowedPattern: '^(apply|drift|boot)$',
            env: ['MODE'],
          },
          AllowRestart: {
            description:
              'true: a change that needs a restart is applied as drain, write, start. false: such a change is deferred and nothing changes.',
            allowedPattern: '^(true|false)$',
            default: 'false',
            env: ['ALLOW_RESTART'],
          },
          DrainTimeoutSeconds: drainTimeout,
          MetricsUrl: metricsUrl,
          Region: region,
        },
        // A live apply (AllowRestart false) waits for health at most. A restart drains and waits for
        // health, an unhealthy one restores and does both again: its caller sends that much.
        minTimeoutSeconds: MAX_HEALTH_WAIT_SECONDS + 300,
        defaultTimeoutSeconds: Math.min(
          2 * (drain + MAX_HEALTH_WAIT_SECONDS) + DRAIN_MARGIN_SECONDS,
          MAX_EXECUTION_TIMEOUT_SECONDS,
        ),
      },
    } satisfies Record<string, DocumentSpec>;

    const make = (id: string, spec: DocumentSpec): RolloutDocument => {
      const name = commandDocumentName(deployment, spec.key);
      const content = commandDocument({ ...spec, parameters: { ...correlation, ...spec.parameters } });
      const size = Buffer.byteLength(JSON.stringify(content));
      if (size > MAX_DOCUMENT_BYTES)
        throw new Error(
          `document ${name} is ${size} bytes, over SSM's ${MAX_DOCUMENT_BYTES}: shorten its scripts`,
        );
      new CfnDocument(this, id, {
        name,
        documentType: 'Command',
        documentFormat: 'JSON',
        targetType: '/AWS::EC2::Instance',
        updateMethod: 'NewVersion',
        content,
      });
      return {
        name,
        arn: Stack.of(this).formatArn({ service: 'ssm', resource: 'document', resourceName: name }),
        parameterNames: Object.keys(content.parameters),
      };
    };
    this.smokeJobs = make('SmokeJobs', specs.smokeJobs);
    this.smokePath = make('SmokePath', specs.smokePath);
    this.smokeManager = make('SmokeManager', specs.smokeManager);
    this.drainManager = make('DrainManager', specs.drainManager);
    this.managerHealth = make('ManagerHealth', specs.managerHealth);
    this.restartManager = make('RestartManager', specs.restartManager);
    this.applyConfig = make('ApplyConfig', specs.applyConfig);
  }
}
