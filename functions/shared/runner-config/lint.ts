import { Cron } from 'croner';

import { mapLines, type LineMap, type TomlPath } from './lines';
import {
  durationMs,
  isTable,
  parseRunnerConfig,
  type AutoscalerSettings,
  type RunnerConfig,
  type RunnerSettings,
  type TomlTable,
} from './model';
import { SECRET_DUMMY_PREFIX } from './template';
import {
  AUTOSCALER_EXECUTORS,
  AWS_PLUGIN_KEYS,
  CONFIG_SPEC,
  ENUMS,
  RETIRED_KEYS,
  SECRET_ENVIRONMENT,
  SECRET_KEYS,
  type KeySpec,
  type TableSpec,
  type ValueType,
} from './schema';

/**
 * A linter for gitlab-runner's `config.toml` (a manager fleet's rendered config). Pure, no I/O.
 * Every finding names the line and says what is wrong and how to fix it.
 */

export type Severity = 'error' | 'warning';
export interface Finding {
  severity: Severity;
  /** 1-based line of the TOML source. */
  line: number;
  rule: Rule;
  /** What is wrong and how to fix it. */
  message: string;
}

export interface LintOptions {
  /** The ASGs of the manager fleet's job groups: every `plugin_config.name` must be one of them. */
  jobGroups?: readonly string[];
  /**
   * The text was rendered with real secrets (on the instance). Otherwise (the default: the CLI and
   * the Lambda render without secrets) a secret key must hold a `secret:<parameter>` dummy, i.e.
   * come from a SecureString parameter, and a literal secret is an error.
   */
  secretsResolved?: boolean;
}

/** Every rule, its usual severity and what it catches. */
export const RULES = {
  'toml-syntax': ['error', 'the file is not valid TOML'],
  'unknown-key': ['error', 'a key the reference does not list (gitlab-runner silently ignores it)'],
  'deprecated-key': ['warning', 'a removed, deprecated or misplaced key or value'],
  'wrong-type': ['error', 'a value of the wrong TOML type'],
  'invalid-value': ['error', 'a value outside what gitlab-runner accepts'],
  'missing-key': ['error', 'a required key (url, token, executor) is missing or empty'],
  'listen-address': [
    'error',
    'no metrics listener where the health checks and the metrics agent read (:9252)',
  ],
  'missing-section': ['error', 'an executor without the section it needs'],
  'missing-plugin': ['error', 'an autoscaler without plugin'],
  'missing-asg-name': ['error', 'fleeting-plugin-aws without plugin_config.name'],
  'unknown-job-group': ['error', "plugin_config.name is not one of the manager fleet's job groups"],
  'missing-docker-image': ['warning', 'a docker-autoscaler runner without a default image'],
  'cron-periods': ['error', 'a policy period that is not a valid 5-field cron'],
  'policy-timezone': ['error', 'a policy timezone that is not an IANA time zone'],
  'policy-order': ['error', 'a policy that a later one hides (the last matching policy wins)'],
  'policy-gap': ['warning', 'no catch-all policy: times outside every period are unconfigured'],
  'idle-count-unreachable': ['error', 'idle_count (job slots) above max_instances * capacity_per_instance'],
  'concurrent-too-low': ['error', 'concurrent below what the runners can take'],
  'max-use-count-unlimited': ['warning', 'max_use_count 0: instances are reused forever'],
  'runner-id-missing': ['warning', "id 0 or missing: the runner's identity falls back to its token"],
  'connector-username': ['warning', 'no connector_config.username: the plugin logs in as ec2-user'],
  'shared-asg': ['error', 'two [[runners]] on one Auto Scaling group'],
  'duplicate-runner-name': ['error', 'two [[runners]] with one name'],
  'duplicate-runner-id': ['error', 'two [[runners]] with one id'],
  'static-s3-keys': ['warning', 'static S3 keys where the instance profile would do'],
  'secret-inline': ['error', 'a secret written as a literal instead of a SecureString parameter'],
  'unresolved-placeholder': ['error', 'a template placeholder left without a value'],
  'terraform-expression': [
    'error',
    'Terraform interpolation (a function call, ${var.x}, %{ if }) left in the template',
  ],
  'parameter-size': ['warning', 'a template too large for a standard SSM parameter (CLI only)'],
} as const satisfies Record<string, readonly [Severity, string]>;
export type Rule = keyof typeof RULES;

