import { readFileSync } from 'node:fs';

import { getParameterValue } from '../../functions/shared/aws/ssm';
import type { SecretRef, SuiteConfig } from '../../functions/shared/config';
import { lintRunnerConfig, type Finding as LintFinding } from '../../functions/shared/runner-config/lint';
import { parseRunnerConfig } from '../../functions/shared/runner-config/model';
import {
  configHash,
  parseValues,
  renderTemplate,
  type Values,
} from '../../functions/shared/runner-config/render';
import { describeParameterTypes, describeSecret } from './aws/secret-stores';
import type { Check } from './doctor';
import { fail, type Finding, pass, warn } from './finding';
import { deployFix, missingUntilDeployed } from './wording';

/**
 * The config area: each manager fleet's published config.toml source (template and values in
 * Parameter Store) rendered and linted with the code the synth uses, compared with the local
 * files, and every secret the deployment names looked up by name (never read).
 */

/**
 * The parameters `RunnerConfigParameters` (infra/rollout/runner-config-parameters.ts) publishes
 * for a manager fleet; a test holds the two together.
 */
export const configParameterNames = (
  deployment: string,
  fleet: string,
): { readonly template: string; readonly values: string; readonly manifest: string } => {
  const prefix = `/runner-autopilot/${deployment}/${fleet}/config`;
  return { template: `${prefix}/template`, values: `${prefix}/values`, manifest: `${prefix}/manifest` };
};

/** The job groups a manager's runners must name: its jobs fleets' groups, as the synth lints them. */
export const jobGroupsOf = (config: SuiteConfig, manager: string): string[] =>
  config.fleets.filter((f) => f.manager === manager).map((f) => f.autoScalingGroup);

export interface RunnerConfigFacts {
  readonly fleet: string;
  /** The parameters it is published in (`configParameterNames`). */
  readonly parameters: ReturnType<typeof configParameterNames>;
  /** The local files the config names (absolute), which the next deploy publishes. */
  readonly files: { readonly template: string; readonly values: string };
  readonly local: { readonly template: string; readonly values: Values };
  /** The published parameters' text, undefined where a parameter does not exist. */
  readonly published: {
    readonly template?: string;
    readonly values?: string;
    readonly manifest?: string;
  };
  readonly jobGroups: readonly string[];
}

