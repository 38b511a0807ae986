import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { parseSuiteConfig, type SuiteConfig } from '../../../functions/shared/config';

const EXAMPLE_TEXT = readFileSync(join(__dirname, '..', '..', '..', 'config', 'example.yaml'), 'utf8');

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests change the example one field at a time */
type Raw = Record<string, any>;

/** The example config, changed by `change`, through the real config schema. */
export const exampleWith = (change: (raw: Raw) => void = () => undefined): SuiteConfig => {
  const raw = parse(EXAMPLE_TEXT) as Raw;
  change(raw);
  return parseSuiteConfig(raw, 'test.yaml');
};

/** The raw fleet of the example named `name`. */
export const fleetIn = (raw: Raw, name: string): Raw => {
  const fleet = (raw.fleets as Raw[]).find((f) => f.name === name);
  if (!fleet) throw new Error(`no fleet ${name} in the example`);
  return fleet;
};

/**
 * The example plus manager-b (maintenance window 03:00-06:59 UTC), whose jobs fleet jobs-b runs on
 * the example's jobs template and is recycled: one template, two managers to restart.
 */
export const twoManagersOnOneJobsTemplate = (): SuiteConfig =>
  exampleWith((raw) => {
    (raw.fleets as unknown[]).push(
      {
        ...fleetIn(raw, 'manager'),
        name: 'manager-b',
        autoScalingGroup: 'gitlab-runner-manager-b',
        launchTemplate: 'gitlab-runner-manager-b',
        maintenanceWindows: [{ periods: ['* 3-6 * * *'], timeZone: 'UTC' }],
        runnerConfig: undefined,
      },
      {
        ...fleetIn(raw, 'jobs-docker'),
        name: 'jobs-b',
        autoScalingGroup: 'gitlab-runner-b',
        manager: 'manager-b',
      },
    );
  });

/** A Friday afternoon: the example's Friday freeze (12-23 Europe/Berlin) is on. */
export const FRIDAY = new Date('2026-12-04T14:00:00Z');