const int = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) ? v : undefined;

const LABEL_KEY = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{2,64}$/;
const LABEL_VALUE = /^[a-zA-Z0-9._-]{1,256}$/;
const PLACEHOLDER = /\$\{([a-z][a-z0-9_]*)\}/g;
/**
 * Terraform's interpolation, which a `${name}` placeholder cannot be: a function call or a dotted
 * reference (`${var.x}`), and `%{ if }`-style directives. Shell's `${VAR:-x}` and `${arr[0]}` in
 * scripts do not match, nor do the escapes `$${` and `%%{` in a text linted before rendering.
 */
const TERRAFORM = /(?<!\$)\$\{~?\s*[A-Za-z_]\w*\s*[(.]|(?<!%)%\{~?\s*(if|for|else|endif|endfor)\b/g;
/** A value filled at render (`${name}`) or by Terraform: not a literal, whatever it renders to. */
const INTERPOLATION = /\$\{[^}]*\}/;
/** The keys of Docker's auth JSON (`auths.<registry>`) that hold a credential. */
const REGISTRY_CREDENTIALS = ['auth', 'password', 'identitytoken', 'registrytoken'];
/**
 * The runner's metrics listener: the image's CloudWatch agent scrapes 127.0.0.1:9252 and the
 * apply and health scripts wait for http://127.0.0.1:9252/metrics.
 */
const METRICS_PORT = '9252';
/** Hosts whose listener answers at 127.0.0.1 (`:9252` is all of them). */
const LOOPBACK_REACHABLE = ['', '0.0.0.0', '[::]', '127.0.0.1', 'localhost'];
/** Keys whose value may hold gitlab-runner's own `${slot}` variable. */
const SLOT_TEMPLATE_KEY = /^\s*(service_)?slot_cgroup_template\s*=/;
const isAwsPlugin = (plugin: string): boolean => /(^|\/)(fleeting-plugin-)?aws(:.*)?$/.test(plugin);

const TYPE_NAMES: Record<ValueType, string> = {
  int: 'an integer',
  float: 'a number',
  bool: 'true or false',
  string: 'a string',
  duration: 'a duration string such as "30s" or "1h30m"',
  strings: 'a list of strings',
  floats: 'a list of numbers',
  datetime: 'a TOML date-time',
  'string-or-strings': 'a string or a list of strings',
  'string-map': 'a table of strings',
  'any-table': 'a table',
};

const hasType = (v: unknown, type: ValueType): boolean => {
  switch (type) {
    case 'int':
      return int(v) !== undefined;
    case 'float':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'duration':
      return typeof v === 'string' && durationMs(v) !== undefined;
    case 'strings':
      return Array.isArray(v) && v.every((e) => typeof e === 'string');
    case 'floats':
      return Array.isArray(v) && v.every((e) => typeof e === 'number');
    case 'datetime':
      return v instanceof Date;
    case 'string-or-strings':
      return hasType(v, 'string') || hasType(v, 'strings');
    case 'string-map':
      return isTable(v) && Object.values(v).every((e) => typeof e === 'string');
    case 'any-table':
      return isTable(v);
  }
};

/** Levenshtein distance, for "did you mean" suggestions. */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(next[j - 1]! + 1, row[j]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
};
const suggest = (key: string, known: readonly string[]): string => {
  const ranked = known
    .map((k) => ({
      k,
      d: k.toLowerCase() === key.toLowerCase() ? 0 : distance(key.toLowerCase(), k.toLowerCase()),
    }))
    .filter(({ k, d }) => d <= Math.max(1, Math.floor(Math.min(k.length, key.length) / 3)))
    .sort((a, b) => a.d - b.d);
  return ranked[0] ? `did you mean "${ranked[0].k}"? ` : '';
};

/** `[runners.autoscaler]` for a path such as `['runners', 0, 'autoscaler']`. */
const section = (path: TomlPath): string => {
  const names = path.filter((s): s is string => typeof s === 'string');
  return names.length ? `[${names.join('.')}]` : 'the top level';
};
const specPath = (path: TomlPath): string => path.filter((s) => typeof s === 'string').join('.');

/** Does this cron period match every minute? */
const isEveryMinute = (period: string): boolean =>
  period
    .trim()
    .split(/\s+/)
    .every((f) => f === '*' || f === '*/1' || f === '?');

class Collector {
  readonly findings: Finding[] = [];
  constructor(readonly lines: LineMap) {}
  add(rule: Rule, at: TomlPath | number, message: string, severity: Severity = RULES[rule][0]): void {
    const line = typeof at === 'number' ? at : this.lines.lineOf(at);
    this.findings.push({ severity, line, rule, message });
  }
}

const checkValue = (c: Collector, value: unknown, spec: KeySpec, path: TomlPath): void => {
  const key = String(path[path.length - 1]);
  if (typeof spec === 'string') {
    if (!hasType(value, spec)) {
      if (spec === 'duration' && typeof value === 'number')
        c.add(
          'wrong-type',
          path,
          `${key} in ${section(path.slice(0, -1))} is a bare number; how gitlab-runner reads it is unconfirmed (probably nanoseconds): write a duration string such as "30s"`,
          'warning',
        );
      else
        c.add(
          'wrong-type',
          path,
          `${key} in ${section(path.slice(0, -1))} must be ${TYPE_NAMES[spec]}: fix its value`,
        );
      return;
    }
    const allowed = ENUMS[specPath(path)];
    const given = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as string[]) : [];
    for (const v of allowed ? given : [])
      if (!allowed!.includes(v))
        c.add(
          'invalid-value',
          path,
          `${key} = "${v}" is not valid: use one of ${allowed!.filter(Boolean).join(', ')}`,
        );
    return;
  }
  if ('array' in spec) {
    if (!Array.isArray(value) || !value.every(isTable)) {
      c.add('wrong-type', path, `${key} must be an array of tables: write it as [[${specPath(path)}]]`);
      return;
    }
    value.forEach((item, i) => checkTable(c, item, spec.array, [...path, i]));
    return;
  }
  if (!isTable(value)) {
    c.add('wrong-type', path, `${key} must be a table: write it as [${specPath(path)}]`);
    return;
  }
  if (spec.open !== 'unchecked') checkTable(c, value, spec, path);
};

const checkTable = (c: Collector, value: TomlTable, spec: TableSpec, path: TomlPath): void => {
  const known = Object.keys(spec.keys);
  for (const [key, child] of Object.entries(value)) {
    const keyPath = [...path, key];
    const retired = RETIRED_KEYS[specPath(keyPath)];
    if (retired) {
      c.add('deprecated-key', keyPath, `${key} in ${section(path)}: ${retired.fix}`, retired.severity);
      continue;
    }
    const childSpec = Object.hasOwn(spec.keys, key) ? spec.keys[key] : undefined;
    if (childSpec === undefined) {
      c.add(
        'unknown-key',
        keyPath,
        `unknown key "${key}" in ${section(path)}: ${suggest(key, known)}gitlab-runner ignores unknown keys; fix the name or remove it`,
      );
      continue;
    }
    checkValue(c, child, childSpec, keyPath);
  }
};

const checkLabels = (c: Collector, labels: unknown, path: TomlPath): void => {
  if (!isTable(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k))
      c.add(
        'invalid-value',
        [...path, k],
        `label name "${k}" is invalid and blocks loading the config: use 3-65 characters of letters, digits, ._- (not starting with . or -)`,
      );
    if (typeof v === 'string' && !LABEL_VALUE.test(v))
      c.add(
        'invalid-value',
        [...path, k],
        `label "${k}" has an invalid value and blocks loading the config: use 1-256 letters, digits or ._-`,
      );
  }
};