/** The published values, or why they are not valid (the synth publishes only valid ones). */
const parsePublished = (text: string, source: string): Values | Error => {
  try {
    return parseValues(JSON.parse(text) as unknown, source);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
};

const lintFix = (facts: RunnerConfigFacts, line: number, configFile: string): string =>
  `fix line ${line} of ${facts.files.template} (or the value it takes from ${facts.files.values}), ` +
  `check it with \`npm run runner-config:lint -- ${facts.files.template} --values ${facts.files.values}` +
  `${facts.jobGroups.length ? ` --job-groups ${facts.jobGroups.join(',')}` : ''}\`, then ${deployFix(configFile)}`;

const fromLint = (facts: RunnerConfigFacts, f: LintFinding, configFile: string): Finding =>
  (f.severity === 'error' ? fail : warn)(
    'config',
    `${facts.fleet} config.toml:${f.line}`,
    `${f.rule}: ${f.message}`,
    lintFix(facts, f.line, configFile),
  );

/** Values compare as the manifest hashes them: canonical JSON, whatever the key order. */
const sameValues = (a: Values, b: Values): boolean => configHash('', a) === configHash('', b);

/** The groups named by a `plugin_config.name`, when the text is TOML. */
const namedGroups = (text: string): Set<string> | undefined => {
  const parsed = parseRunnerConfig(text);
  if (parsed.kind === 'syntax-error') return undefined;
  return new Set(parsed.config.runners.flatMap((r) => r.autoscaler?.pluginConfig?.name ?? []));
};

/**
 * What the published config of one manager fleet says: not deployed, each lint finding as a
 * finding of its own (error: fail, warning: warn), the metrics listener and the job groups, and
 * whether the local files differ from what is published.
 */
export const judgeRunnerConfig = (
  facts: RunnerConfigFacts,
  configFile: string,
  deployed = true,
): Finding[] => {
  const missing = (['template', 'values', 'manifest'] as const).filter(
    (k) => facts.published[k] === undefined,
  );
  const subject = `${facts.fleet} config.toml`;
  const { template, values: valuesText } = facts.published;
  if (missing.length > 0 || template === undefined || valuesText === undefined)
    return [
      missingUntilDeployed(
        { area: 'config', subject, deployed, configFile },
        `not published (no parameter ${missing.map((k) => facts.parameters[k]).join(', ')}), so applies and new managers have no config.toml: the autopilot stack is not deployed with this fleet's runnerConfig`,
      ),
    ];
  const values = parsePublished(valuesText, facts.parameters.values);
  if (values instanceof Error)
    return [
      fail(
        'config',
        subject,
        `${values.message.split('\n').join(' ')}: applies cannot render it`,
        `publish the values again from ${facts.files.values}: ${deployFix(configFile)}`,
      ),
    ];

  const rendered = renderTemplate(template, values);
  const lint = lintRunnerConfig(rendered.text, { jobGroups: facts.jobGroups });
  const findings = lint.map((f) => fromLint(facts, f, configFile));
  const groups = namedGroups(rendered.text);
  if (groups) {
    const rules = new Set(lint.map((f) => f.rule));
    if (!rules.has('listen-address'))
      findings.push(
        pass(
          'config',
          subject,
          'listen_address serves the metrics at :9252, where the health checks and the metrics agent read them',
        ),
      );
    if (!rules.has('unknown-job-group') && !rules.has('missing-asg-name'))
      findings.push(
        pass(
          'config',
          subject,
          `every plugin_config.name is a job group of fleet ${facts.fleet} (${[...groups].join(', ') || 'none'})`,
        ),
      );
    for (const group of facts.jobGroups.filter((g) => !groups.has(g)))
      findings.push(
        warn(
          'config',
          subject,
          `no [[runners]] names job group ${group} in plugin_config.name, so the manager never scales it and its fleet gets no instances`,
          `add a [[runners]] with plugin_config.name = "${group}" to ${facts.files.template}, then ${deployFix(configFile)}`,
        ),
      );
  }
  if (lint.length === 0)
    findings.push(pass('config', subject, 'the published template and values render and lint clean'));

  const changed = [
    ...(template === facts.local.template ? [] : [facts.files.template]),
    ...(sameValues(values, facts.local.values) ? [] : [facts.files.values]),
  ];
  if (changed.length > 0)
    findings.push(
      warn(
        'config',
        subject,
        `the published config differs from ${changed.join(' and ')}: the next deploy publishes the local one and an apply follows (a restart only in a maintenance window)`,
        deployFix(configFile),
      ),
    );
  return findings;
};

/** A secret the deployment names, and what needs it. */
export interface SecretUse {
  readonly ref: SecretRef;
  readonly usedBy: readonly string[];
}

/**
 * Every secret the deployment names, each once: the values' SecureString parameters (local and
 * published, which a deploy replaces), the webhook's token, the chat webhook URLs and the
 * kubeconfig parameters.
 */
export const secretUsesOf = (
  config: SuiteConfig,
  values: readonly { readonly fleet: string; readonly values: Values }[],
): SecretUse[] => {
  const uses = new Map<string, { ref: SecretRef; usedBy: Set<string> }>();
  const add = (ref: SecretRef, by: string) => {
    const key = 'parameter' in ref ? `p:${ref.parameter}` : `s:${ref.secretsManager}`;
    const use = uses.get(key) ?? { ref, usedBy: new Set<string>() };
    use.usedBy.add(by);
    uses.set(key, use);
  };
  for (const v of values)
    for (const [name, value] of Object.entries(v.values))
      if (typeof value === 'object') add({ parameter: value.secureParameter }, `${name} of fleet ${v.fleet}`);
  if (config.gitlab.webhook) add(config.gitlab.webhook.secret, 'the GitLab webhook');
  for (const chat of config.alerts.chat) add(chat.url, `the ${chat.kind} alerts of ${chat.name}`);
  for (const p of config.pipelines)
    if (p.kind === 'jobs' && p.kubeconfig.mode !== 'none')
      add({ parameter: p.kubeconfig.parameter }, `the kubeconfig of pipeline ${p.name}`);
  return [...uses.values()].map((u) => ({ ref: u.ref, usedBy: [...u.usedBy] }));
};

/**
 * Whether each secret exists where it is named: a SecureString parameter (a String one holds its
 * secret unencrypted) or a Secrets Manager secret not scheduled for deletion.
 */
export const judgeSecrets = (
  uses: readonly SecretUse[],
  parameterTypes: ReadonlyMap<string, string>,
  secrets: ReadonlyMap<string, { deletedAt?: Date } | undefined>,
  region: string,
): Finding[] =>
  uses.map(({ ref, usedBy }) => {
    const forWhom = usedBy.join(', ');
    if ('parameter' in ref) {
      const name = ref.parameter;
      const put = `aws ssm put-parameter --type SecureString --name ${name} --value '<secret>' --region ${region}`;
      const type = parameterTypes.get(name);
      if (type === undefined)
        return fail('config', name, `the SecureString parameter does not exist; needed by ${forWhom}`, put);
      if (type !== 'SecureString')
        // A parameter's type cannot change in place (HierarchyTypeMismatchException, SSM API
        // reference): it is deleted and created again.
        return warn(
          'config',
          name,
          `is a ${type} parameter, so the secret for ${forWhom} is stored unencrypted`,
          `aws ssm delete-parameter --name ${name} --region ${region} && ${put}`,
        );
      return pass('config', name, `exists (SecureString), for ${forWhom}`);
    }
    const name = ref.secretsManager;
    const secret = secrets.get(name);
    if (secret === undefined)
      return fail(
        'config',
        `secret ${name}`,
        `the Secrets Manager secret does not exist; needed by ${forWhom}`,
        `aws secretsmanager create-secret --name ${name} --secret-string '<secret>' --region ${region}`,
      );
    if (secret.deletedAt)
      return fail(
        'config',
        `secret ${name}`,
        `the Secrets Manager secret is scheduled for deletion on ${secret.deletedAt.toISOString()} and cannot be read; needed by ${forWhom}`,
        `aws secretsmanager restore-secret --secret-id ${name} --region ${region}`,
      );
    return pass('config', `secret ${name}`, `exists, for ${forWhom}`);
  });

const readLocal = (file: string): string => readFileSync(file, 'utf8');

export const configCheck: Check = {
  area: 'config',
  run: async (ctx) => {
    const { config, configFile } = ctx;
    const findings: Finding[] = [];
    const valueSources: { fleet: string; values: Values }[] = [];
    for (const fleet of config.fleets.filter((f) => f.role === 'manager')) {
      const jobGroups = jobGroupsOf(config, fleet.name);
      if (!fleet.runnerConfig) {
        findings.push(
          warn(
            'config',
            `${fleet.name} config.toml`,
            'not kept as code (no runnerConfig), so its listen_address and job groups cannot be checked here',
            `lint the manager's config.toml where it lives: npm run runner-config:lint -- <config.toml>${jobGroups.length ? ` --job-groups ${jobGroups.join(',')}` : ''}; or keep it with fleets[].runnerConfig in ${configFile}`,
          ),
        );
        continue;
      }
      const files = { template: fleet.runnerConfig.template, values: fleet.runnerConfig.values };
      const local = {
        template: readLocal(files.template),
        values: parseValues(JSON.parse(readLocal(files.values)) as unknown, files.values),
      };
      const names = configParameterNames(config.deployment, fleet.name);
      const [template, values, manifest] = await Promise.all([
        getParameterValue(names.template),
        getParameterValue(names.values),
        getParameterValue(names.manifest),
      ]);
      findings.push(
        ...judgeRunnerConfig(
          {
            fleet: fleet.name,
            parameters: names,
            files,
            local,
            published: { template, values, manifest },
            jobGroups,
          },
          configFile,
          ctx.deployed,
        ),
      );
      valueSources.push({ fleet: fleet.name, values: local.values });
      const published = values === undefined ? undefined : parsePublished(values, names.values);
      if (published && !(published instanceof Error))
        valueSources.push({ fleet: fleet.name, values: published });
    }

    const uses = secretUsesOf(config, valueSources);
    const parameters = uses.flatMap((u) => ('parameter' in u.ref ? [u.ref.parameter] : []));
    const secretNames = uses.flatMap((u) => ('secretsManager' in u.ref ? [u.ref.secretsManager] : []));
    const parameterTypes = parameters.length ? await describeParameterTypes(parameters) : new Map();
    const secrets = new Map(
      await Promise.all(secretNames.map(async (name) => [name, await describeSecret(name)] as const)),
    );
    findings.push(...judgeSecrets(uses, parameterTypes, secrets, config.region));
    return findings;
  },
};
