/**
 * The keys of gitlab-runner's `config.toml` as the linter knows them: pure data, compiled from
 * `reference/gitlab-runner-config.md` (gitlab-runner 19.4, fleeting-plugin-aws). A table is either
 * checked (every key must be listed), free-form (`plugin_config`, label maps: any key) or
 * unchecked (sections the reference names without listing their keys: `kubernetes`, `machine`...).
 */

export type ValueType =
  | 'int'
  | 'float'
  | 'bool'
  | 'string'
  /** A Go duration string such as "30s" or "1h30m". */
  | 'duration'
  | 'strings'
  | 'floats'
  | 'datetime'
  /** A string or a list of strings. */
  | 'string-or-strings'
  /** A table of string values with any keys. */
  | 'string-map'
  /** A table with any keys and values. */
  | 'any-table';

export interface TableSpec {
  readonly keys: Readonly<Record<string, KeySpec>>;
  /** `unchecked`: the reference does not list this section's keys; they are not checked. */
  readonly open?: 'unchecked';
}
export interface ArraySpec {
  readonly array: TableSpec;
}
export type KeySpec = ValueType | TableSpec | ArraySpec;

const UNCHECKED: TableSpec = { keys: {}, open: 'unchecked' };

const table = (keys: Record<string, KeySpec>): TableSpec => ({ keys });

const all = (type: ValueType, names: readonly string[]): Record<string, ValueType> =>
  Object.fromEntries(names.map((n) => [n, type]));

const connectorConfig = table({
  os: 'string',
  arch: 'string',
  protocol: 'string',
  protocol_port: 'int',
  username: 'string',
  password: 'string',
  key_path: 'string',
  use_static_credentials: 'bool',
  keepalive: 'duration',
  timeout: 'duration',
  use_external_addr: 'bool',
});

const policy = table({
  periods: 'strings',
  timezone: 'string',
  idle_count: 'int',
  idle_time: 'duration',
  scale_factor: 'float',
  scale_factor_limit: 'int',
  preemptive_mode: 'bool',
});

const autoscaler = table({
  plugin: 'string',
  capacity_per_instance: 'int',
  max_use_count: 'int',
  max_instances: 'int',
  delete_instances_on_shutdown: 'bool',
  instance_ready_command: 'string',
  instance_acquire_timeout: 'duration',
  update_interval: 'duration',
  update_interval_when_expecting: 'duration',
  deletion_retry_interval: 'duration',
  shutdown_deletion_interval: 'duration',
  shutdown_deletion_retries: 'int',
  failure_threshold: 'int',
  log_internal_ip: 'bool',
  log_external_ip: 'bool',
  reservation_throttling: 'bool',
  ...all('floats', [
    'instance_operation_time_buckets',
    'instance_creation_time_buckets',
    'instance_is_running_time_buckets',
    'instance_deletion_time_buckets',
    'instance_readiness_time_buckets',
    'instance_life_duration_buckets',
  ]),
  scale_throttle: table({ limit: 'int', burst: 'int' }),
  // Free-form for the runner (sent to the plugin as JSON); the AWS keys are checked separately.
  plugin_config: 'any-table',
  connector_config: connectorConfig,
  policy: { array: policy },
  state_storage: table({ enabled: 'bool', dir: 'string', keep_instance_with_acquisitions: 'bool' }),
  vm_isolation: table({
    enabled: 'bool',
    nesting_host: 'string',
    nesting_config: 'any-table',
    image: 'string',
    connector_config: connectorConfig,
  }),
});

