import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { parse, stringify } from 'yaml';

import { configHash, parseValues } from '../../functions/shared/runner-config/render';

import type { AwsEvent, FakeInstance, World } from '../../rehearsal/fake-aws';
import { EXAMPLE_CONFIG, type Scenario } from '../../rehearsal/driver';
import { AMI, jobGroup, managerGroup } from '../../rehearsal/example-fleet';

/** The example fleet's seed is the rehearsal's; scenario tests import it from here with the rest. */
export {
  AMI,
  canaries,
  type Fleet,
  GROUP,
  liveManagers,
  standardFleet,
  TEMPLATE,
} from '../../rehearsal/example-fleet';

/** A copy of the example config with changes, written to a temporary file; returns its path. */
export const exampleConfigWith = (
  name: string,
  change: (config: Record<string, unknown>) => void,
): string => {
  const config = parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>;
  // Files the config names are relative to it: keep them pointing at the repo's copies.
  for (const fleet of config.fleets as { runnerConfig?: { template: string; values: string } }[]) {
    if (!fleet.runnerConfig) continue;
    fleet.runnerConfig.template = resolve(dirname(EXAMPLE_CONFIG), fleet.runnerConfig.template);
    fleet.runnerConfig.values = resolve(dirname(EXAMPLE_CONFIG), fleet.runnerConfig.values);
  }
  change(config);
  const path = join(mkdtempSync(join(tmpdir(), 'scenario-')), `${name}.yaml`);
  writeFileSync(path, stringify(config));
  return path;
};

/** A manager fleet's config source, as RunnerConfigParameters publishes it, and its secrets. */
export interface RunnerConfigSource {
  readonly prefix: string;
  readonly templateFile: string;
  readonly valuesFile: string;
  /** SecureString parameter name -> the secret it holds (the token values.json names). */
  readonly secrets: Readonly<Record<string, string>>;
}

export const MANAGER_CONFIG: RunnerConfigSource = {
  prefix: '/runner-autopilot/gitlab-runners/manager/config',
  templateFile: resolve('config/manager/config.toml.tmpl'),
  valuesFile: resolve('config/manager/values.json'),
  secrets: {
    '/runner-autopilot/gitlab-runners/manager/instance-runner-token': 'glrt-scenario-INSTANCE-secret-4f1d9a',
    '/runner-autopilot/gitlab-runners/manager/docker-runner-token': 'glrt-scenario-DOCKER-secret-7c2e8b',
  },
};

/** The secrets, created once before any deploy (the runbook asks for them first). */
export const createSecrets = (world: World, source: RunnerConfigSource): void => {
  for (const [name, value] of Object.entries(source.secrets)) {
    world.parameters.set(name, { value, type: 'SecureString' });
  }
};

/**
 * A deploy of a config source: template, values, then the manifest with their hash (each write a
 * Parameter Store Change event). Returns the hash.
 */
export const deployRunnerConfig = (world: World, source: RunnerConfigSource): string => {
  const template = readFileSync(source.templateFile, 'utf8');
  const values = parseValues(JSON.parse(readFileSync(source.valuesFile, 'utf8')));
  const hash = configHash(template, values);
  world.putParameter(`${source.prefix}/template`, template);
  world.putParameter(`${source.prefix}/values`, JSON.stringify(values));
  world.putParameter(`${source.prefix}/manifest`, JSON.stringify({ hash }));
  return hash;
};

/**
 * A second manager fleet, `manager-b`, with its own manager group and two job groups (one per
 * [[runners]] of the template), and its own config source: config/manager's files with its job
 * groups and token parameters in place of the first fleet's.
 */
export const SECOND = {
  manager: 'gitlab-runner-manager-b',
  jobsInstance: 'gitlab-runner-b-ao-group',
  jobsDocker: 'gitlab-runner-b-ao-group-docker',
  managerTemplate: 'gitlab-runner-manager-b',
  jobsTemplate: 'gitlab-runner-autoscaler-b',
} as const;

