import { cronExpression } from './cron-schema';
import {
  CANARY_CHECKS,
  type CanaryCheck,
  canaryChecks,
  described,
  Fleet,
  fleetSchema,
  SSH_PATH_CHECK,
} from './fleet';
import {
  name,
  SecretRef,
  securityGroupId,
  subnetId,
  suggestKnownKeys,
  timeZone,
  unixUser,
  version,
} from './schema-primitives';
import { formatIssues } from './issues';
import { ConfigError } from './settings';
import { WebhookConfig, WebhookRule } from './webhook-config';
import * as z from './zod';

export { SecretRef, WebhookRule };

/**
 * The one config file of a deployment (see `config/example.yaml`). The CDK app parses all of it;
 * each function receives only its slice (see `settings.ts`).
 */

export const BakeSchedule = z
  .strictObject({
    cron: z
      ._default(cronExpression, '0 2 * * *')
      .check(
        z.describe(
          'When a nightly bake starts: a 5-field cron (minute hour day-of-month month day-of-week).',
        ),
      ),
    timeZone: z
      ._default(timeZone, 'UTC')
      .check(z.describe('IANA time zone the cron is read in, such as Europe/Berlin.')),
    enabled: z
      ._default(z.boolean(), true)
      .check(z.describe('Turn the scheduled bake off; webhook and CLI bakes still run.')),
  })
  .check(z.describe("The EventBridge Scheduler schedule that starts this pipeline's bake."));

const kubeconfigParameter = z
  .string()
  .check(
    z.regex(/^\/[\w./-]+$/),
    z.describe('SecureString parameter holding the kubeconfig, such as /runner-autopilot/kubeconfig.'),
  );
const Kubeconfig = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('none').check(z.describe('No kubeconfig on the instances.')) }),
    z.strictObject({
      mode: z
        .literal('boot')
        .check(
          z.describe(
            "Fetched at boot by a small unit, so no credential sits in the AMI's snapshots (the instance role needs ssm:GetParameter on it).",
          ),
        ),
      parameter: kubeconfigParameter,
    }),
    z.strictObject({
      mode: z
        .literal('baked')
        .check(
          z.describe(
            'Read at bake time and written into the image: every snapshot then holds the credential.',
          ),
        ),
      parameter: kubeconfigParameter,
      acceptCredentialInSnapshots: z
        .literal(true, {
          message:
            'baking a kubeconfig puts a credential in every AMI snapshot: set it to true to accept that',
        })
        .check(z.describe('Must be true: baking puts a credential in every AMI snapshot.')),
    }),
  ])
  .check(z.describe('A kubeconfig for kubectl and helm on job instances.'));

const imageRef = z
  .string()
  .check(
    z.regex(/^[a-z0-9][\w./:@-]*$/i, 'must be an image reference such as docker.io/library/alpine:3.22'),
  );

const PipelineBase = {
  name: name.check(z.describe("The pipeline's name; fleets and webhook rules refer to it.")),
  description: z
    ._default(z.string(), '')
    .check(z.describe('Free text, shown on the Image Builder pipeline.')),
  base: z
    ._default(z.enum(['ubuntu-24.04', 'ubuntu-22.04']), 'ubuntu-24.04')
    .check(
      z.describe(
        "Ubuntu LTS release the image starts from, resolved through Canonical's public SSM parameters.",
      ),
    ),
  architecture: z
    ._default(z.enum(['x86_64', 'arm64']), 'x86_64')
    .check(z.describe('CPU architecture of the image.')),
  instanceTypes: z
    .array(z.string().check(z.regex(/^[a-z0-9]+\.[a-z0-9]+$/)))
    .check(z.minLength(1), z.describe('Instance types that build and test the image, such as c7a.4xlarge.')),
  rootVolumeGiB: z
    ._default(z.number().check(z.int(), z.minimum(8), z.maximum(16384)), 50)
    .check(z.describe('Root volume size of the image, in GiB.')),
  schedule: z.prefault(BakeSchedule, {}),
  subnetId: z
    .optional(subnetId)
    .check(z.describe("Subnet for build and test instances; the account's default VPC when unset.")),
  securityGroupIds: z
    ._default(z.array(securityGroupId), [])
    .check(
      z.describe("Security groups of build and test instances; the default VPC's default group when empty."),
    ),
};

export const JobsPipeline = z.strictObject({
  ...PipelineBase,
  kind: z.literal('jobs').check(z.describe('Bakes job instance images (docker, git, gitlab-runner, tools).')),
  connectorUser: z
    ._default(unixUser, 'ubuntu')
    .check(
      z.describe('The user the fleeting plugin connects as (connector_config.username in config.toml).'),
    ),
  tools: z
    .prefault(
      z.strictObject({
        kubectl: z._default(version, '1.34.2').check(z.describe('kubectl version installed in the image.')),
        helm: z._default(version, '3.19.2').check(z.describe('helm version installed in the image.')),
        terraform: z
          ._default(version, '1.14.0')
          .check(z.describe('terraform version installed in the image.')),
      }),
      {},
    )
    .check(z.describe('Exact versions of the tools baked into job images.')),
  prePullImages: z
    ._default(z.array(imageRef), [])
    .check(z.describe('Container images pulled at bake time, so the first jobs start without pulling them.')),
  kubeconfig: z._default(Kubeconfig, { mode: 'none' }),
});

