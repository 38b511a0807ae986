import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { parse, YAMLError } from 'yaml';

import { parseSuiteConfig, type SuiteConfig } from '../functions/shared/config';
import { parseValues } from '../functions/shared/runner-config/render';
import { ConfigError } from '../functions/shared/settings';

/** What the smallest valid config holds, shown when a file is empty. */
const MINIMAL_CONFIG = `deployment: my-runners
region: us-east-2
gitlab:
  url: https://gitlab.example.com
  runnerVersion: 18.6.2
pipelines:
  - name: jobs
    kind: jobs
    instanceTypes: [c7a.4xlarge]`;

const readConfigText = (path: string): string => {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined)
    throw new ConfigError(`config file ${path} does not exist (looked for ${resolve(path)})`);
  if (stat.isDirectory())
    throw new ConfigError(
      `${path} is a directory: pass the deployment's YAML file, such as ${join(path, 'prod.yaml')}`,
    );
  return readFileSync(path, 'utf8');
};

const parseYaml = (text: string, path: string): unknown => {
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof YAMLError)) throw error;
    const at = error.linePos?.[0];
    throw new ConfigError(
      `${path}${at ? `:${at.line}:${at.col}` : ''}: YAML syntax error: ${error.message}`,
      {
        cause: error,
      },
    );
  }
};

/**
 * The problems with the files a config names, relative to the config file: a template or values
 * file that is missing, or a values file that is not valid. Each names its field and fleet.
 */
const runnerConfigProblems = (config: SuiteConfig, path: string): string[] =>
  config.fleets.flatMap((fleet, i) => {
    if (!fleet.runnerConfig) return [];
    const field = (key: string) => `fleets[${i}] (${fleet.name}).runnerConfig.${key}`;
    return (['template', 'values'] as const).flatMap((key) => {
      const file = resolve(dirname(path), fleet.runnerConfig![key]);
      if (!statSync(file, { throwIfNoEntry: false })?.isFile())
        return [`${field(key)}: file ${file} does not exist (paths are relative to the config file ${path})`];
      if (key === 'template') return [];
      try {
        parseValues(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
        return [];
      } catch (error) {
        return [`${field(key)}: ${error instanceof Error ? error.message : String(error)}`];
      }
    });
  });

/**
 * Reads and validates a deployment's config file; every mistake is listed with its field. Files
 * it names (runner config templates and values) are relative to it, and are resolved here.
 */
export const loadConfig = (path: string): SuiteConfig => {
  const value = parseYaml(readConfigText(path), path);
  if (value === null || value === undefined)
    throw new ConfigError(
      `${path} is empty. A minimal config names the deployment, its region, GitLab and one image pipeline:\n\n${MINIMAL_CONFIG}\n\nconfig/example.yaml shows every section; docs/configuration.md describes every key.`,
    );
  const config = parseSuiteConfig(value, path);
  const problems = runnerConfigProblems(config, path);
  if (problems.length > 0)
    throw new ConfigError(`invalid config in ${path}:\n  - ${problems.join('\n  - ')}`);
  const base = dirname(path);
  return {
    ...config,
    fleets: config.fleets.map((f) =>
      f.runnerConfig
        ? {
            ...f,
            runnerConfig: {
              ...f.runnerConfig,
              template: resolve(base, f.runnerConfig.template),
              values: resolve(base, f.runnerConfig.values),
            },
          }
        : f,
    ),
  };
};