const docker = table({
  ...all('string', [
    'host',
    'tls_cert_path',
    'image',
    'cache_dir',
    'volume_driver',
    'network_mode',
    'memory',
    'memory_swap',
    'memory_reservation',
    'cpus',
    'cpuset_cpus',
    'cpuset_mems',
    'cgroup_parent',
    'gpus',
    'user',
    'userns_mode',
    'runtime',
    'isolation',
    'hostname',
    'mac_address',
    'pid_mode',
    'ipcmode',
    'helper_image',
    'helper_image_flavor',
    'service_memory',
    'service_memory_swap',
    'service_memory_reservation',
    'service_cpus',
    'service_cpuset_cpus',
    'service_cgroup_parent',
    'service_gpus',
    'service_slot_cgroup_template',
  ]),
  ...all('bool', [
    'tls_verify',
    'privileged',
    'services_privileged',
    'disable_entrypoint_overwrite',
    'disable_cache',
    'volume_keep',
    'enable_ipv6',
    'oom_kill_disable',
  ]),
  ...all('int', [
    'network_mtu',
    'shm_size',
    'cpu_shares',
    'oom_score_adjust',
    'wait_for_services_timeout',
    'services_limit',
    'service_cpu_shares',
  ]),
  ...all('strings', [
    'allowed_images',
    'allowed_services',
    'allowed_privileged_images',
    'allowed_privileged_services',
    'allowed_pull_policies',
    'volumes',
    'volumes_from',
    'extra_hosts',
    'dns',
    'dns_search',
    'devices',
    'device_cgroup_rules',
    'cap_add',
    'cap_drop',
    'security_opt',
    'services_security_opt',
    'allowed_users',
    'group_add',
    'links',
  ]),
  ...all('string-map', [
    'volume_driver_ops',
    'sysctls',
    'tmpfs',
    'services_tmpfs',
    'ulimit',
    'container_labels',
  ]),
  pull_policy: 'string-or-strings',
  services_devices: 'any-table',
  log_options: table({ env: 'string', labels: 'string' }),
  services: {
    array: table({
      name: 'string',
      alias: 'string',
      command: 'strings',
      entrypoint: 'strings',
      environment: 'strings',
    }),
  },
});

const cache = table({
  Type: 'string',
  Path: 'string',
  Shared: 'bool',
  MaxUploadedArchiveSize: 'int',
  s3: table({
    ...all('string', [
      'ServerAddress',
      'AccessKey',
      'SecretKey',
      'SessionToken',
      'BucketName',
      'BucketLocation',
      'AuthenticationType',
      'ServerSideEncryption',
      'ServerSideEncryptionKeyID',
      'RoleARN',
      'UploadRoleARN',
    ]),
    ...all('bool', [
      'Insecure',
      'DualStack',
      'PathStyle',
      'Accelerate',
      'DisableAssumeRoleCredentialsCaching',
    ]),
    AssumeRoleMaxConcurrency: 'int',
  }),
  gcs: table(all('string', ['CredentialsFile', 'AccessID', 'PrivateKey', 'BucketName', 'UniverseDomain'])),
  azure: table(all('string', ['AccountName', 'AccountKey', 'ContainerName', 'StorageDomain'])),
});

const runner = table({
  ...all('string', [
    'name',
    'url',
    'token',
    'tls-ca-file',
    'tls-cert-file',
    'tls-key-file',
    'executor',
    'builds_dir',
    'cache_dir',
    'shell',
    'clone_url',
    'pre_get_sources_script',
    'post_get_sources_script',
    'pre_build_script',
    'post_build_script',
    'step_runner_image',
    'slot_cgroup_template',
  ]),
  ...all('int', [
    'id',
    'limit',
    'output_limit',
    'request_concurrency',
    'unhealthy_requests_limit',
    'job_status_final_update_retry_limit',
  ]),
  ...all('bool', [
    'strict_check_interval',
    'debug_trace_disabled',
    'clean_git_config',
    'safe_directory_checkout',
    'proxy_exec',
    'use_slot_cgroups',
  ]),
  ...all('duration', ['unhealthy_interval', 'prepare_timeout', 'get_sources_timeout']),
  token_obtained_at: 'datetime',
  token_expires_at: 'datetime',
  environment: 'strings',
  labels: 'string-map',
  feature_flags: 'any-table',
  custom_build_dir: table({ enabled: 'bool' }),
  artifact: table({ upload_timeout: 'duration', response_header_timeout: 'duration' }),
  experimental: table({
    boot_verify: table({
      enabled: 'bool',
      timeout: 'duration',
      acquire_min_backoff: 'duration',
      acquire_max_backoff: 'duration',
    }),
  }),
  cache,
  docker,
  autoscaler,
  instance: table({ allowed_images: 'strings', use_common_build_dir: 'bool' }),
  ...Object.fromEntries(
    ['machine', 'kubernetes', 'custom', 'ssh', 'parallels', 'virtualbox', 'referees', 'monitoring'].map(
      (k) => [k, UNCHECKED],
    ),
  ),
});

export const CONFIG_SPEC: TableSpec = table({
  concurrent: 'int',
  log_level: 'string',
  log_format: 'string',
  check_interval: 'int',
  sentry_dsn: 'string',
  connection_max_age: 'duration',
  listen_address: 'string',
  shutdown_timeout: 'int',
  labels: 'string-map',
  user: 'string',
  session_server: table({ listen_address: 'string', advertise_address: 'string', session_timeout: 'int' }),
  machine: table({
    shutdown_drain: table({
      enabled: 'bool',
      concurrency: 'int',
      max_retries: 'int',
      retry_backoff: 'duration',
    }),
  }),
  experimental: UNCHECKED,
  runners: { array: runner },
});

