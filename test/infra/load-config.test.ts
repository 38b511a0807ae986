import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse, stringify } from 'yaml';

import { ConfigError } from '../../functions/shared/settings';
import { loadConfig } from '../../infra/load-config';

const CONFIG = join(__dirname, '..', '..', 'config');
const EXAMPLE_TEXT = readFileSync(join(CONFIG, 'example.yaml'), 'utf8');

/* eslint-disable @typescript-eslint/no-explicit-any -- these tests break the example one field at a time */
const example = (): Record<string, any> => parse(EXAMPLE_TEXT) as Record<string, any>;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'load-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` as a config beside a copy of the example's runner config files. */
const write = (text: string, name = 'prod.yaml'): string => {
  cpSync(join(CONFIG, 'manager'), join(dir, 'manager'), { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const errorOf = (path: string): string => {
  try {
    loadConfig(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('config was accepted');
};

describe('loadConfig', () => {
  it('says an empty file is empty and shows a minimal config that loads', () => {
    const path = write('# nothing yet\n');

    const message = errorOf(path);

    expect(message).toMatch(
      new RegExp(
        `^${path} is empty\\. A minimal config names the deployment, its region, GitLab and one image pipeline:\n\n`,
      ),
    );
    expect(message).toContain(
      'config/example.yaml shows every section; docs/configuration.md describes every key.',
    );
    const minimal = message.split('\n\n')[1]!;
    expect(loadConfig(write(minimal, 'minimal.yaml')).deployment).toBe('my-runners');
  });

  it('names the file, line and column of a YAML syntax error', () => {
    const path = write('deployment: x\nregion: [us-east-2\ngitlab: {}\n');

    expect(errorOf(path)).toMatch(new RegExp(`^${path}:3:\\d+: YAML syntax error: `));
  });

  it('names a missing config file plainly', () => {
    const path = join(dir, 'deploy', 'prod.yaml');

    expect(errorOf(path)).toBe(`config file ${path} does not exist (looked for ${path})`);
  });

  it('says a directory is not a config file', () => {
    expect(errorOf(dir)).toBe(
      `${dir} is a directory: pass the deployment's YAML file, such as ${join(dir, 'prod.yaml')}`,
    );
  });

  it('says which cron field is out of range', () => {
    const config = example();
    config.pipelines[0].schedule.cron = '0 25 * * *';

    expect(errorOf(write(stringify(config)))).toContain(
      'pipelines.0.schedule.cron: "0 25 * * *" is not a valid 5-field cron: its hour (field 2) is 25, out of range 0-23',
    );
  });

  it.each([
    ['* 1-4 * * 8', 'its day of week (field 5) is 8, out of range 0-7'],
    ['0 2 * 13 *', 'its month (field 4) is 13, out of range 1-12'],
    ['0 2 0 * *', 'its day of month (field 3) is 0, out of range 1-31'],
    ['60 2 * * *', 'its minute (field 1) is 60, out of range 0-59'],
    [
      '*/75 1-4 * * *',
      'Syntax error, steps cannot be greater than maximum value of part (60) (the fields are minute hour day-of-month month day-of-week, such as "0 2 * * *")',
    ],
  ])('refuses the window period %s, saying why', (period, reason) => {
    const config = example();
    config.fleets[0].maintenanceWindows[0].periods = [period];

    expect(errorOf(write(stringify(config)))).toContain(
      `fleets.0.maintenanceWindows.0.periods.0: "${period}" is not a valid 5-field cron: ${reason}`,
    );
  });

  it('accepts steps in a cron field', () => {
    const config = example();
    config.fleets[0].maintenanceWindows[0].periods = ['*/15 1-4 * * 1-5'];

    expect(loadConfig(write(stringify(config))).fleets[0]?.maintenanceWindows[0]?.periods).toEqual([
      '*/15 1-4 * * 1-5',
    ]);
  });

  it('suggests the nearest known key for an unknown one', () => {
    const config = example();
    config.fleets[1].maxJobMinute = 60;

    expect(errorOf(write(stringify(config)))).toContain(
      'fleets.1: unknown key "maxJobMinute": did you mean "maxJobMinutes"?',
    );
  });

  it('lists the known keys when none is near', () => {
    const config = example();
    config.gitlab.token = 'x';

    expect(errorOf(write(stringify(config)))).toContain(
      'gitlab: unknown key "token"; the keys here are url, runnerVersion, webhook',
    );
  });

  it('says to store a chat URL written inline as a secret, and how, without echoing it', () => {
    const config = example();
    config.alerts = {
      chat: [{ kind: 'slack', name: 'ops', url: 'https://hooks.slack.com/services/T0/B0/XYZ' }],
    };

    const message = errorOf(write(stringify(config)));

    expect(message).toContain(
      "alerts.chat.0.url: is a secret, so it is never written in the config: store it as a SecureString parameter (aws ssm put-parameter --type SecureString --name /runner-autopilot/<name> --value '<secret>') and write `{ parameter: /runner-autopilot/<name> }` here, or `{ secretsManager: <secret name> }` for a Secrets Manager secret",
    );
    expect(message).not.toContain('hooks.slack.com');
  });

  it('accepts JSON numbers and booleans in a values file, where TOML wants them', () => {
    const path = write(EXAMPLE_TEXT);
    const valuesFile = join(dir, 'manager', 'values.json');
    const values = JSON.parse(readFileSync(valuesFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      valuesFile,
      JSON.stringify({ ...values, instance_runner_id: 101, capacity_per_instance: 2, privileged: false }),
    );

    expect(loadConfig(path).fleets[0]?.runnerConfig?.values).toBe(valuesFile);
  });

  it('names the field and fleet of an invalid values file', () => {
    const path = write(EXAMPLE_TEXT);
    writeFileSync(join(dir, 'manager', 'values.json'), JSON.stringify({ token: { parameter: '/x' } }));

    expect(errorOf(path)).toContain(
      `fleets[0] (manager).runnerConfig.values: ${join(dir, 'manager', 'values.json')} is not a valid values file:`,
    );
  });

  it('resolves runner config files relative to the config file, wherever it is loaded from', () => {
    const path = write(EXAMPLE_TEXT);

    expect(loadConfig(path).fleets[0]?.runnerConfig).toMatchObject({
      template: join(dir, 'manager', 'config.toml.tmpl'),
      values: join(dir, 'manager', 'values.json'),
    });
  });

  it('takes absolute runner config paths as they are', () => {
    const config = example();
    config.fleets[0].runnerConfig = {
      template: join(CONFIG, 'manager', 'config.toml.tmpl'),
      values: join(CONFIG, 'manager', 'values.json'),
    };
    const path = join(dir, 'absolute.yaml');
    writeFileSync(path, stringify(config));

    expect(loadConfig(path).fleets[0]?.runnerConfig).toMatchObject(config.fleets[0].runnerConfig);
  });

  it('names the field, fleet and config file of runner config files missing beside a copied example', () => {
    mkdirSync(join(dir, 'deploy'));
    const path = join(dir, 'deploy', 'prod.yaml');
    writeFileSync(path, EXAMPLE_TEXT);

    expect(errorOf(path)).toBe(
      [
        `invalid config in ${path}:`,
        `  - fleets[0] (manager).runnerConfig.template: file ${join(dir, 'deploy', 'manager', 'config.toml.tmpl')} does not exist (paths are relative to the config file ${path})`,
        `  - fleets[0] (manager).runnerConfig.values: file ${join(dir, 'deploy', 'manager', 'values.json')} does not exist (paths are relative to the config file ${path})`,
      ].join('\n'),
    );
  });
});
