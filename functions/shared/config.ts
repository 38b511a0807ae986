import * as v from './valibot';

import { cronExpression } from './cron-schema';
import { described } from './described';
import { CANARY_CHECKS, type CanaryCheck, canaryChecks, Fleet, fleetSchema, SSH_PATH_CHECK } from './fleet';
import { name, SecretRef, securityGroupId, subnetId, timeZone, unixUser, version } from './schema-primitives';
import { formatIssues, type SchemaIssue } from './issues';
import { ConfigError } from './settings';
import { WebhookConfig, WebhookRule } from './webhook-config';

export { SecretRef, WebhookRule };

/**
 * The one config file of a deployment (see `config/example.yaml`). The CDK app parses all of it;
 * each function receives only its slice (see `settings.ts`).
 */

export const BakeSchedule = described(
  v.strictObject({
    cron: described(
      v.optional(cronExpression, '0 2 * * *'),
      'When a nightly bake starts: a 5-field cron (minute hour day-of-month month day-of-week).',
    ),
    timeZone: described(
      v.optional(timeZone, 'UTC'),
      'IANA time zone the cron is read in, such as Europe/Berlin.',
    ),
    enabled: described(
      v.optional(v.boolean(), true),
      'Turn the scheduled bake off; webhook and CLI bakes still run.',
    ),
  }),
  "The EventBridge Scheduler schedule that starts this pipeline's bake.",
);

const kubeconfigParameter = described(
  v.pipe(v.string(), v.regex(/^\/[\w./-]+$/)),
  'SecureString parameter holding the kubeconfig, such as /runner-autopilot/kubeconfig.',
);
const KUBECONFIG_CONSENT =
  'baking a kubeconfig puts a credential in every AMI snapshot: set it to true to accept that';
const Kubeconfig = described(
  v.variant('mode', [
    v.strictObject({ mode: described(v.literal('none'), 'No kubeconfig on the instances.') }),
    v.strictObject({
      mode: described(
        v.literal('boot'),
        "Fetched at boot by a small unit, so no credential sits in the AMI's snapshots (the instance role needs ssm:GetParameter on it).",
      ),
      parameter: kubeconfigParameter,
    }),
    v.strictObject(
      {
        mode: described(
          v.literal('baked'),
          'Read at bake time and written into the image: every snapshot then holds the credential.',
        ),
        parameter: kubeconfigParameter,
        acceptCredentialInSnapshots: described(
          v.literal(true, KUBECONFIG_CONSENT),
          'Must be true: baking puts a credential in every AMI snapshot.',
        ),
      },
      // A missing key is the object's issue, not its schema's: it says the same.
      (issue) =>
        issue.expected === '"acceptCredentialInSnapshots"' ? KUBECONFIG_CONSENT : v.issueMessage(issue),
    ),
  ]),
  'A kubeconfig for kubectl and helm on job instances.',
);

/**
 * An email address as SNS takes it: zod's pattern, which this schema used before valibot, whose
 * own refuses addresses with an apostrophe or a punycode domain that worked then.
 */
const email = v.pipe(
  v.string(),
  v.regex(
    /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/,
    'must be an email address such as ops@example.com',
  ),
  v.metadata({ format: 'email' }),
);

const imageRef = v.pipe(
  v.string(),
  // Spelled out rather than a case-insensitive flag, which a JSON Schema pattern cannot carry.
  v.regex(/^[a-zA-Z0-9][\w./:@-]*$/, 'must be an image reference such as docker.io/library/alpine:3.22'),
);

/** An integer from `min` to `max`, defaulting to `dflt`. */
const integer = (min: number, max: number, dflt: number) =>
  v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max)), dflt);

