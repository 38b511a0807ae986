import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { defineCommand } from '../command';
import { CONFIG_ENV, CONFIG_OPTION, configPath } from '../target';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'config', 'example.yaml');

/** Every function folder the app bundles (one handler each). */
const functionCount = (): number =>
  readdirSync(join(ROOT, 'functions'), { withFileTypes: true }).filter(
    (d) => d.isDirectory() && existsSync(join(ROOT, 'functions', d.name, 'handler.ts')),
  ).length;

export const synth = defineCommand({
  name: 'synth',
  summary: 'bundles every function with esbuild and synthesizes both stacks into cdk.out, offline',
  args: '[stack...]',
  options: {
    config: {
      ...CONFIG_OPTION.config,
      help: `the config file (or set ${CONFIG_ENV}; default: config/example.yaml)`,
    },
  },
  details: [
    'Runs the CDK app as `cdk synth` does (cdk-nag and the deployability checks included); the',
    'stacks are <deployment>-images and <deployment>-autopilot. Needs no credentials.',
  ],
  run: async ({ values, positionals }, io) => {
    const given = values.config ?? io.env[CONFIG_ENV];
    const file = given === undefined ? EXAMPLE : configPath(given, io, 'synth');
    const { loadConfig } = await import('../../infra/load-config');
    const { deployment } = loadConfig(file);
    io.err(
      `synthesizing ${deployment}-images and ${deployment}-autopilot from ${file}: bundling ${functionCount()} functions...`,
    );
    const child = spawn(
      process.execPath,
      [require.resolve('aws-cdk/bin/cdk'), 'synth', '--no-notices', '-c', `config=${file}`, ...positionals],
      { cwd: ROOT, env: { ...io.env, CDK_DISABLE_CLI_TELEMETRY: 'true' }, stdio: 'inherit' },
    );
    const code = await new Promise<number | null>((done, fail) => {
      child.on('error', fail);
      child.on('exit', done);
    });
    return code === 0 ? 0 : 1;
  },
});
