import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import type { JobsPipeline, ManagerPipeline, Pipeline } from '../../functions/shared/config';
import type { ComponentDocument, ExecuteBashStep, PhaseName } from './component-document';
import { bashStep, serializeDocument } from './component-document';
import { contentVersion } from './versioning';

/** Where the on-instance scripts and files live; read at synth time. */
export const IMAGE_DIR = join(__dirname, '..', '..', 'image');

const readImageFile = (path: string): string => readFileSync(join(IMAGE_DIR, path), 'utf8');

/** A component as the construct creates it: name suffix, document, YAML data and content version. */
export interface ComponentPlan {
  /** Unique within a pipeline; the component's name is `<recipe>-<key>`. */
  readonly key: string;
  readonly description: string;
  readonly document: ComponentDocument;
  readonly data: string;
  readonly version: string;
}

interface ComponentSpec {
  readonly key: string;
  readonly description: string;
  readonly phase: PhaseName;
  readonly steps: readonly ExecuteBashStep[];
}

/** A file's text gzipped (no name, no time: the same bytes every synth) and base64-encoded. */
export const packedImageFile = (path: string): string =>
  gzipSync(readImageFile(path), { level: 9 }).toString('base64');

/**
 * The manager's boot unit runner-autopilot-config.service and what it runs (apply-config.sh, its
 * helpers, runner_config.py), packed so they fit Image Builder's component size in three steps.
 */
const configBootSpecs = (): ComponentSpec[] => [
  {
    key: 'config-helpers',
    description: 'Helpers of apply-config.sh and the config boot script',
    phase: 'build',
    steps: [
      scriptStep('InstallConfigHelpers', 'install-config-boot.sh', {
        LIB_SH_GZ: packedImageFile('ssm/lib.sh'),
        RUNNER_SERVICE_SH_GZ: packedImageFile('ssm/runner-service.sh'),
        INSTANCE_TAGS_SH_GZ: packedImageFile('ssm/instance-tags.sh'),
        BOOT_SCRIPT_GZ: packedImageFile('scripts/runner-autopilot-config-boot.sh'),
      }),
    ],
  },
  {
    key: 'config-apply',
    description: 'apply-config.sh, which renders config.toml from Parameter Store',
    phase: 'build',
    steps: [
      scriptStep('InstallApplyConfig', 'install-config-boot.sh', {
        APPLY_CONFIG_SH_GZ: packedImageFile('ssm/apply-config.sh'),
      }),
    ],
  },
  {
    key: 'config-boot',
    description:
      'Boot unit: render config.toml from Parameter Store, then start gitlab-runner (never on a canary)',
    phase: 'build',
    steps: [
      scriptStep('InstallConfigBootUnit', 'install-config-boot.sh', {
        RUNNER_CONFIG_PY_GZ: packedImageFile('ssm/runner_config.py'),
        BOOT_UNIT_GZ: packedImageFile('files/runner-autopilot-config.service'),
      }),
    ],
  },
];

/**
 * The manager's runner-autopilot-metrics.service, its boot script and the CloudWatch agent templates:
 * at boot (never on a canary) the agent scrapes gitlab-runner's Prometheus endpoint and publishes to
 * RunnerAutopilot/Runner with the fleet as a dimension. Runs after the cloudwatch-agent component.
 */
const runnerMetricsSpec = (): ComponentSpec => ({
  key: 'runner-metrics',
  description:
    "Boot unit: the CloudWatch agent publishes gitlab-runner's Prometheus metrics to RunnerAutopilot/Runner (never on a canary)",
  phase: 'build',
  steps: [
    scriptStep('InstallRunnerMetrics', 'install-runner-metrics.sh', {
      METRICS_BOOT_SCRIPT_GZ: packedImageFile('scripts/runner-metrics-boot.sh'),
      METRICS_UNIT_GZ: packedImageFile('files/runner-metrics/runner-autopilot-metrics.service'),
      AGENT_CONFIG_GZ: packedImageFile('files/runner-metrics/amazon-cloudwatch-agent.json'),
      PROMETHEUS_CONFIG_GZ: packedImageFile('files/runner-metrics/prometheus.yaml'),
    }),
  ],
});