/** fleeting-plugin-aws's `plugin_config` keys (the runner itself cannot check them). */
export const AWS_PLUGIN_KEYS: Readonly<Record<string, ValueType>> = {
  name: 'string',
  profile: 'string',
  config_file: 'string',
  credentials_file: 'string',
  region: 'string',
};

/**
 * Keys that were removed or replaced, by section (`*` for any): the runner ignores them, so the
 * finding says what to use instead.
 */
export const RETIRED_KEYS: Readonly<Record<string, { severity: 'error' | 'warning'; fix: string }>> = {
  'runners.pre_clone_script': {
    severity: 'error',
    fix: 'removed in gitlab-runner 17.0 (ignored): use pre_get_sources_script',
  },
  'runners.post_clone_script': {
    severity: 'error',
    fix: 'removed in gitlab-runner 17.0 (ignored): use post_get_sources_script',
  },
  ...Object.fromEntries(
    ['ServerAddress', 'AccessKey', 'SecretKey', 'BucketName', 'BucketLocation', 'Insecure'].map((k) => [
      `runners.cache.${k}`,
      {
        severity: 'error' as const,
        fix: `removed in gitlab-runner 12.0 (ignored): move it to [runners.cache.s3]`,
      },
    ]),
  ),
  'runners.cache.s3.UploadRoleARN': { severity: 'warning', fix: 'deprecated: use RoleARN' },
  'runners.docker.helper_image_autoset_arch_and_os': {
    severity: 'error',
    fix: 'exists only for [runners.kubernetes]; the docker executor ignores it: remove it',
  },
  'runners.autoscaler.plugin_config.credentials_profile': {
    severity: 'warning',
    fix: 'obsolete name in fleeting-plugin-aws: use profile',
  },
};

export const EXECUTORS = [
  'shell',
  'docker',
  'docker-windows',
  'docker+machine',
  'docker-autoscaler',
  'instance',
  'kubernetes',
  'custom',
  'ssh',
  'parallels',
  'virtualbox',
] as const;
/** Executors that scale through `[runners.autoscaler]` and a fleeting plugin. */
export const AUTOSCALER_EXECUTORS: readonly string[] = ['docker-autoscaler', 'instance'];

/** Allowed values of string keys, by spec path (`runners` stands for every `[[runners]]`). */
export const ENUMS: Readonly<Record<string, readonly string[]>> = {
  log_level: ['debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'],
  log_format: ['runner', 'text', 'json'],
  'runners.executor': EXECUTORS,
  'runners.shell': ['bash', 'sh', 'powershell', 'pwsh'],
  'runners.cache.Type': ['', 's3', 'gcs', 'azure'],
  'runners.cache.s3.AuthenticationType': ['', 'iam', 'access-key'],
  'runners.cache.s3.ServerSideEncryption': ['', 'S3', 'AES256', 'KMS', 'aws:kms', 'DSSE-KMS', 'aws:kms:dsse'],
  'runners.docker.pull_policy': ['always', 'if-not-present', 'never'],
  'runners.docker.allowed_pull_policies': ['always', 'if-not-present', 'never'],
  'runners.docker.helper_image_flavor': ['alpine', 'alpine3.21', 'alpine-latest', 'ubi-fips', 'ubuntu'],
  'runners.autoscaler.connector_config.os': ['linux', 'windows', 'darwin'],
  'runners.autoscaler.connector_config.protocol': ['ssh', 'winrm', 'winrm+https'],
};

/**
 * Where secrets live in a config (spec paths): each must come from a SecureString parameter
 * (`{ "secureParameter": ... }` in the values file), never be written in the template or values.
 */
export const SECRET_KEYS: readonly string[] = [
  'runners.token',
  'runners.cache.s3.AccessKey',
  'runners.cache.s3.SecretKey',
  'runners.cache.s3.SessionToken',
  'runners.cache.gcs.PrivateKey',
  'runners.cache.azure.AccountKey',
  'runners.autoscaler.connector_config.password',
];
/** Job environment variables that carry secrets (`environment = ["NAME=value"]`). */
export const SECRET_ENVIRONMENT: readonly string[] = ['DOCKER_AUTH_CONFIG'];
