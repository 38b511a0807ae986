import { parse, TomlError } from 'smol-toml';

/**
 * A manager's `config.toml` parsed once into what its readers use: the linter, the restart
 * classifier and the fleet sweeper's policy reader. Pure, and free of the key reference and cron
 * code, so a bundle that reads a config pulls in neither.
 *
 * A typed field holds the value as written when it has the type gitlab-runner reads, and is
 * undefined when it is absent or of another type (the linter's key check reports that). Numbers are any
 * TOML number: each reader decides what it does with a fraction or a negative. Readers that check
 * or compare every key as written (the key reference, restart, drift) use `document` and `table`.
 */

export type TomlTable = Readonly<Record<string, unknown>>;

export interface PolicySettings {
  /** Cron periods, when every element is a string. */
  readonly periods?: readonly string[];
  readonly timezone?: string;
  /** Idle job slots (not instances). */
  readonly idleCount?: number;
  /** A Go duration string (see `durationMs`). */
  readonly idleTime?: string;
  readonly scaleFactor?: number;
  readonly scaleFactorLimit?: number;
}

export interface PluginConfig {
  /** `[runners.autoscaler.plugin_config]` as written: its keys depend on the plugin. */
  readonly table: TomlTable;
  /** The Auto Scaling group, for fleeting-plugin-aws. */
  readonly name?: string;
  readonly region?: string;
  readonly profile?: string;
}

export interface AutoscalerSettings {
  readonly plugin?: string;
  readonly maxInstances?: number;
  readonly capacityPerInstance?: number;
  readonly maxUseCount?: number;
  readonly connectorUsername?: string;
  readonly pluginConfig?: PluginConfig;
  /** The `[[runners.autoscaler.policy]]` tables, in order: the last matching one wins. */
  readonly policies: readonly PolicySettings[];
}

export interface S3CacheSettings {
  readonly serverAddress?: string;
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly authenticationType?: string;
}

export interface RunnerSettings {
  /** Position in the document's `runners` array, which can hold other values than tables. */
  readonly index: number;
  /** The `[[runners]]` table as written. */
  readonly table: TomlTable;
  readonly name?: string;
  readonly url?: string;
  readonly token?: string;
  readonly id?: number;
  readonly executor?: string;
  readonly limit?: number;
  readonly labels?: TomlTable;
  readonly featureFlags?: TomlTable;
  readonly environment?: readonly string[];
  readonly cacheS3?: S3CacheSettings;
  /** `[runners.docker]`; present, even empty, when the section is. */
  readonly docker?: { readonly image?: string };
  readonly autoscaler?: AutoscalerSettings;
}

export interface RunnerConfig {
  /** The parsed document as written. */
  readonly document: TomlTable;
  /**
   * `concurrent`, or gitlab-runner's default of 1 when the file leaves it out (`defaulted`);
   * undefined when it is written as something other than a number.
   */
  readonly concurrent?: { readonly value: number; readonly defaulted: boolean };
  /** Where the runner serves its Prometheus metrics; absent, it serves none. */
  readonly listenAddress?: string;
  readonly labels?: TomlTable;
  /** The `[[runners]]` that are tables, in order. */
  readonly runners: readonly RunnerSettings[];
}

/** Where and why the text is not TOML. */
export interface TomlSyntaxError {
  /** 1-based line of the source. */
  readonly line: number;
  /** What the parser found, on one line. */
  readonly reason: string;
}

export type RunnerConfigParse =
  | { readonly kind: 'config'; readonly config: RunnerConfig }
  | { readonly kind: 'syntax-error'; readonly error: TomlSyntaxError };

