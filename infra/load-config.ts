import { readFileSync } from 'node:fs';

import { parse } from 'yaml';

import { parseSuiteConfig, type SuiteConfig } from '../functions/shared/config';

/** Reads and validates a deployment's config file; every mistake is listed with its field. */
export const loadConfig = (path: string): SuiteConfig =>
  parseSuiteConfig(parse(readFileSync(path, 'utf8')), path);
