/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- these tests break a parsed config one field at a time */
import { join } from 'node:path';

import { loadConfig } from '../../../infra/load-config';
import { ConfigError } from '../../../functions/shared/settings';
import { parseSuiteConfig, type SuiteConfig } from '../../../functions/shared/config';
import { canaryChecks } from '../../../functions/shared/fleet';

const EXAMPLE = join(__dirname, '..', '..', '..', 'config', 'example.yaml');

/** The example as plain data, to break one field at a time. */
const example = (): Record<string, any> =>
  JSON.parse(JSON.stringify(loadConfig(EXAMPLE))) as Record<string, any>;

const errorOf = (value: unknown): string => {
  try {
    parseSuiteConfig(value, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('config was accepted');
};

describe('suite config', () => {
  it('accepts the shipped example, with the fleet of the article', () => {
    const config: SuiteConfig = loadConfig(EXAMPLE);

    expect(config.region).toBe('us-east-2');
    expect(config.fleets.map((f) => f.autoScalingGroup)).toEqual(
      expect.arrayContaining(['gitlab-runner-ao-group', 'gitlab-runner-ao-group-docker']),
    );
    expect(new Set(config.fleets.filter((f) => f.role === 'jobs').map((f) => f.launchTemplate))).toEqual(
      new Set(['gitlab-runner-autoscaler']),
    );
    expect(config.pipelines.find((p) => p.name === 'jobs')?.instanceTypes).toEqual(['c7a.4xlarge']);
  });

  it('fills defaults: a nightly schedule in UTC and no kubeconfig', () => {
    const raw = example();
    const jobs = raw.pipelines[0];
    delete jobs.schedule;
    delete jobs.kubeconfig;

    const config = parseSuiteConfig(raw);

    expect(config.pipelines[0]).toMatchObject({
      schedule: { cron: '0 2 * * *', timeZone: 'UTC', enabled: true },
      kubeconfig: { mode: 'none' },
    });
  });

  it('runs every canary check of the fleet role by default, else the configured ones in script order', () => {
    const raw = example();
    raw.fleets[2].canary = { checks: ['gitlab-url', 'docker'] };

    const config = parseSuiteConfig(raw);

    expect(config.fleets.map(canaryChecks)).toEqual([
      ['gitlab-runner', 'fleeting-plugin', 'job-groups', 'gitlab-url'],
      ['docker', 'git', 'gitlab-runner', 'tools', 'disk', 'gitlab-url', 'ssh-path'],
      ['docker', 'gitlab-url'],
    ]);
  });

  it.each<[string, (c: Record<string, any>) => void, string]>([
    [
      'a bad cron',
      (c) => (c.pipelines[0].schedule.cron = '0 2 * *'),
      'pipelines.0.schedule.cron: "0 2 * *" is not a valid 5-field cron: it has 4 fields, not 5 (minute hour day-of-month month day-of-week, such as "0 2 * * *")',
    ],
    [
      'an unknown time zone',
      (c) => (c.pipelines[0].schedule.timeZone = 'Mars/Olympus'),
      'pipelines.0.schedule.timeZone',
    ],
    [
      'a misspelled key',
      (c) => (c.pipelines[0].instanceType = ['c7a.large']),
      'pipelines.0: unknown key "instanceType": did you mean "instanceTypes"?',
    ],
    [
      'a non-https GitLab',
      (c) => (c.gitlab.url = 'http://gitlab.example.com'),
      'gitlab.url: must be an https URL',
    ],
    ['a loose runner version', (c) => (c.gitlab.runnerVersion = '18.x'), 'gitlab.runnerVersion'],
    [
      'a rule naming an unknown pipeline',
      (c) => (c.gitlab.webhook.rules[0].pipelines = ['windows']),
      'gitlab.webhook.rules.0.pipelines.0: unknown pipeline "windows"',
    ],
    [
      'a baked kubeconfig without consent',
      (c) => (c.pipelines[0].kubeconfig = { mode: 'baked', parameter: '/k' }),
      'pipelines.0.kubeconfig.acceptCredentialInSnapshots: baking a kubeconfig puts a credential in every AMI snapshot: set it to true to accept that',
    ],
    [
      'a misspelled key of one kubeconfig mode',
      (c) => (c.pipelines[0].kubeconfig = { mode: 'boot', paramter: '/k' }),
      'pipelines.0.kubeconfig: unknown key "paramter": did you mean "parameter"?',
    ],
    [
      'two unknown keys in one object',
      (c) => Object.assign(c.gitlab, { token: 'x', urll: 'https://x' }),
      'gitlab: unknown key "token"; the keys here are url, runnerVersion, webhook; unknown key "urll": did you mean "url"?',
    ],
    [
      'a malformed subnet',
      (c) => (c.pipelines[0].subnetId = 'subnet-xyz'),
      'pipelines.0.subnetId: must be a subnet id',
    ],
    [
      'a jobs fleet without its manager',
      (c) => delete c.fleets[1].manager,
      'fleets.1.manager: a jobs fleet must name its manager fleet',
    ],
    [
      'a fleet fed by the wrong image kind',
      (c) => (c.fleets[0].pipeline = 'jobs'),
      'fleets.0.pipeline: a manager fleet needs a manager image',
    ],
    [
      'two fleets on one group',
      (c) => (c.fleets[2].autoScalingGroup = c.fleets[1].autoScalingGroup),
      'fleets.2.autoScalingGroup',
    ],
    [
      'recycle on a manager fleet',
      (c) => (c.fleets[0].rollout = 'recycle'),
      'fleets.0.rollout: only a jobs fleet',
    ],
    [
      'recycle while the runner keeps its instances',
      (c) => {
        c.fleets[0].runnerStateStorage = true;
        c.fleets[1].rollout = 'recycle';
      },
      'fleets.1.rollout: manager fleet "manager" keeps its instances',
    ],
    [
      'a freeze window with a bad period',
      (c) => (c.fleets[1].freezeWindows = [{ periods: ['* 9-17 * *'] }]),
      'fleets.1.freezeWindows.0.periods.0',
    ],
    [
      'a canary check of the other role',
      (c) => (c.fleets[0].canary = { checks: ['gitlab-runner', 'docker', 'ssh-path'] }),
      'fleets.0.canary.checks: a manager fleet has no check "docker", "ssh-path": use gitlab-runner, fleeting-plugin, job-groups, gitlab-url',
    ],
    [
      'canary checks none of which runs on the canary',
      (c) => (c.fleets[1].canary = { checks: ['ssh-path'] }),
      'fleets.1.canary.checks: name at least one check that runs on the canary itself',
    ],
    ['no canary check at all', (c) => (c.fleets[1].canary = { checks: [] }), 'fleets.1.canary.checks:'],
    [
      'an unknown canary check',
      (c) => (c.fleets[1].canary = { checks: ['dns'] }),
      'fleets.1.canary.checks.0:',
    ],
    [
      'a canary check named twice',
      (c) => (c.fleets[1].canary = { checks: ['git', 'git'] }),
      'fleets.1.canary.checks: names a check twice',
    ],
    ['duplicate pipelines', (c) => (c.pipelines[1].name = 'jobs'), 'duplicate pipeline "jobs"'],
    [
      'a fleet without the role of its instance profile',
      (c) => delete c.fleets[1].instanceRole,
      'fleets.1.instanceRole:',
    ],
    [
      'an instance role that is an instance profile ARN',
      (c) => (c.fleets[1].instanceRole = 'arn:aws:iam::123456789012:instance-profile/runner'),
      'fleets.1.instanceRole: must be an IAM role ARN such as arn:aws:iam::123456789012:role/runner-instance, or a role name',
    ],
    [
      'an instance role name with a space',
      (c) => (c.fleets[0].instanceRole = 'runner manager'),
      'fleets.0.instanceRole: must be an IAM role ARN',
    ],
  ])('names the field of %s', (_, breakIt, message) => {
    const raw = example();
    breakIt(raw);

    expect(errorOf(raw)).toContain(message);
  });

  it.each([
    'gitlab-runner-instance',
    'arn:aws:iam::123456789012:role/gitlab-runner-instance',
    'arn:aws:iam::123456789012:role/service-role/ci/gitlab-runner-instance',
    'arn:aws-us-gov:iam::123456789012:role/gitlab-runner-instance',
  ])('accepts the instance role %s', (role) => {
    const raw = example();
    raw.fleets[1].instanceRole = role;

    expect(parseSuiteConfig(raw).fleets[1]?.instanceRole).toBe(role);
  });

  it('lists every mistake at once, each on its own line', () => {
    const raw = example();
    raw.region = 'ohio';
    raw.pipelines[0].schedule.cron = 'nightly';

    const lines = errorOf(raw).split('\n');

    expect(lines[0]).toBe('invalid config in test.yaml:');
    expect(lines.slice(1)).toEqual([
      expect.stringContaining('region:'),
      expect.stringContaining('pipelines.0.schedule.cron:'),
    ]);
  });
});