interface Policy {
  index: number;
  path: TomlPath;
  periods: readonly string[];
  timezone: string;
  catchAll: boolean;
}

const checkPolicies = (
  c: Collector,
  autoscaler: AutoscalerSettings,
  path: TomlPath,
  slots: number | undefined,
): void => {
  const policies: Policy[] = autoscaler.policies.map((p, index) => {
    const at = [...path, 'policy', index];
    const periods = p.periods ?? [];
    for (const period of periods) {
      const fields = period.trim().split(/\s+/).length;
      let problem = fields === 5 ? undefined : `has ${fields} fields`;
      if (!problem)
        try {
          new Cron(period, { paused: true });
        } catch (error) {
          problem = `is invalid (${error instanceof Error ? error.message : String(error)})`;
        }
      if (problem)
        c.add(
          'cron-periods',
          [...at, 'periods'],
          `period "${period}" ${problem}: use a 5-field cron (minute hour day-of-month month day-of-week) such as "* 8-18 * * mon-fri"`,
        );
    }
    const timezone = p.timezone ?? '';
    if (timezone && timezone !== 'UTC' && !Intl.supportedValuesOf('timeZone').includes(timezone))
      c.add(
        'policy-timezone',
        [...at, 'timezone'],
        `timezone "${timezone}" is not an IANA time zone: use one such as "Europe/Berlin" or "UTC"`,
      );
    const idleCount = int(p.idleCount);
    if (idleCount !== undefined && slots !== undefined && idleCount > slots)
      c.add(
        'idle-count-unreachable',
        [...at, 'idle_count'],
        `idle_count = ${idleCount} counts job slots, but max_instances * capacity_per_instance is only ${slots}: lower idle_count or raise max_instances`,
      );
    const idleTime = p.idleTime;
    const ms = idleTime === undefined ? undefined : durationMs(idleTime);
    if (ms !== undefined && ms !== 0 && ms < 1000)
      c.add('invalid-value', [...at, 'idle_time'], `idle_time = "${idleTime}" must be 0 or at least "1s"`);
    return {
      index,
      path: at,
      periods,
      timezone,
      catchAll: periods.length === 0 || periods.some(isEveryMinute),
    };
  });

  policies.forEach((earlier) => {
    const hider = policies
      .slice(earlier.index + 1)
      .reverse()
      .find(
        (later) =>
          later.catchAll ||
          (later.timezone === earlier.timezone &&
            earlier.periods.length > 0 &&
            earlier.periods.every((p) => later.periods.includes(p))),
      );
    if (hider)
      c.add(
        'policy-order',
        earlier.path,
        `this policy never applies: policy ${hider.index + 1} (line ${c.lines.lineOf(hider.path)}) comes after it and matches whenever it does, and the last matching policy wins; put the ${hider.catchAll ? 'catch-all policy first' : 'narrower policy last'}`,
      );
  });
  if (policies.length > 0 && !policies.some((p) => p.catchAll))
    c.add(
      'policy-gap',
      policies[0]!.path,
      'no policy matches at all times, and what the autoscaler does outside every period is unconfirmed: add a catch-all policy (periods = ["* * * * *"]) first',
    );
};