export const ManagerPipeline = z.strictObject({
  ...PipelineBase,
  kind: z
    .literal('manager')
    .check(z.describe('Bakes manager images (gitlab-runner and the fleeting plugin).')),
  fleetingPluginVersion: version.check(
    z.describe('fleeting-plugin-aws version installed in the manager image, such as 1.0.0.'),
  ),
});

export const Pipeline = z.discriminatedUnion('kind', [JobsPipeline, ManagerPipeline]);
export type Pipeline = z.infer<typeof Pipeline>;
export type JobsPipeline = z.infer<typeof JobsPipeline>;
export type ManagerPipeline = z.infer<typeof ManagerPipeline>;

export { Fleet };

export const SuiteConfig = z
  .strictObject({
    deployment: name.check(
      z.describe(
        'Names the deployment: its stacks (`<deployment>-images`, `<deployment>-autopilot`), resources and parameter paths.',
      ),
    ),
    region: z
      .string()
      .check(
        z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-2'),
        z.describe('AWS region of the fleet and the suite, such as us-east-2.'),
      ),
    account: z
      .optional(z.string().check(z.regex(/^\d{12}$/)))
      .check(z.describe("AWS account id (12 digits); the credentials' account at deploy time when unset.")),
    gitlab: z
      .strictObject({
        url: z
          .url({ protocol: /^https$/, message: 'must be an https URL' })
          .check(z.describe('Your GitLab instance, such as https://gitlab.example.com (https only).')),
        runnerVersion: version.check(
          z.describe(
            'gitlab-runner version baked into job images and the manager image, such as 18.6.2: the two must match.',
          ),
        ),
        // The stack adds the bus name and the fallback topic when it hands the webhook its slice.
        webhook: z
          .optional(
            z.extend(WebhookConfig, {
              reservedConcurrency: z
                .optional(z.number().check(z.int(), z.minimum(1)))
                .check(
                  z.describe(
                    "Reserved concurrency of the webhook function, opt-in: bounds what a flood of requests to its public URL can take from the account. The account must keep 100 units unreserved, and a bound below GitLab's own peak loses pushes.",
                  ),
                ),
            }),
          )
          .check(
            z.describe(
              'Start bakes from GitLab push and tag push hooks. Without it, bakes run only on schedule or by hand.',
            ),
          ),
      })
      .check(z.describe('The GitLab instance the runners serve.')),
    pipelines: z
      .array(Pipeline)
      .check(
        z.minLength(1),
        z.describe(
          'EC2 Image Builder pipelines: each bakes one image, for job instances (kind jobs) or managers (kind manager).',
        ),
      ),
    fleets: z
      ._default(z.array(fleetSchema(described)), [])
      .check(z.describe('Auto Scaling Groups the suite rolls new images out to, each fed by one pipeline.')),
    alerts: z
      .prefault(
        z.strictObject({
          emails: z
            ._default(z.array(z.email()), [])
            .check(
              z.describe(
                'Email addresses subscribed to the alert topic (each confirms its subscription once).',
              ),
            ),
          chat: z
            ._default(
              z.array(
                z.strictObject({
                  kind: z
                    .enum(['slack', 'mattermost', 'teams'])
                    .check(z.describe('The chat service of the webhook.')),
                  name: name.check(z.describe('Names this destination in logs and messages.')),
                  url: SecretRef.check(
                    z.describe(
                      'The incoming webhook URL, a secret: the SecureString parameter (`parameter: /path`) or Secrets Manager secret (`secretsManager: name`) that holds it. Never the URL itself.',
                    ),
                  ),
                }),
              ),
              [],
            )
            .check(z.describe('Chat incoming webhooks that receive every alert.')),
          rateLimitMinutes: z
            ._default(z.number().check(z.int(), z.minimum(1), z.maximum(1440)), 30)
            .check(z.describe('A flapping alarm sends at most one message per this many minutes.')),
          bakeFailureWindowHours: z
            ._default(z.number().check(z.int(), z.minimum(1), z.maximum(168)), 72)
            .check(
              z.describe('Consecutive Bake Failed of one pipeline within this many hours are one alert.'),
            ),
        }),
        {},
      )
      .check(
        z.describe(
          'Where alarms and failure events are sent: each becomes one alert, deduplicated and rate-limited.',
        ),
      ),
    sweepEveryMinutes: z
      ._default(z.number().check(z.int(), z.minimum(1), z.maximum(60)), 5)
      .check(z.describe('How often the fleet sweeper classifies instances and publishes fleet metrics.')),
    housekeeping: z
      .prefault(
        z.strictObject({
          keepVersions: z
            ._default(z.number().check(z.int(), z.minimum(2), z.maximum(1000)), 10)
            .check(
              z.describe(
                'Launch template versions kept per template, besides the default and the previous default.',
              ),
            ),
          amiRetentionDays: z
            ._default(z.number().check(z.int(), z.minimum(1), z.maximum(3650)), 30)
            .check(
              z.describe(
                'AMIs baked by this suite that nothing references are deregistered, with their snapshots, after this many days.',
              ),
            ),
          dryRun: z
            ._default(z.boolean(), true)
            .check(
              z.describe(
                'Report what would be deleted without deleting it. Safe by default: set false to delete.',
              ),
            ),
        }),
        {},
      )
      .check(z.describe('Nightly clean-up of old launch template versions and unreferenced AMIs.')),
    logLevel: z
      ._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO')
      .check(z.describe('Log level of every function.')),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      const pipelines = new Set<string>();
      cfg.pipelines.forEach((p, i) => {
        if (pipelines.has(p.name))
          ctx.addIssue({
            code: 'custom',
            path: ['pipelines', i, 'name'],
            message: `duplicate pipeline "${p.name}"`,
          });
        pipelines.add(p.name);
      });
      cfg.gitlab.webhook?.rules.forEach((rule, i) =>
        rule.pipelines.forEach((p, j) => {
          if (!pipelines.has(p))
            ctx.addIssue({
              code: 'custom',
              path: ['gitlab', 'webhook', 'rules', i, 'pipelines', j],
              message: `unknown pipeline "${p}"; configured: ${[...pipelines].join(', ')}`,
            });
        }),
      );
      const fleets = new Map(cfg.fleets.map((f) => [f.name, f]));
      cfg.fleets.forEach((f, i) => {
        if (!pipelines.has(f.pipeline))
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'pipeline'],
            message: `unknown pipeline "${f.pipeline}"`,
          });
        const kind = cfg.pipelines.find((p) => p.name === f.pipeline)?.kind;
        if (kind && kind !== f.role)
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'pipeline'],
            message: `a ${f.role} fleet needs a ${f.role} image, but pipeline "${f.pipeline}" bakes ${kind} images`,
          });
        if (f.role === 'jobs' && fleets.get(f.manager ?? '')?.role !== 'manager')
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'manager'],
            message: 'a jobs fleet must name its manager fleet (a fleet with role manager)',
          });
        if (f.role === 'manager' && f.manager)
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'manager'],
            message: 'only a jobs fleet names a manager',
          });
        if (f.runnerConfig && f.role !== 'manager')
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'runnerConfig'],
            message: 'only a manager fleet has a runner config',
          });
        if (f.rollout === 'recycle' && f.role !== 'jobs')
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'rollout'],
            message: 'only a jobs fleet can be recycled',
          });
        if (f.rollout === 'recycle' && fleets.get(f.manager ?? '')?.runnerStateStorage)
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'rollout'],
            message: `manager fleet "${f.manager}" keeps its instances across restarts (runnerStateStorage), so a restart would not replace them: use rollout "natural"`,
          });
        const own: readonly CanaryCheck[] = CANARY_CHECKS[f.role];
        const foreign = (f.canary.checks ?? []).filter((c) => !own.includes(c));
        if (foreign.length > 0)
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'canary', 'checks'],
            message: `a ${f.role} fleet has no check ${foreign.map((c) => `"${c}"`).join(', ')}: use ${own.join(', ')}`,
          });
        else if (canaryChecks(f).every((c) => c === SSH_PATH_CHECK))
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'canary', 'checks'],
            message: `name at least one check that runs on the canary itself: "${SSH_PATH_CHECK}" runs from the manager, and only when one is live`,
          });
      });
      const groups = new Map<string, string>();
      cfg.fleets.forEach((f, i) => {
        const other = groups.get(f.autoScalingGroup);
        if (other)
          ctx.addIssue({
            code: 'custom',
            path: ['fleets', i, 'autoScalingGroup'],
            message: `group "${f.autoScalingGroup}" is already fleet "${other}": two fleets on one group fight over it`,
          });
        groups.set(f.autoScalingGroup, f.name);
      });
    }),
  );
export type SuiteConfig = z.infer<typeof SuiteConfig>;

/** Parses a whole suite config; an unknown key names the nearest known one. */
export const parseSuiteConfig = (value: unknown, source = 'config'): SuiteConfig => {
  const result = SuiteConfig.safeParse(value, { error: suggestKnownKeys });
  if (!result.success)
    throw new ConfigError(`invalid config in ${source}:\n${formatIssues(result.error.issues)}`);
  return result.data;
};
