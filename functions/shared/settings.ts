import type { z } from 'zod';

/**
 * Each function receives only its slice of the suite config, as JSON in {@link CONFIG_ENV}, and
 * parses it once at cold start with its own schema (kept beside the function, so a bundle carries
 * only what it reads).
 */
export const CONFIG_ENV = 'AUTOPILOT_CONFIG';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Every issue on its own line, each naming its field, so one run shows all mistakes. */
export const formatIssues = (issues: readonly z.core.$ZodIssue[]): string =>
  issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');

export const parseWith = <S extends z.ZodType>(schema: S, value: unknown, source: string): z.infer<S> => {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ConfigError(`invalid config in ${source}:\n${formatIssues(result.error.issues)}`);
  return result.data;
};

/** A function's own slice of the config, read from its environment at cold start. */
export const readConfigSlice = <S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> => {
  const raw = env[CONFIG_ENV];
  if (!raw)
    throw new ConfigError(`${CONFIG_ENV} is not set: the stack passes each function its config slice`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError(`${CONFIG_ENV} is not JSON`, { cause });
  }
  return parseWith(schema, value, CONFIG_ENV);
};

/**
 * A slice read on first use, not at import: a config error then fails an invocation (and is
 * retried or answered) instead of crashing the init phase. `reset` is for tests.
 */
export const lazyConfigSlice = <S extends z.ZodType>(schema: S) => {
  let value: z.infer<S> | undefined;
  return {
    get: (): z.infer<S> => (value ??= readConfigSlice(schema)),
    reset: (): void => {
      value = undefined;
    },
  };
};