const isSecretRef = (v: string): boolean => v.startsWith(`${SECRET_DUMMY_PREFIX}/`);
/** From a SecureString parameter, or from a placeholder (an unfilled one has its own finding). */
const fromPlaceholderOrParameter = (v: string): boolean => isSecretRef(v) || INTERPOLATION.test(v);

const credentialsIn = (json: unknown): string[] =>
  Array.isArray(json)
    ? json.flatMap(credentialsIn)
    : isTable(json)
      ? Object.entries(json).flatMap(([k, v]) =>
          REGISTRY_CREDENTIALS.includes(k.toLowerCase()) && typeof v === 'string' ? [v] : credentialsIn(v),
        )
      : [];
/**
 * A `DOCKER_AUTH_CONFIG` value is literal unless it is a parameter or placeholder as a whole, or
 * JSON whose every credential is one.
 */
const literalDockerAuth = (value: string): boolean => {
  if (isSecretRef(value)) return false;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return !INTERPOLATION.test(value);
  }
  const credentials = credentialsIn(json);
  return credentials.length === 0 || !credentials.every(fromPlaceholderOrParameter);
};

const checkSecrets = (c: Collector, runner: RunnerSettings, path: TomlPath): void => {
  for (const key of SECRET_KEYS) {
    const steps = key.split('.').slice(1);
    let value: unknown = runner.table;
    for (const s of steps) value = isTable(value) ? value[s] : undefined;
    if (typeof value === 'string' && value.trim() !== '' && !fromPlaceholderOrParameter(value))
      c.add(
        'secret-inline',
        [...path, ...steps],
        `${steps[steps.length - 1]} holds a literal secret: store it in a SecureString parameter and use a placeholder whose value is { "secureParameter": "/path" }`,
      );
  }
  for (const entry of runner.environment ?? []) {
    const [name, ...rest] = entry.split('=');
    const value = rest.join('=');
    if (SECRET_ENVIRONMENT.includes(name ?? '') && value !== '' && literalDockerAuth(value))
      c.add(
        'secret-inline',
        [...path, 'environment'],
        `${name} in environment holds a literal secret: store it in a SecureString parameter and use a placeholder whose value is { "secureParameter": "/path" }`,
      );
  }
};

