import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { parse } from 'yaml';

import { parseSuiteConfig, type SuiteConfig } from '../functions/shared/config';

/**
 * Reads and validates a deployment's config file; every mistake is listed with its field. Files
 * it names (runner config templates and values) are resolved relative to it.
 */
export const loadConfig = (path: string): SuiteConfig => {
  const config = parseSuiteConfig(parse(readFileSync(path, 'utf8')), path);
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
