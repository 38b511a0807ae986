import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

import type { SuiteConfig } from '../functions/shared/config';
import { busName } from '../infra/naming';
import { CliError, type Io, type Options } from './command';

export const CONFIG_ENV = 'RUNNER_AUTOPILOT_CONFIG';

/** The option of every command that acts on a deployment. */
export const CONFIG_OPTION = {
  config: {
    type: 'string',
    short: 'c',
    value: 'file',
    help: `the deployment's config file (required; or set ${CONFIG_ENV})`,
  },
} as const satisfies Options;

/** The config file a command was given, resolved against the caller's directory. */
export const configPath = (given: string | undefined, io: Io, command: string): string => {
  const path = given ?? io.env[CONFIG_ENV];
  if (!path)
    throw new CliError(`${command}: no config file given: pass --config <file> or set ${CONFIG_ENV}`);
  const full = resolve(io.cwd, path);
  if (!existsSync(full)) throw new CliError(`config file not found: ${full}`);
  if (!statSync(full).isFile()) throw new CliError(`config file is not a file: ${full}`);
  return full;
};

export interface Target {
  readonly config: SuiteConfig;
  readonly file: string;
}

/**
 * Loads the deployment a command acts on and says which it is before anything is sent. The SDK
 * is pointed at the deployment's region: a different AWS_REGION in the shell would otherwise
 * send the request where the deployment is not. The account comes from the config (no STS client
 * is installed); without one it is whichever the credentials belong to.
 */
export const loadTarget = async (given: string | undefined, io: Io, command: string): Promise<Target> => {
  const file = configPath(given, io, command);
  // Loaded when needed, so that `--help` and usage errors answer at once.
  const { loadConfig } = await import('../infra/load-config');
  const config = loadConfig(file);
  io.env.AWS_REGION = config.region;
  const account = config.account ?? 'of your credentials (the config names none)';
  io.err(
    `target: deployment ${config.deployment}, account ${account}, region ${config.region}, bus ${busName(config.deployment)}`,
  );
  return { config, file };
};