interface RunnerFacts {
  index: number;
  path: TomlPath;
  label: string;
  slots: number;
}

const checkRunner = (c: Collector, runner: RunnerSettings, options: LintOptions): RunnerFacts => {
  const { index } = runner;
  const path: TomlPath = ['runners', index];
  const label = runner.name ? `runner "${runner.name}"` : `runner ${index + 1}`;
  for (const key of ['url', 'token', 'executor'] as const)
    if (!runner[key]?.trim())
      c.add(
        'missing-key',
        c.lines.has([...path, key]) ? [...path, key] : path,
        `${label} has no ${key}: gitlab-runner ${key === 'token' ? 'skips it' : 'cannot run it'}; set ${key}`,
      );
  if (runner.url && /\/ci\/?$/.test(runner.url))
    c.add(
      'deprecated-key',
      [...path, 'url'],
      `url ends with /ci, which is deprecated: remove the /ci suffix`,
    );
  checkLabels(c, runner.labels, [...path, 'labels']);
  for (const [k, v] of Object.entries(runner.featureFlags ?? {}))
    if (!k.startsWith('FF_') || typeof v !== 'boolean')
      c.add(
        'invalid-value',
        [...path, 'feature_flags', k],
        `feature flag ${k} must be named FF_* and set to true or false`,
      );
  const id = int(runner.id);
  if (!id)
    c.add(
      'runner-id-missing',
      c.lines.has([...path, 'id']) ? [...path, 'id'] : path,
      `${label} has no id, so its identity (and its autoscaler) falls back to the token, and every token change needs a restart: set id to the runner's id from GitLab`,
    );
  if (!options.secretsResolved) checkSecrets(c, runner, path);

  const s3 = runner.cacheS3;
  if (s3 && !s3.serverAddress) {
    const keyed = s3.accessKey || s3.secretKey;
    if (keyed || s3.authenticationType === 'access-key')
      c.add(
        'static-s3-keys',
        [...path, 'cache', 's3', keyed ? (s3.accessKey ? 'AccessKey' : 'SecretKey') : 'AuthenticationType'],
        `static S3 keys for an AWS bucket: give the manager's instance profile access to the bucket, set AuthenticationType = "iam" and remove AccessKey/SecretKey`,
      );
  }

  const executor = runner.executor ?? '';
  const limit = int(runner.limit) ?? 0;
  let slots = limit > 0 ? limit : Infinity;
  if (executor === 'docker-autoscaler') {
    const docker = runner.docker;
    if (!docker)
      c.add(
        'missing-section',
        [...path, 'executor'],
        `${label} uses docker-autoscaler but has no [runners.docker]: add it with at least image = "..."`,
      );
    else if (!docker.image)
      c.add(
        'missing-docker-image',
        [...path, 'docker'],
        `${label} has no default image in [runners.docker]: jobs without image: fail; set image`,
      );
  }
  if (AUTOSCALER_EXECUTORS.includes(executor)) {
    const autoscaler = runner.autoscaler;
    const at = [...path, 'autoscaler'];
    if (!autoscaler) {
      c.add(
        'missing-section',
        [...path, 'executor'],
        `${label} uses ${executor} but has no [runners.autoscaler]: add it with plugin = "aws:latest" and plugin_config.name = "<its ASG>"`,
      );
      return { index, path, label, slots };
    }
    const maxInstances = int(autoscaler.maxInstances) ?? 0;
    const capacity = int(autoscaler.capacityPerInstance) ?? 1;
    const fleetSlots = maxInstances > 0 ? maxInstances * capacity : undefined;
    if (fleetSlots !== undefined) slots = Math.min(slots, fleetSlots);
    const plugin = autoscaler.plugin;
    if (!plugin?.trim())
      c.add(
        'missing-plugin',
        c.lines.has([...at, 'plugin']) ? [...at, 'plugin'] : at,
        `${label}'s autoscaler has no plugin: set plugin = "aws:latest" (installed by gitlab-runner fleeting install)`,
      );
    if (!int(autoscaler.maxUseCount))
      c.add(
        'max-use-count-unlimited',
        c.lines.has([...at, 'max_use_count']) ? [...at, 'max_use_count'] : at,
        `${label}'s instances are reused forever (max_use_count 0), so a new image reaches them only when they idle out: set max_use_count (1 = one job per instance)`,
      );
    if (!autoscaler.connectorUsername)
      c.add(
        'connector-username',
        at,
        `${label} sets no connector_config.username, so fleeting-plugin-aws logs in as ec2-user: set the AMI's user (ubuntu on Ubuntu)`,
      );
    const pluginConfig = autoscaler.pluginConfig;
    if (plugin && isAwsPlugin(plugin)) {
      const pcPath = [...at, 'plugin_config'];
      for (const key of Object.keys(pluginConfig?.table ?? {})) {
        const retired = RETIRED_KEYS[`runners.autoscaler.plugin_config.${key}`];
        if (retired)
          c.add(
            'deprecated-key',
            [...pcPath, key],
            `${key} in plugin_config: ${retired.fix}`,
            retired.severity,
          );
        else if (!Object.hasOwn(AWS_PLUGIN_KEYS, key))
          c.add(
            'unknown-key',
            [...pcPath, key],
            `fleeting-plugin-aws has no documented key "${key}": ${suggest(key, Object.keys(AWS_PLUGIN_KEYS))}check the plugin's README or remove it`,
            'warning',
          );
      }
      const asg = pluginConfig?.name;
      if (!asg)
        c.add(
          'missing-asg-name',
          pluginConfig ? pcPath : at,
          `${label} names no Auto Scaling group: set plugin_config.name to its own job ASG`,
        );
      else if (options.jobGroups && !options.jobGroups.includes(asg))
        c.add(
          'unknown-job-group',
          [...pcPath, 'name'],
          `Auto Scaling group "${asg}" is not a job group of this manager fleet: use one of ${options.jobGroups.join(', ') || '(none configured)'}`,
        );
    }
    checkPolicies(c, autoscaler, at, fleetSlots);
  }
  return { index, path, label, slots };
};