export const isTable = (v: unknown): v is TomlTable =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1e3,
  m: 6e4,
  h: 36e5,
};
/** Milliseconds of a Go duration string (`0` included), undefined when it is not one. */
export const durationMs = (value: string): number | undefined => {
  if (value === '0') return 0;
  if (!GO_DURATION.test(value)) return undefined;
  const sign = value.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(m[1]) * DURATION_MS[m[2]!]!;
  return sign * total;
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const tableAt = (v: TomlTable | undefined, key: string): TomlTable | undefined =>
  v && isTable(v[key]) ? v[key] : undefined;
const strings = (v: unknown): readonly string[] | undefined =>
  Array.isArray(v) && v.every((e) => typeof e === 'string') ? v : undefined;
const tables = (v: unknown): TomlTable[] => (Array.isArray(v) ? v.filter(isTable) : []);

const policyOf = (p: TomlTable): PolicySettings => ({
  periods: strings(p.periods),
  timezone: str(p.timezone),
  idleCount: num(p.idle_count),
  idleTime: str(p.idle_time),
  scaleFactor: num(p.scale_factor),
  scaleFactorLimit: num(p.scale_factor_limit),
});

const autoscalerSettingsOf = (a: TomlTable): AutoscalerSettings => {
  const plugin = tableAt(a, 'plugin_config');
  return {
    plugin: str(a.plugin),
    maxInstances: num(a.max_instances),
    capacityPerInstance: num(a.capacity_per_instance),
    maxUseCount: num(a.max_use_count),
    connectorUsername: str(tableAt(a, 'connector_config')?.username),
    pluginConfig: plugin && {
      table: plugin,
      name: str(plugin.name),
      region: str(plugin.region),
      profile: str(plugin.profile),
    },
    policies: tables(a.policy).map(policyOf),
  };
};

const runnerOf = (table: TomlTable, index: number): RunnerSettings => {
  const s3 = tableAt(tableAt(table, 'cache'), 's3');
  const docker = tableAt(table, 'docker');
  const autoscaler = tableAt(table, 'autoscaler');
  return {
    index,
    table,
    name: str(table.name),
    url: str(table.url),
    token: str(table.token),
    id: num(table.id),
    executor: str(table.executor),
    limit: num(table.limit),
    labels: tableAt(table, 'labels'),
    featureFlags: tableAt(table, 'feature_flags'),
    environment: strings(table.environment),
    cacheS3: s3 && {
      serverAddress: str(s3.ServerAddress),
      accessKey: str(s3.AccessKey),
      secretKey: str(s3.SecretKey),
      authenticationType: str(s3.AuthenticationType),
    },
    docker: docker && { image: str(docker.image) },
    autoscaler: autoscaler && autoscalerSettingsOf(autoscaler),
  };
};

const modelOf = (document: TomlTable): RunnerConfig => {
  const concurrent =
    document.concurrent === undefined
      ? { value: 1, defaulted: true }
      : typeof document.concurrent === 'number'
        ? { value: document.concurrent, defaulted: false }
        : undefined;
  const runners = Array.isArray(document.runners) ? (document.runners as unknown[]) : [];
  return {
    document,
    concurrent,
    listenAddress: str(document.listen_address),
    labels: tableAt(document, 'labels'),
    runners: runners.flatMap((r, index) => (isTable(r) ? [runnerOf(r, index)] : [])),
  };
};

const syntaxErrorOf = (error: unknown): TomlSyntaxError => {
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  return {
    line: error instanceof TomlError ? error.line : 1,
    reason: message.replace(/^Invalid TOML document: /, ''),
  };
};

/** Parses `text` once into the model, or says on which line and why it is not TOML. */
export const parseRunnerConfig = (text: string): RunnerConfigParse => {
  let document: TomlTable;
  try {
    document = parse(text);
  } catch (error) {
    return { kind: 'syntax-error', error: syntaxErrorOf(error) };
  }
  return { kind: 'config', config: modelOf(document) };
};

/** For readers of a config that was linted before: the model, or a throw naming the bad line. */
export const readRunnerConfig = (text: string): RunnerConfig => {
  const parsed = parseRunnerConfig(text);
  if (parsed.kind === 'syntax-error')
    throw new Error(`config.toml is not valid TOML on line ${parsed.error.line}: ${parsed.error.reason}`);
  return parsed.config;
};