const PipelineBase = {
  name: described(name, "The pipeline's name; fleets and webhook rules refer to it."),
  description: described(v.optional(v.string(), ''), 'Free text, shown on the Image Builder pipeline.'),
  base: described(
    v.optional(v.picklist(['ubuntu-24.04', 'ubuntu-22.04']), 'ubuntu-24.04'),
    "Ubuntu LTS release the image starts from, resolved through Canonical's public SSM parameters.",
  ),
  architecture: described(
    v.optional(v.picklist(['x86_64', 'arm64']), 'x86_64'),
    'CPU architecture of the image.',
  ),
  instanceTypes: described(
    v.pipe(v.array(v.pipe(v.string(), v.regex(/^[a-z0-9]+\.[a-z0-9]+$/))), v.minLength(1)),
    'Instance types that build and test the image, such as c7a.4xlarge.',
  ),
  rootVolumeGiB: described(integer(8, 16384, 50), 'Root volume size of the image, in GiB.'),
  schedule: v.optional(BakeSchedule, {}),
  subnetId: described(
    v.optional(subnetId),
    "Subnet for build and test instances; the account's default VPC when unset.",
  ),
  securityGroupIds: described(
    v.optional(v.array(securityGroupId), []),
    "Security groups of build and test instances; the default VPC's default group when empty.",
  ),
};

export const JobsPipeline = v.strictObject({
  ...PipelineBase,
  kind: described(v.literal('jobs'), 'Bakes job instance images (docker, git, gitlab-runner, tools).'),
  connectorUser: described(
    v.optional(unixUser, 'ubuntu'),
    'The user the fleeting plugin connects as (connector_config.username in config.toml).',
  ),
  tools: described(
    v.optional(
      v.strictObject({
        kubectl: described(v.optional(version, '1.34.2'), 'kubectl version installed in the image.'),
        helm: described(v.optional(version, '3.19.2'), 'helm version installed in the image.'),
        terraform: described(v.optional(version, '1.14.0'), 'terraform version installed in the image.'),
      }),
      {},
    ),
    'Exact versions of the tools baked into job images.',
  ),
  prePullImages: described(
    v.optional(v.array(imageRef), []),
    'Container images pulled at bake time, so the first jobs start without pulling them.',
  ),
  kubeconfig: v.optional(Kubeconfig, { mode: 'none' }),
});

export const ManagerPipeline = v.strictObject({
  ...PipelineBase,
  kind: described(v.literal('manager'), 'Bakes manager images (gitlab-runner and the fleeting plugin).'),
  fleetingPluginVersion: described(
    version,
    'fleeting-plugin-aws version installed in the manager image, such as 1.0.0.',
  ),
});

export const Pipeline = v.variant('kind', [JobsPipeline, ManagerPipeline]);
export type Pipeline = v.InferOutput<typeof Pipeline>;
export type JobsPipeline = v.InferOutput<typeof JobsPipeline>;
export type ManagerPipeline = v.InferOutput<typeof ManagerPipeline>;

export { Fleet };

const HTTPS_ONLY = 'must be an https URL';

type IssuePath = [v.IssuePathItem, ...v.IssuePathItem[]];
type Key = string | number;

/** The issue path of `keys` below `root`, as valibot's own issues carry it. */
const pathTo = (root: unknown, keys: readonly [Key, ...Key[]]): IssuePath => {
  let input = root as Record<Key, unknown>;
  return keys.map((key) => {
    const value = input[key];
    const item = { type: typeof key === 'number' ? 'array' : 'object', origin: 'value', input, key, value };
    input = value as Record<Key, unknown>;
    return item as v.IssuePathItem;
  }) as IssuePath;
};