const debArch = (pipeline: Pipeline): string => (pipeline.architecture === 'arm64' ? 'arm64' : 'amd64');

/** A step running `image/scripts/<script>` with the shared helpers inlined before it. */
const scriptStep = (name: string, script: string, env: Record<string, string> = {}): ExecuteBashStep =>
  bashStep(name, readImageFile(join('scripts', script)), env, [readImageFile('scripts/lib.sh')]);

const baseSpec = (): ComponentSpec => ({
  key: 'base',
  description: 'Packages the bake scripts rely on',
  phase: 'build',
  steps: [scriptStep('InstallBase', 'install-base.sh')],
});

const runnerSpec = (pipeline: Pipeline, runnerVersion: string): ComponentSpec => ({
  key: 'gitlab-runner',
  description: `gitlab-runner ${runnerVersion}, checked against the release's sha256 list`,
  phase: 'build',
  steps: [
    scriptStep('InstallGitlabRunner', 'install-gitlab-runner.sh', {
      RUNNER_VERSION: runnerVersion,
      ARCH: debArch(pipeline),
    }),
  ],
});

const awsCliSpec = (pipeline: Pipeline): ComponentSpec => ({
  key: 'aws-cli',
  description: 'AWS CLI v2',
  phase: 'build',
  steps: [scriptStep('InstallAwsCli', 'install-aws-cli.sh', { ARCH: debArch(pipeline) })],
});

const ssmAgentSpec = (): ComponentSpec => ({
  key: 'ssm-agent',
  description: 'SSM agent installed and enabled',
  phase: 'build',
  steps: [scriptStep('EnableSsmAgent', 'enable-ssm-agent.sh')],
});

const kubeconfigSpecs = (pipeline: JobsPipeline): ComponentSpec[] => {
  const { kubeconfig, connectorUser } = pipeline;
  switch (kubeconfig.mode) {
    case 'none':
      return [];
    case 'boot':
      return [
        {
          key: 'kubeconfig-boot',
          description: `Boot unit that fetches ${kubeconfig.parameter} into ${connectorUser}'s kubeconfig`,
          phase: 'build',
          steps: [
            scriptStep('InstallKubeconfigBootUnit', 'install-kubeconfig-boot.sh', {
              KUBECONFIG_PARAMETER: kubeconfig.parameter,
              CONNECTOR_USER: connectorUser,
              FETCH_KUBECONFIG_SCRIPT: readImageFile('scripts/fetch-kubeconfig.sh'),
              FETCH_KUBECONFIG_UNIT: readImageFile('files/fetch-kubeconfig.service'),
            }),
          ],
        },
      ];
    case 'baked':
      return [
        {
          key: 'kubeconfig-baked',
          description: `Kubeconfig from ${kubeconfig.parameter}, baked into the image`,
          phase: 'build',
          steps: [
            bashStep('BakeKubeconfig', readImageFile('scripts/fetch-kubeconfig.sh'), {
              KUBECONFIG_PARAMETER: kubeconfig.parameter,
              CONNECTOR_USER: connectorUser,
            }),
          ],
        },
      ];
  }
};