/** The config with manager-b; `overrides` replace settings of manager-b (e.g. its maxJobMinutes). */
export const secondManagerConfig = (
  overrides: Record<string, unknown> = {},
): { configPath: string; source: RunnerConfigSource } => {
  const dir = mkdtempSync(join(tmpdir(), 'manager-b-'));
  const templateFile = join(dir, 'config.toml.tmpl');
  const valuesFile = join(dir, 'values.json');
  writeFileSync(
    templateFile,
    readFileSync(MANAGER_CONFIG.templateFile, 'utf8')
      .replace('name = "gitlab-runner-ao-group-docker"', `name = "${SECOND.jobsDocker}"`)
      .replace('name = "gitlab-runner-ao-group"', `name = "${SECOND.jobsInstance}"`),
  );
  writeFileSync(
    valuesFile,
    readFileSync(MANAGER_CONFIG.valuesFile, 'utf8').replaceAll(
      '/gitlab-runners/manager/',
      '/gitlab-runners/manager-b/',
    ),
  );
  const configPath = exampleConfigWith('two-managers', (config) => {
    const fleets = config.fleets as Record<string, unknown>[];
    const manager = fleets.find((f) => f.name === 'manager') as Record<string, unknown>;
    fleets.push(
      {
        ...manager,
        name: 'manager-b',
        autoScalingGroup: SECOND.manager,
        launchTemplate: SECOND.managerTemplate,
        runnerConfig: { template: templateFile, values: valuesFile },
        ...overrides,
      },
      ...[
        ['jobs-b-instance', SECOND.jobsInstance],
        ['jobs-b-docker', SECOND.jobsDocker],
      ].map(([name, group]) => ({
        name,
        role: 'jobs',
        autoScalingGroup: group,
        launchTemplate: SECOND.jobsTemplate,
        instanceRole: 'gitlab-runner-instance',
        pipeline: 'jobs',
        manager: 'manager-b',
        rollout: 'natural',
      })),
    );
  });
  return {
    configPath,
    source: {
      prefix: '/runner-autopilot/gitlab-runners/manager-b/config',
      templateFile,
      valuesFile,
      secrets: {
        '/runner-autopilot/gitlab-runners/manager-b/instance-runner-token':
          'glrt-scenario-B-INSTANCE-secret-0a9',
        '/runner-autopilot/gitlab-runners/manager-b/docker-runner-token': 'glrt-scenario-B-DOCKER-secret-3e5',
      },
    },
  };
};

/** The second manager fleet's groups in the world, with its manager online and running. */
export const secondFleet = (world: World): FakeInstance => {
  const managerLt = world.addLaunchTemplate(SECOND.managerTemplate, [AMI.managerOld]);
  const jobsLt = world.addLaunchTemplate(SECOND.jobsTemplate, [AMI.jobsOld]);
  const manager = world.addGroup(managerGroup(SECOND.manager, managerLt));
  for (const name of [SECOND.jobsInstance, SECOND.jobsDocker]) world.addGroup(jobGroup(name, jobsLt));
  return world.launchIntoGroup(manager, { alreadyOnline: true });
};

/** The example config with a rollback alarm on every fleet (the example has none). */
export const alarmsConfig = (): string =>
  exampleConfigWith('alarms', (config) => {
    for (const fleet of config.fleets as { name: string; rollbackAlarms?: string[] }[]) {
      fleet.rollbackAlarms = [`${fleet.name}-errors`];
    }
  });

/** Matches the SSM status event of one of our documents ending in `status`. */
export const isCommandEvent =
  (document: string, status = 'Success') =>
  (e: AwsEvent) =>
    e['detail-type'] === 'EC2 Command Status-change Notification' &&
    String(e.detail['document-name']).endsWith(`-autopilot-${document}`) &&
    e.detail.status === status;

/**
 * The promises every scenario keeps: no job killed, never two managers, no command SSM refuses,
 * no permanent failure, nothing in a failure queue. `SCENARIO_REPORT_DIR` keeps each story.
 */
export const expectPromisesKept = (s: Scenario): void => {
  if (process.env.SCENARIO_REPORT_DIR) {
    writeFileSync(
      join(process.env.SCENARIO_REPORT_DIR, `${expect.getState().currentTestName ?? 'scenario'}.txt`),
      s.report(),
    );
  }
  expect(s.world.violations).toEqual([]);
  expect(s.world.refusedCommands).toEqual([]);
  expect(s.permanentFailures).toEqual([]);
  expect(s.failureQueue).toEqual([]);
};

/** The rollback alarms of a fleet, as the deployed rollback function's settings hold them (defaults included). */
export const rollbackAlarmsOf = (s: Scenario, fleet: string): string[] =>
  (
    (s.settings('rollback').fleets as { name: string; rollbackAlarms: string[] }[]).find(
      (f) => f.name === fleet,
    ) as { rollbackAlarms: string[] }
  ).rollbackAlarms;

/** Runs the scenario for up to `maxMinutes` (or until `until`), when it is not meant to go quiet. */
export const runBounded = async (s: Scenario, maxMinutes: number, until?: () => boolean): Promise<void> => {
  try {
    await s.runUntilQuiet({ maxMinutes, ...(until ? { until } : {}) });
  } catch (error) {
    if (!/still busy after its time bound|did not settle/.test((error as Error).message)) throw error;
  }
};

/** A manager fleet's graceful restarts (recycles) in the ledger. */
export const restartsOf = (s: Scenario, manager: string) =>
  s.rollouts(manager).filter((r) => r.kind === 'restart');

/** The restart commands sent to any manager. */
export const restartCommands = (s: Scenario) =>
  s.world.commands.filter((c) => c.documentName.endsWith('-autopilot-restart-manager'));