export const SuiteConfig = v.pipe(
  v.strictObject({
    deployment: described(
      name,
      'Names the deployment: its stacks (`<deployment>-images`, `<deployment>-autopilot`), resources and parameter paths.',
    ),
    region: described(
      v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-2')),
      'AWS region of the fleet and the suite, such as us-east-2.',
    ),
    account: described(
      v.optional(v.pipe(v.string(), v.regex(/^\d{12}$/))),
      "AWS account id (12 digits); the credentials' account at deploy time when unset.",
    ),
    gitlab: described(
      v.strictObject({
        url: described(
          v.pipe(
            v.string(),
            // A URL pasted with a newline or a space: the instance scripts' parameter pattern has none.
            v.trim(),
            v.url(HTTPS_ONLY),
            // Only a URL that parses gets here without an issue already.
            v.check((url) => !URL.canParse(url) || new URL(url).protocol === 'https:', HTTPS_ONLY),
          ),
          'Your GitLab instance, such as https://gitlab.example.com (https only).',
        ),
        runnerVersion: described(
          version,
          'gitlab-runner version baked into job images and the manager image, such as 18.6.2: the two must match.',
        ),
        // The stack adds the bus name and the fallback topic when it hands the webhook its slice.
        webhook: described(
          v.optional(
            v.strictObject({
              ...WebhookConfig.entries,
              reservedConcurrency: described(
                v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1))),
                "Reserved concurrency of the webhook function, opt-in: bounds what a flood of requests to its public URL can take from the account. The account must keep 100 units unreserved, and a bound below GitLab's own peak loses pushes.",
              ),
            }),
          ),
          'Start bakes from GitLab push and tag push hooks. Without it, bakes run only on schedule or by hand.',
        ),
      }),
      'The GitLab instance the runners serve.',
    ),
    pipelines: described(
      v.pipe(v.array(Pipeline), v.minLength(1)),
      'EC2 Image Builder pipelines: each bakes one image, for job instances (kind jobs) or managers (kind manager).',
    ),
    fleets: described(
      v.optional(v.array(fleetSchema(described)), []),
      'Auto Scaling Groups the suite rolls new images out to, each fed by one pipeline.',
    ),
    alerts: described(
      v.optional(
        v.strictObject({
          emails: described(
            v.optional(v.array(email), []),
            'Email addresses subscribed to the alert topic (each confirms its subscription once).',
          ),
          chat: described(
            v.optional(
              v.array(
                v.strictObject({
                  kind: described(
                    v.picklist(['slack', 'mattermost', 'teams']),
                    'The chat service of the webhook.',
                  ),
                  name: described(name, 'Names this destination in logs and messages.'),
                  url: described(
                    SecretRef,
                    'The incoming webhook URL, a secret: the SecureString parameter (`parameter: /path`) or Secrets Manager secret (`secretsManager: name`) that holds it. Never the URL itself.',
                  ),
                }),
              ),
              [],
            ),
            'Chat incoming webhooks that receive every alert.',
          ),
          rateLimitMinutes: described(
            integer(1, 1440, 30),
            'A flapping alarm sends at most one message per this many minutes.',
          ),
          bakeFailureWindowHours: described(
            integer(1, 168, 72),
            'Consecutive Bake Failed of one pipeline within this many hours are one alert.',
          ),
        }),
        {},
      ),
      'Where alarms and failure events are sent: each becomes one alert, deduplicated and rate-limited.',
    ),
    sweepEveryMinutes: described(
      integer(1, 60, 5),
      'How often the fleet sweeper classifies instances and publishes fleet metrics.',
    ),
    housekeeping: described(
      v.optional(
        v.strictObject({
          keepVersions: described(
            integer(2, 1000, 10),
            'Launch template versions kept per template, besides the default and the previous default.',
          ),
          amiRetentionDays: described(
            integer(1, 3650, 30),
            'AMIs baked by this suite that nothing references are deregistered, with their snapshots, after this many days.',
          ),
          dryRun: described(
            v.optional(v.boolean(), true),
            'Report what would be deleted without deleting it. Safe by default: set false to delete.',
          ),
        }),
        {},
      ),
      'Nightly clean-up of old launch template versions and unreferenced AMIs.',
    ),
    logLevel: described(
      v.optional(v.picklist(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
      'Log level of every function.',
    ),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const cfg = dataset.value;
    const report = (keys: readonly [Key, ...Key[]], message: string): void =>
      addIssue({ message, path: pathTo(cfg, keys) });
    const pipelines = new Set<string>();
    cfg.pipelines.forEach((p, i) => {
      if (pipelines.has(p.name)) report(['pipelines', i, 'name'], `duplicate pipeline "${p.name}"`);
      pipelines.add(p.name);
    });
    cfg.gitlab.webhook?.rules.forEach((rule, i) =>
      rule.pipelines.forEach((p, j) => {
        if (!pipelines.has(p))
          report(
            ['gitlab', 'webhook', 'rules', i, 'pipelines', j],
            `unknown pipeline "${p}"; configured: ${[...pipelines].join(', ')}`,
          );
      }),
    );
    const fleets = new Map(cfg.fleets.map((f) => [f.name, f]));
    cfg.fleets.forEach((f, i) => {
      if (!pipelines.has(f.pipeline)) report(['fleets', i, 'pipeline'], `unknown pipeline "${f.pipeline}"`);
      const kind = cfg.pipelines.find((p) => p.name === f.pipeline)?.kind;
      if (kind && kind !== f.role)
        report(
          ['fleets', i, 'pipeline'],
          `a ${f.role} fleet needs a ${f.role} image, but pipeline "${f.pipeline}" bakes ${kind} images`,
        );
      if (f.role === 'jobs' && fleets.get(f.manager ?? '')?.role !== 'manager')
        report(
          ['fleets', i, 'manager'],
          'a jobs fleet must name its manager fleet (a fleet with role manager)',
        );
      if (f.role === 'manager' && f.manager)
        report(['fleets', i, 'manager'], 'only a jobs fleet names a manager');
      if (f.runnerConfig && f.role !== 'manager')
        report(['fleets', i, 'runnerConfig'], 'only a manager fleet has a runner config');
      if (f.rollout === 'recycle' && f.role !== 'jobs')
        report(['fleets', i, 'rollout'], 'only a jobs fleet can be recycled');
      if (f.rollout === 'recycle' && fleets.get(f.manager ?? '')?.runnerStateStorage)
        report(
          ['fleets', i, 'rollout'],
          `manager fleet "${f.manager}" keeps its instances across restarts (runnerStateStorage), so a restart would not replace them: use rollout "natural"`,
        );
      const own: readonly CanaryCheck[] = CANARY_CHECKS[f.role];
      const foreign = (f.canary.checks ?? []).filter((c) => !own.includes(c));
      if (foreign.length > 0)
        report(
          ['fleets', i, 'canary', 'checks'],
          `a ${f.role} fleet has no check ${foreign.map((c) => `"${c}"`).join(', ')}: use ${own.join(', ')}`,
        );
      else if (canaryChecks(f).every((c) => c === SSH_PATH_CHECK))
        report(
          ['fleets', i, 'canary', 'checks'],
          `name at least one check that runs on the canary itself: "${SSH_PATH_CHECK}" runs from the manager, and only when one is live`,
        );
    });
    const groups = new Map<string, string>();
    cfg.fleets.forEach((f, i) => {
      const other = groups.get(f.autoScalingGroup);
      if (other)
        report(
          ['fleets', i, 'autoScalingGroup'],
          `group "${f.autoScalingGroup}" is already fleet "${other}": two fleets on one group fight over it`,
        );
      groups.set(f.autoScalingGroup, f.name);
    });
  }),
);
export type SuiteConfig = v.InferOutput<typeof SuiteConfig>;

/**
 * An unknown key is reported on its object's path: the message names every unknown key of it
 * (`valibot.ts`'s strict objects).
 */
const onObjectPath = (issue: v.BaseIssue<unknown>): SchemaIssue =>
  issue.expected === 'never' && issue.path?.at(-1)?.origin === 'key'
    ? { path: issue.path.slice(0, -1), message: issue.message }
    : issue;

/** Parses a whole suite config; an unknown key names the nearest known one. */
export const parseSuiteConfig = (value: unknown, source = 'config'): SuiteConfig => {
  const result = v.safeParse(SuiteConfig, value);
  if (!result.success)
    throw new ConfigError(`invalid config in ${source}:\n${formatIssues(result.issues.map(onObjectPath))}`);
  return result.output;
};