const checkRunners = (c: Collector, config: RunnerConfig, options: LintOptions): void => {
  const { runners } = config;
  const facts = runners.map((r) => checkRunner(c, r, options));

  const seen = <K>(
    rule: Rule,
    key: (r: RunnerSettings) => K | undefined,
    field: string,
    what: (k: K) => string,
  ) => {
    const first = new Map<K, number>();
    runners.forEach((r) => {
      const k = key(r);
      if (k === undefined) return;
      const earlier = first.get(k);
      if (earlier === undefined) first.set(k, r.index);
      else
        c.add(
          rule,
          ['runners', r.index, ...field.split('.')],
          `${what(k)} is already used by runner ${earlier + 1} (line ${c.lines.lineOf(['runners', earlier])}): ${
            rule === 'shared-asg'
              ? "two autoscalers on one group fight over its capacity and delete each other's instances; give each [[runners]] its own ASG"
              : `give each [[runners]] its own ${field}`
          }`,
        );
    });
  };
  seen(
    'duplicate-runner-name',
    (r) => r.name || undefined,
    'name',
    (k) => `name "${k}"`,
  );
  seen(
    'duplicate-runner-id',
    (r) => int(r.id) || undefined,
    'id',
    (k) => `id ${k}`,
  );
  seen(
    'shared-asg',
    (r) => {
      const pc = r.autoscaler?.pluginConfig;
      return pc?.name && AUTOSCALER_EXECUTORS.includes(r.executor ?? '')
        ? [pc.name, pc.region ?? '', pc.profile ?? ''].join('|')
        : undefined;
    },
    'autoscaler.plugin_config.name',
    (k) => `Auto Scaling group "${k.split('|')[0]}"`,
  );

  if (!config.concurrent) return;
  const { defaulted } = config.concurrent;
  const concurrent = int(config.concurrent.value);
  if (concurrent === undefined) return;
  const at = c.lines.has(['concurrent']) ? ['concurrent'] : 1;
  if (concurrent < 1) {
    c.add('invalid-value', at, `concurrent = ${concurrent} makes gitlab-runner exit: set it to at least 1`);
    return;
  }
  const finite = facts.filter((f) => Number.isFinite(f.slots));
  const needed = Math.max(
    finite.reduce((sum, f) => sum + f.slots, 0),
    facts.length,
  );
  if (concurrent < needed)
    c.add(
      'concurrent-too-low',
      at,
      `concurrent = ${concurrent}${defaulted ? ' (the default)' : ''} is below what the runners can take (${needed}: ${
        facts.map((f) => `${f.label} ${Number.isFinite(f.slots) ? f.slots : 'unbounded'}`).join(', ') ||
        'none'
      }), so capacity sits idle or workers starve: set concurrent = ${needed} (sum of min(limit, max_instances * capacity_per_instance))`,
    );
};

