import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { formatIssues } from './issues';
import { type StandardSchemaV1, validateNow } from './standard-schema';

/**
 * Each function receives only its slice of the suite config and parses it once, on first use,
 * with its own schema (kept beside the function, so a bundle carries only what it reads).
 *
 * Deployed, the slice is {@link CONFIG_FILE} beside the bundle (written at synth): Lambda caps a
 * function's environment at 4 KB, which a config of a few fleets outgrows. Only deploy-time names
 * stay in the environment, referenced from the file as `{ "$env": NAME }` or
 * `{ "$concat": [text, { "$env": NAME }, ...] }` (see `infra/deploy-time-config.ts`).
 * Tests and local invokes may pass the slice inline in {@link CONFIG_ENV} instead.
 */
export const CONFIG_FILE = 'autopilot-config.json';
export const CONFIG_ENV = 'AUTOPILOT_CONFIG';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Any Standard Schema (every function's is valibot's). */
export const parseWith = <S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  source: string,
): StandardSchemaV1.InferOutput<S> => {
  const result = validateNow(schema, value);
  if (result.issues) throw new ConfigError(`invalid config in ${source}:\n${formatIssues(result.issues)}`);
  return result.value;
};

/** Replaces deploy-time references with their values from the environment. */
export const expandDeployTimeValues = (value: unknown, env: NodeJS.ProcessEnv): unknown => {
  if (Array.isArray(value)) return value.map((v) => expandDeployTimeValues(v, env));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && typeof obj.$env === 'string') {
    const resolved = env[obj.$env];
    if (resolved === undefined)
      throw new ConfigError(`${obj.$env} is not set: the stack passes it with the function's config`);
    return resolved;
  }
  if (keys.length === 1 && Array.isArray(obj.$concat))
    return obj.$concat.map((part) => String(expandDeployTimeValues(part, env))).join('');
  return Object.fromEntries(keys.map((k) => [k, expandDeployTimeValues(obj[k], env)]));
};

const readSource = (env: NodeJS.ProcessEnv): { raw: string; source: string } => {
  const inline = env[CONFIG_ENV];
  if (inline) return { raw: inline, source: CONFIG_ENV };
  const file = join(env.LAMBDA_TASK_ROOT ?? process.cwd(), CONFIG_FILE);
  try {
    return { raw: readFileSync(file, 'utf8'), source: file };
  } catch (cause) {
    throw new ConfigError(
      `no config: neither ${CONFIG_ENV} is set nor ${file} readable (the stack writes each function's config slice beside its bundle)`,
      { cause },
    );
  }
};

/** A function's own slice of the config: its config file (or inline JSON), expanded and parsed. */
export const readConfigSlice = <S extends StandardSchemaV1>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): StandardSchemaV1.InferOutput<S> => {
  const { raw, source } = readSource(env);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError(`${source} is not JSON`, { cause });
  }
  return parseWith(schema, expandDeployTimeValues(value, env), source);
};

/**
 * A slice read on first use, not at import: a config error then fails an invocation (and is
 * retried or answered) instead of crashing the init phase. `reset` is for tests.
 */
export const lazyConfigSlice = <S extends StandardSchemaV1>(schema: S) => {
  let value: StandardSchemaV1.InferOutput<S> | undefined;
  return {
    get: (): StandardSchemaV1.InferOutput<S> => (value ??= readConfigSlice(schema)),
    reset: (): void => {
      value = undefined;
    },
  };
};
