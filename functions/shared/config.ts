import { z } from 'zod';

import { CANARY_CHECKS, type CanaryCheck, canaryChecks, Fleet, SSH_PATH_CHECK } from './fleet';
import {
  cronExpression,
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

export { SecretRef, WebhookRule };

/**
 * The one config file of a deployment (see `config/example.yaml`). The CDK app parses all of it;
 * each function receives only its slice (see `settings.ts`).
 */

export const BakeSchedule = z.strictObject({
  cron: cronExpression.default('0 2 * * *'),
  timeZone: timeZone.default('UTC'),
  enabled: z.boolean().default(true),
});

const Kubeconfig = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('none') }),
  /** Fetched at boot by a small unit, so no credential sits in the AMI's snapshots. */
  z.strictObject({ mode: z.literal('boot'), parameter: z.string().regex(/^\/[\w./-]+$/) }),
  /** Read at bake time and written into the image: every snapshot then holds the credential. */
  z.strictObject({
    mode: z.literal('baked'),
    parameter: z.string().regex(/^\/[\w./-]+$/),
    acceptCredentialInSnapshots: z.literal(true, {
      message: 'baking a kubeconfig puts a credential in every AMI snapshot: set it to true to accept that',
    }),
  }),
]);

const imageRef = z
  .string()
  .regex(/^[a-z0-9][\w./:@-]*$/i, 'must be an image reference such as docker.io/library/alpine:3.22');

const PipelineBase = {
  name,
  description: z.string().default(''),
  /** Ubuntu LTS release the image starts from; resolved through Canonical's public SSM parameters. */
  base: z.enum(['ubuntu-24.04', 'ubuntu-22.04']).default('ubuntu-24.04'),
  architecture: z.enum(['x86_64', 'arm64']).default('x86_64'),
  instanceTypes: z.array(z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/)).min(1),
  rootVolumeGiB: z.number().int().min(8).max(16384).default(50),
  schedule: BakeSchedule.prefault({}),
  /** Subnet for build and test instances; the account's default VPC when unset. */
  subnetId: subnetId.optional(),
  securityGroupIds: z.array(securityGroupId).default([]),
};

export const JobsPipeline = z.strictObject({
  ...PipelineBase,
  kind: z.literal('jobs'),
  /** The user the fleeting plugin connects as (`connector_config.username`). */
  connectorUser: unixUser.default('ubuntu'),
  tools: z
    .strictObject({
      kubectl: version.default('1.34.2'),
      helm: version.default('3.19.2'),
      terraform: version.default('1.14.0'),
    })
    .prefault({}),
  prePullImages: z.array(imageRef).default([]),
  kubeconfig: Kubeconfig.default({ mode: 'none' }),
});

export const ManagerPipeline = z.strictObject({
  ...PipelineBase,
  kind: z.literal('manager'),
  fleetingPluginVersion: version,
});

export const Pipeline = z.discriminatedUnion('kind', [JobsPipeline, ManagerPipeline]);
export type Pipeline = z.infer<typeof Pipeline>;
export type JobsPipeline = z.infer<typeof JobsPipeline>;
export type ManagerPipeline = z.infer<typeof ManagerPipeline>;

export { Fleet };

export const SuiteConfig = z
  .strictObject({
    deployment: name,
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-2'),
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    gitlab: z.strictObject({
      url: z.url({ protocol: /^https$/, message: 'must be an https URL' }),
      /** Baked into job images and the manager image: the two must match. */
      runnerVersion: version,
      /** The stack adds the bus name and the fallback topic when it hands the webhook its slice. */
      webhook: WebhookConfig.extend({
        /**
         * Reserved concurrency of the webhook function, opt-in: a bound on what a flood of
         * requests to its public URL can take from the account. Reserving needs the account to
         * keep 100 units unreserved, and a bound below GitLab's own peak loses pushes (README).
         */
        reservedConcurrency: z.number().int().min(1).optional(),
      }).optional(),
    }),
    pipelines: z.array(Pipeline).min(1),
    fleets: z.array(Fleet).default([]),
    alerts: z
      .strictObject({
        /** Email addresses subscribed to the alert topic (each confirms once). */
        emails: z.array(z.email()).default([]),
        /** Chat webhooks; each URL is a secret, held in a SecureString parameter or Secrets Manager. */
        chat: z
          .array(
            z.strictObject({ kind: z.enum(['slack', 'mattermost', 'teams']), name: name, url: SecretRef }),
          )
          .default([]),
        /** A flapping alarm sends at most one message per this many minutes. */
        rateLimitMinutes: z.number().int().min(1).max(1440).default(30),
        /** Consecutive `Bake Failed` of one pipeline within this many hours are one alert. */
        bakeFailureWindowHours: z.number().int().min(1).max(168).default(72),
      })
      .prefault({}),
    sweepEveryMinutes: z.number().int().min(1).max(60).default(5),
    housekeeping: z
      .strictObject({
        /** Launch template versions kept per template, besides the default and previous default. */
        keepVersions: z.number().int().min(2).max(1000).default(10),
        /** Our AMIs that nothing references are deregistered (with their snapshots) after this. */
        amiRetentionDays: z.number().int().min(1).max(3650).default(30),
        /** Report what would be deleted without deleting it. Safe by default: turn it off to act. */
        dryRun: z.boolean().default(true),
      })
      .prefault({}),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  })
  .superRefine((cfg, ctx) => {
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
  });
export type SuiteConfig = z.infer<typeof SuiteConfig>;

/** Parses a whole suite config; an unknown key names the nearest known one. */
export const parseSuiteConfig = (value: unknown, source = 'config'): SuiteConfig => {
  const result = SuiteConfig.safeParse(value, { error: suggestKnownKeys });
  if (!result.success)
    throw new ConfigError(`invalid config in ${source}:\n${formatIssues(result.error.issues)}`);
  return result.data;
};