const checkListenAddress = (c: Collector, config: RunnerConfig): void => {
  const address = config.listenAddress;
  // Written as something other than a string: the key check reports it.
  if (address === undefined && config.document.listen_address !== undefined) return;
  const why = `the health checks and the metrics agent read the runner's metrics at 127.0.0.1:${METRICS_PORT}, so config applies fail their health check and no runner metrics reach CloudWatch`;
  if (address === undefined) {
    c.add(
      'listen-address',
      1,
      `no listen_address, so the runner serves no metrics, but ${why}: add listen_address = ":${METRICS_PORT}" before the first table`,
    );
    return;
  }
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, Math.max(colon, 0));
  if (colon < 0 || address.slice(colon + 1) !== METRICS_PORT || !LOOPBACK_REACHABLE.includes(host))
    c.add(
      'listen-address',
      ['listen_address'],
      `listen_address = "${address}", but ${why}: set listen_address = ":${METRICS_PORT}"`,
    );
};

/** Unresolved `${name}` placeholders, found in the text itself (so also when it does not parse). */
const checkPlaceholders = (c: Collector, text: string): void => {
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trimStart().startsWith('#') || SLOT_TEMPLATE_KEY.test(line)) return;
    for (const m of line.matchAll(PLACEHOLDER))
      c.add(
        'unresolved-placeholder',
        i + 1,
        `placeholder ${m[0]} has no value: add "${m[1]}" to the values file (a { "secureParameter": ... } for a secret)` +
          ', or write $${ in the template for a literal ${',
      );
  });
};

/** `${jsonencode(x)}` or `%{ if x }` from where it starts on its line, to its closing brace. */
const terraformSnippet = (line: string, start: number): string => {
  let depth = 0;
  for (let i = start; i < line.length; i++) {
    if (line[i] === '{') depth++;
    else if (line[i] === '}' && --depth === 0) return line.slice(start, i + 1);
  }
  return line.slice(start).trimEnd();
};

/** Terraform interpolation left in the text (found in the text: it rarely parses as TOML). */
const checkTerraform = (c: Collector, text: string): void => {
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trimStart().startsWith('#')) return;
    for (const m of line.matchAll(TERRAFORM))
      c.add(
        'terraform-expression',
        i + 1,
        `\`${terraformSnippet(line, m.index)}\` is a Terraform ${m[0].startsWith('%') ? 'directive' : 'expression'}; this template's placeholders are \`\${name}\` filled from the values file: render it in Terraform first or replace it with a placeholder`,
      );
  });
};

export const lintRunnerConfig = (text: string, options: LintOptions = {}): Finding[] => {
  const inText = new Collector(mapLines(''));
  checkPlaceholders(inText, text);
  checkTerraform(inText, text);
  const parsed = parseRunnerConfig(text);
  if (parsed.kind === 'syntax-error') {
    const { line, reason } = parsed.error;
    // A Terraform expression explains the syntax error on its line better than the parser does.
    const explained = inText.findings.some((f) => f.rule === 'terraform-expression' && f.line === line);
    const syntax: Finding[] = explained
      ? []
      : [
          {
            severity: 'error',
            line,
            rule: 'toml-syntax',
            message: `not valid TOML: ${reason}: fix the syntax on this line (quote strings, one key per line)`,
          },
        ];
    return [...inText.findings, ...syntax].sort((a, b) => a.line - b.line);
  }
  const { config } = parsed;
  const c = new Collector(mapLines(text));
  c.findings.push(...inText.findings);
  checkTable(c, config.document, CONFIG_SPEC, []);
  checkListenAddress(c, config);
  checkLabels(c, config.labels, ['labels']);
  checkRunners(c, config, options);
  return c.findings.sort((a, b) => a.line - b.line);
};

/** `file:line: severity rule: message`, one finding per line. */
export const formatFinding = (file: string, f: Finding): string =>
  `${file}:${f.line}: ${f.severity} ${f.rule}: ${f.message}`;