const jobsSpecs = (pipeline: JobsPipeline, runnerVersion: string): ComponentSpec[] => {
  const arch = debArch(pipeline);
  const { tools, connectorUser, prePullImages, kubeconfig } = pipeline;
  const prePull = prePullImages.join('\n');
  return [
    baseSpec(),
    {
      key: 'docker',
      description: 'Docker with the compose plugin, and git',
      phase: 'build',
      steps: [scriptStep('InstallDocker', 'install-docker.sh')],
    },
    runnerSpec(pipeline, runnerVersion),
    awsCliSpec(pipeline),
    ssmAgentSpec(),
    {
      key: 'tools',
      description: `kubectl ${tools.kubectl}, helm ${tools.helm}, terraform ${tools.terraform}`,
      phase: 'build',
      steps: [
        scriptStep('InstallTools', 'install-tools.sh', {
          KUBECTL_VERSION: tools.kubectl,
          HELM_VERSION: tools.helm,
          TERRAFORM_VERSION: tools.terraform,
          ARCH: arch,
        }),
      ],
    },
    {
      key: 'connector-user',
      description: `Connector user ${connectorUser} in the docker group`,
      phase: 'build',
      steps: [scriptStep('SetupConnectorUser', 'setup-connector-user.sh', { CONNECTOR_USER: connectorUser })],
    },
    ...(prePullImages.length
      ? [
          {
            key: 'pre-pull-images',
            description: `Pre-pulled images: ${prePullImages.join(', ')}`.slice(0, 1024),
            phase: 'build' as const,
            steps: [scriptStep('PrePullImages', 'pre-pull-images.sh', { PRE_PULL_IMAGES: prePull })],
          },
        ]
      : []),
    ...kubeconfigSpecs(pipeline),
    {
      key: 'test-jobs',
      description: 'Fails the build when anything a job instance needs is missing',
      phase: 'test',
      steps: [
        scriptStep('TestJobsImage', 'test-jobs-image.sh', {
          RUNNER_VERSION: runnerVersion,
          KUBECTL_VERSION: tools.kubectl,
          HELM_VERSION: tools.helm,
          TERRAFORM_VERSION: tools.terraform,
          CONNECTOR_USER: connectorUser,
          PRE_PULL_IMAGES: prePull,
          KUBECONFIG_MODE: kubeconfig.mode,
        }),
      ],
    },
  ];
};

const managerSpecs = (pipeline: ManagerPipeline, runnerVersion: string): ComponentSpec[] => {
  const { fleetingPluginVersion } = pipeline;
  return [
    baseSpec(),
    runnerSpec(pipeline, runnerVersion),
    awsCliSpec(pipeline),
    ssmAgentSpec(),
    {
      key: 'runner-service',
      description: `gitlab-runner service (installed, not enabled) and fleeting-plugin-aws ${fleetingPluginVersion}`,
      phase: 'build',
      steps: [
        scriptStep('InstallManager', 'install-manager.sh', {
          FLEETING_PLUGIN_VERSION: fleetingPluginVersion,
        }),
      ],
    },
    ...configBootSpecs(),
    {
      key: 'cloudwatch-agent',
      description: 'CloudWatch agent',
      phase: 'build',
      steps: [
        scriptStep('InstallCloudwatchAgent', 'install-cloudwatch-agent.sh', { ARCH: debArch(pipeline) }),
      ],
    },
    runnerMetricsSpec(),
    {
      key: 'test-manager',
      description: 'Fails the build when the manager image is incomplete or would start the runner at boot',
      phase: 'test',
      steps: [
        scriptStep('TestManagerImage', 'test-manager-image.sh', {
          RUNNER_VERSION: runnerVersion,
          FLEETING_PLUGIN_VERSION: fleetingPluginVersion,
        }),
      ],
    },
  ];
};

/** The components of a pipeline's recipe, in run order, each versioned by its content. */
export const planComponents = (
  recipeName: string,
  pipeline: Pipeline,
  runnerVersion: string,
): ComponentPlan[] => {
  const specs =
    pipeline.kind === 'jobs' ? jobsSpecs(pipeline, runnerVersion) : managerSpecs(pipeline, runnerVersion);
  return specs.map(({ key, description, phase, steps }) => {
    const document: ComponentDocument = {
      schemaVersion: '1.0',
      name: `${recipeName}-${key}`,
      description,
      phases: [{ name: phase, steps }],
    };
    const data = serializeDocument(document);
    return { key, description, document, data, version: contentVersion({ data, platform: 'Linux' }) };
  });
};
