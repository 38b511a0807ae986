import { readFileSync, writeFileSync } from 'node:fs';

import { parse, stringify } from 'yaml';

import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import { jobGroup, managerGroup } from '../../rehearsal/example-fleet';
import { loadStack } from '../../rehearsal/router';
import {
  alarmsConfig,
  AMI,
  canaries,
  exampleConfigWith,
  expectPromisesKept,
  isCommandEvent,
  liveManagers,
  secondFleet,
  secondManagerConfig,
  SECOND,
  standardFleet,
  TEMPLATE,
} from './fleet';

/**
 * The whole rollout chain through the real handlers, routed by the synthesized template's rules,
 * against a stateful fake AWS on a virtual clock. Every scenario ends by checking the promises
 * that must always hold: no job killed, never two managers, no permanent failure.
 */

// Tuesday 01:00 UTC: inside the manager's maintenance window (01:00-04:59 UTC), no freeze.
const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';
// Friday 14:00 in Berlin: inside jobs-instance's freeze window (Friday 12:00-23:59 Europe/Berlin).
const FRIDAY_AFTERNOON = '2026-11-06T13:00:00Z';

// A synth per config (cached) and hundreds of invocations per scenario: more than jest's 5 s.
jest.setTimeout(60_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

describe('rollout scenarios', () => {
  it('routes with the rules of the synthesized template', () => {
    const stack = loadStack(alarmsConfig());

    const routes = stack.routes.map(
      (r) => `${r.origin} ${r.bus === 'default' ? 'default' : 'ours'} -> ${r.services.join(',')}`,
    );

    expect(routes).toEqual(
      expect.arrayContaining([
        'template ours -> stage-candidate',
        'template default -> command-status',
        'template ours -> rollback',
        'template ours -> manager-restart',
      ]),
    );
    expect(stack.rates).toEqual(
      expect.arrayContaining([expect.objectContaining({ service: 'reconciler', everyMinutes: 5 })]),
    );
    expect(stack.settings('rollout-step')).toMatchObject({
      scheduler: { targetArn: [...stack.arns.entries()].find(([, s]) => s === 'rollout-step')?.[0] },
    });
  });

  it('routes CloudWatch alarm state changes to rollback with a template rule', () => {
    const stack = loadStack(alarmsConfig());

    const alarmRoutes = stack.routes.filter((r) => r.services.includes('rollback') && r.bus === 'default');

    expect(alarmRoutes.map((r) => r.origin)).toEqual(['template']);
  });

  it('rolls a jobs image out to both job fleets and recycles the manager gracefully', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    const lt = s.world.templateByName(TEMPLATE.jobs);
    expect(lt.defaultVersion).toBe(2);
    expect(lt.versions.map((v) => v.imageId)).toEqual([AMI.jobsOld, AMI.jobsNew]);
    expect(canaries(s.world).map((c) => c.state)).toEqual(['terminated']);
    expect(s.rollout('jobs-docker').state).toBe('done');
    expect(s.busEvents('Candidate Promoted')).toEqual([
      expect.objectContaining({
        fleet: 'jobs-docker',
        fleets: ['jobs-docker', 'jobs-instance'],
        version: 2,
        previousVersion: 1,
      }),
    ]);
    expect(s.busEvents('Rollout Failed')).toEqual([]);
    expect(s.historyOf('jobs-docker')).toEqual([
      expect.stringMatching(/^staged: version 2 from default 1 with ami-0+a002$/),
      expect.stringMatching(/^canary-booting: canary i-\w+ launched from version 2$/),
      expect.stringMatching(/^canary-booting: canary not online yet \(check 1\)$/),
      expect.stringMatching(/^canary-testing: smoke test sent$/),
      'baking: default is now version 2; manager restart requested',
      'done: bake period passed without a rollback alarm',
    ]);
    expect(s.historyOf('manager', 'restart')).toEqual([
      expect.stringMatching(/^\(restart\) awaiting-maintenance: recycle jobs-docker onto version 2$/),
      '(restart) awaiting-maintenance: suspending ReplaceUnhealthy for the drain',
      expect.stringMatching(/^\(restart\) draining: restarting i-\w+ \(running jobs finish first/),
      expect.stringMatching(/^\(restart\) done: restarted i-\w+ gracefully$/),
    ]);
    expect(liveManagers(s.world).map((m) => [m.id, m.runner])).toEqual([[manager.id, 'running']]);
    expectPromisesKept(s);
  });

  it("recycles every manager whose jobs fleets share the promoted template, not only the lead fleet's", async () => {
    // manager-b's two jobs fleets run on the example's jobs template and are recycled too; the
    // first by name of the four fleets on it, jobs-b-docker, leads the rollout.
    const second = secondManagerConfig();
    const config = parse(readFileSync(second.configPath, 'utf8')) as { fleets: Record<string, unknown>[] };
    for (const fleet of config.fleets.filter((f) => f.manager === 'manager-b')) {
      fleet.launchTemplate = TEMPLATE.jobs;
      fleet.rollout = 'recycle';
    }
    writeFileSync(second.configPath, stringify(config));
    const s = new Scenario({ configPath: second.configPath, start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    const jobsLt = s.world.templateByName(TEMPLATE.jobs);
    const managerB = s.world.launchIntoGroup(
      s.world.addGroup(
        managerGroup(SECOND.manager, s.world.addLaunchTemplate(SECOND.managerTemplate, [AMI.managerOld])),
      ),
      { alreadyOnline: true },
    );
    for (const name of [SECOND.jobsInstance, SECOND.jobsDocker]) s.world.addGroup(jobGroup(name, jobsLt));

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    expect(s.rollout('jobs-b-docker')).toMatchObject({
      state: 'done',
      fleets: ['jobs-b-docker', 'jobs-b-instance', 'jobs-docker', 'jobs-instance'],
    });
    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(2);
    expect(s.historyOf('jobs-b-docker')).toContain(
      'baking: default is now version 2; 2 manager restarts requested',
    );
    expect(s.historyOf('manager', 'restart')).toEqual([
      '(restart) awaiting-maintenance: recycle jobs-docker onto version 2',
      '(restart) awaiting-maintenance: suspending ReplaceUnhealthy for the drain',
      expect.stringMatching(/^\(restart\) draining: restarting i-\w+ \(running jobs finish first/),
      `(restart) done: restarted ${manager.id} gracefully`,
    ]);
    expect(s.historyOf('manager-b', 'restart')).toEqual([
      '(restart) awaiting-maintenance: recycle jobs-b-docker, jobs-b-instance onto version 2',
      '(restart) awaiting-maintenance: suspending ReplaceUnhealthy for the drain',
      expect.stringMatching(/^\(restart\) draining: restarting i-\w+ \(running jobs finish first/),
      `(restart) done: restarted ${managerB.id} gracefully`,
    ]);
    expectPromisesKept(s);
  });

  it('replaces the manager with one on the new image after its running job ends', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 45);

    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(2);
    expect(s.rollout('manager').state).toBe('done');
    const [now] = liveManagers(s.world);
    expect(liveManagers(s.world)).toHaveLength(1);
    expect(now?.id).not.toBe(manager.id);
    expect(now?.imageId).toBe(AMI.managerNew);
    expect(now?.runner).toBe('running');
    expect(manager.state).toBe('terminated');
    expect(canaries(s.world).map((c) => c.state)).toEqual(['terminated']);
    expect(s.historyOf('manager')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^canary-testing: smoke test sent$/),
        'awaiting-maintenance: default is now version 2',
        expect.stringMatching(new RegExp(`^draining: draining ${manager.id} `)),
        expect.stringMatching(new RegExp(`^replacing: terminated ${manager.id} through its group`)),
        expect.stringMatching(/^verifying: checking the health of i-\w+$/),
        expect.stringMatching(/^baking: new manager i-\w+ healthy$/),
        'done: bake period passed without a rollback alarm',
      ]),
    );
    expectPromisesKept(s);
  });

  it('drains a manager fleet whose maxJobMinutes is shorter than another manager fleet, with commands SSM accepts', async () => {
    // A drain of up to 255 minutes needs a window that holds it and the replacement's start.
    const second = secondManagerConfig({
      maxJobMinutes: 240,
      maintenanceWindows: [{ periods: ['* 0-5 * * *'], timeZone: 'UTC' }],
    });
    const s = new Scenario({ configPath: second.configPath, start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    const managerB = secondFleet(s.world);
    s.world.startJob(manager.id, 30);

    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet();

    const drains = s.world.commands.filter((c) => c.documentName.endsWith('-autopilot-drain-manager'));
    expect(drains.map((c) => [c.instanceId, c.parameters.DrainTimeoutSeconds])).toEqual(
      expect.arrayContaining([
        [manager.id, [String(120 * 60 + 900)]],
        [managerB.id, [String(240 * 60 + 900)]],
      ]),
    );
    expect(s.rollout('manager').state).toBe('done');
    expect(s.rollout('manager-b').state).toBe('done');
    expect(s.world.templateByName(SECOND.managerTemplate).defaultVersion).toBe(2);
    expect(manager.state).toBe('terminated');
    expectPromisesKept(s);
  });

  it('rejects a candidate whose smoke test fails and leaves the default unchanged', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.world.scripts['smoke-jobs'] = () => ({
      kind: 'fail',
      output: 'docker: permission denied\nRESULT fail: docker as ubuntu',
    });

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    const lt = s.world.templateByName(TEMPLATE.jobs);
    expect(lt.defaultVersion).toBe(1);
    expect(s.rollout('jobs-docker')).toMatchObject({
      state: 'rejected',
      excerpt: expect.stringContaining('RESULT fail'),
    });
    expect(canaries(s.world).map((c) => c.state)).toEqual(['terminated']);
    expect(s.busEvents('Candidate Promoted')).toEqual([]);
    expect(s.busEvents('Rollout Failed')).toEqual([
      expect.objectContaining({ fleet: 'jobs-docker', stage: 'canary-testing', outcome: 'rejected' }),
    ]);
    expect(s.historyOf('jobs-docker').at(-1)).toMatch(
      /^rejected: smoke test failed: command \S+ ended Failed; default stays 1$/,
    );
    expect(s.rollouts('manager')).toEqual([]);
    expectPromisesKept(s);
  });

  it('rejects a candidate whose canary never comes online', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.world.onlineAfter.set(AMI.jobsNew, undefined);

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(1);
    expect(s.rollout('jobs-docker').state).toBe('rejected');
    expect(canaries(s.world).map((c) => c.state)).toEqual(['terminated']);
    expect(s.historyOf('jobs-docker').at(-1)).toMatch(
      /^rejected: canary i-\w+ did not come online in SSM within 15 minutes; default stays 1$/,
    );
    expect(s.busEvents('Rollout Failed')).toEqual([
      expect.objectContaining({ outcome: 'rejected', stage: 'canary-booting' }),
    ]);
    expectPromisesKept(s);
  });

  it('refuses to stage a candidate for a group on $Latest', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world, (g) => {
      g.jobsInstance.launchTemplate.version = '$Latest';
    });

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.jobs).versions).toHaveLength(1);
    expect(canaries(s.world)).toEqual([]);
    expect(s.historyOf('jobs-docker')).toEqual([
      expect.stringMatching(
        /^refused: group gitlab-runner-ao-group launches version "\$Latest", not \$Default/,
      ),
    ]);
    expect(s.busEvents('Rollout Failed')).toEqual([
      expect.objectContaining({ fleet: 'jobs-docker', outcome: 'refused' }),
    ]);
    expectPromisesKept(s);
  });

  it('refuses to stage a manager candidate when the manager group may hold two managers', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world, (g) => {
      g.manager.maxSize = 2;
    });

    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.manager).versions).toHaveLength(1);
    expect(canaries(s.world)).toEqual([]);
    expect(s.historyOf('manager')).toEqual([
      expect.stringMatching(/^refused: manager group gitlab-runner-manager has max size 2/),
    ]);
    expect(s.busEvents('Rollout Failed')).toEqual([
      expect.objectContaining({ fleet: 'manager', outcome: 'refused' }),
    ]);
    expectPromisesKept(s);
  });

  it('refuses to stage a manager candidate when the manager group is gone, saying so', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    // DescribeWarmPool answers a group that does not exist with a ValidationError (contract suite):
    // staging must not ask it for a group DescribeAutoScalingGroups did not find.
    s.world.groups.delete('gitlab-runner-manager');

    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.manager).versions).toHaveLength(1);
    expect(canaries(s.world)).toEqual([]);
    expect(s.historyOf('manager')).toEqual(['refused: group gitlab-runner-manager does not exist']);
    expect(s.busEvents('Rollout Failed')).toEqual([
      expect.objectContaining({ fleet: 'manager', outcome: 'refused' }),
    ]);
  });

  it('makes a recycle wait while a manager rollout holds the lease, then restarts the new manager', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 60);
    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet({ until: () => s.rollouts('manager')[0]?.state === 'draining' });

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    expect(s.rollout('manager').state).toBe('done');
    expect(s.rollout('jobs-docker').state).toBe('done');
    const restart = s.historyOf('manager', 'restart');
    expect(restart).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\(restart\) awaiting-maintenance: lease (of manager )?held by \w+ \(replace\); retry at /,
        ),
        expect.stringMatching(/^\(restart\) done: restarted i-\w+ gracefully$/),
      ]),
    );
    const [now] = liveManagers(s.world);
    expect(restart.at(-1)).toContain(now?.id);
    expect(now?.imageId).toBe(AMI.managerNew);
    expectPromisesKept(s);
  });

  it('rolls the manager back when the new one is unhealthy', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    s.world.scripts['manager-health'] = (_c, instance) =>
      instance?.imageId === AMI.managerNew
        ? { kind: 'fail', output: 'gitlab-runner: inactive\nRESULT fail: service not active' }
        : { kind: 'pass' };

    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(1);
    expect(s.rollout('manager').state).toBe('rolled-back');
    const [now] = liveManagers(s.world);
    expect(liveManagers(s.world)).toHaveLength(1);
    expect(now?.id).not.toBe(manager.id);
    expect(now?.imageId).toBe(AMI.managerOld);
    expect(now?.runner).toBe('running');
    expect(s.historyOf('manager')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rollback-draining: default restored to version 1: new manager unhealthy: /),
        expect.stringMatching(/^rollback-replacing: terminated i-\w+ through its group/),
        expect.stringMatching(/^rolled-back: manager i-\w+ healthy on version 1$/),
      ]),
    );
    expect(s.busEvents('Rollout Failed')).toEqual([
      expect.objectContaining({ fleet: 'manager', outcome: 'rolled-back', stage: 'verifying' }),
    ]);
    expectPromisesKept(s);
  });

  it('rolls a jobs candidate back when a rollback alarm fires while it bakes', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet({ until: () => s.rollouts('jobs-docker')[0]?.state === 'baking' });
    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(2);

    s.world.setAlarm('jobs-docker-errors', 'ALARM');
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(1);
    expect(s.rollout('jobs-docker').state).toBe('rolled-back');
    // jobs-docker (recycle) was recycled onto version 2 already: its manager restarts again.
    expect(s.historyOf('jobs-docker').at(-1)).toBe(
      'rolled-back: default restored to version 1: alarm jobs-docker-errors is ALARM; manager restart requested',
    );
    expect(s.historyOf('manager', 'restart')).toEqual(
      expect.arrayContaining([
        '(restart) awaiting-maintenance: recycle jobs-docker back onto version 1 after the rollback of version 2',
        expect.stringMatching(/^\(restart\) done: restarted i-\w+ gracefully$/),
      ]),
    );
    expect(
      s
        .rollouts('manager')
        .filter((r) => r.kind === 'restart')
        .map((r) => r.state),
    ).toEqual(['done', 'done']);
    expect(s.busEvents('Rollout Failed')).toEqual([
      expect.objectContaining({ fleet: 'jobs-docker', outcome: 'rolled-back', stage: 'baking' }),
    ]);
    expectPromisesKept(s);
  });

  it('does not roll back a finished rollout when the alarm fires after the bake period', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();
    expect(s.rollout('jobs-docker').state).toBe('done');

    s.world.setAlarm('jobs-docker-errors', 'ALARM');
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(2);
    expect(s.rollout('jobs-docker').state).toBe('done');
    expect(s.busEvents('Rollout Failed')).toEqual([]);
    expectPromisesKept(s);
  });

  it('rolls back a finished rollout when a person asks, and only the latest one', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    s.putOnOurBus('Rollback Requested', { fleet: 'jobs-docker', reason: 'ops', idempotencyKey: 'cli:1' });
    await s.runUntilQuiet();
    s.putOnOurBus('Rollback Requested', {
      fleet: 'jobs-docker',
      reason: 'ops again',
      idempotencyKey: 'cli:2',
    });
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(1);
    expect(s.rollout('jobs-docker').state).toBe('rolled-back');
    expect(s.busEvents('Rollout Failed')).toHaveLength(1);
    expectPromisesKept(s);
  });

  it('restores the default at once but replaces the manager only in its next window when an alarm fires by day', async () => {
    const config = exampleConfigWith('long-bake', (c) => {
      for (const fleet of c.fleets as {
        name: string;
        role: string;
        rollbackAlarms?: string[];
        bakePeriodMinutes?: number;
      }[]) {
        fleet.rollbackAlarms = [`${fleet.name}-errors`];
        if (fleet.role === 'manager') fleet.bakePeriodMinutes = 12 * 60;
      }
    });
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: config });
    standardFleet(s.world);
    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet({ until: () => s.rollouts('manager')[0]?.state === 'baking' });
    s.setTime(new Date('2026-11-03T10:00:00Z'));
    const drainsBefore = s.world.commands.filter((c) => c.documentName.endsWith('drain-manager')).length;

    s.world.setAlarm('manager-errors', 'ALARM');
    await s.runUntilQuiet({ until: () => s.rollout('manager').state === 'rollback-draining' });
    await s.runUntilQuiet({ until: () => Date.now() >= Date.parse('2026-11-04T00:59:00Z') });

    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(1);
    expect(s.world.commands.filter((c) => c.documentName.endsWith('drain-manager'))).toHaveLength(
      drainsBefore,
    );
    await s.runUntilQuiet();
    const rollbackDrain = s.world.commands.filter((c) => c.documentName.endsWith('drain-manager'))[
      drainsBefore
    ];
    expect(rollbackDrain?.requestedAt).toBeGreaterThanOrEqual(Date.parse('2026-11-04T01:00:00Z'));
    expect(s.rollout('manager').state).toBe('rolled-back');
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerOld]);
    expectPromisesKept(s);
  });

  it('rolls a manager candidate back when a rollback alarm fires while it bakes', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    standardFleet(s.world);
    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet({ until: () => s.rollouts('manager')[0]?.state === 'baking' });

    s.world.setAlarm('manager-errors', 'ALARM');
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(1);
    expect(s.rollout('manager').state).toBe('rolled-back');
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerOld]);
    expect(s.historyOf('manager')).toEqual(
      expect.arrayContaining([
        'rollback-draining: default restored to version 1: alarm manager-errors is ALARM',
        expect.stringMatching(/^rolled-back: manager i-\w+ healthy on version 1$/),
      ]),
    );
    expectPromisesKept(s);
  });

  it("rolls back when the alarm of a fleet that shares the lead fleet's template fires", async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet({ until: () => s.rollouts('jobs-docker')[0]?.state === 'baking' });

    s.world.setAlarm('jobs-instance-errors', 'ALARM');
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(1);
    expect(s.rollout('jobs-docker').state).toBe('rolled-back');
    expectPromisesKept(s);
  });

  it('defers a promotion inside a freeze window and promotes at its end', async () => {
    const s = new Scenario({ start: FRIDAY_AFTERNOON });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet({ until: () => s.rollouts('jobs-docker')[0]?.state === 'promotion-deferred' });
    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(1);

    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(2);
    expect(s.rollout('jobs-docker').state).toBe('done');
    expect(canaries(s.world).map((c) => c.state)).toEqual(['terminated']);
    expect(s.historyOf('jobs-docker')).toEqual(
      expect.arrayContaining([
        'promotion-deferred: passed inside a freeze window; promotion at 2026-11-06T23:00:00.000Z',
        'baking: default is now version 2; manager restart requested',
        'done: bake period passed without a rollback alarm',
      ]),
    );
    expect(s.busEvents('Candidate Promoted')).toHaveLength(1);
    expect(s.historyOf('manager', 'restart').at(-1)).toMatch(/^\(restart\) done: /);
    expectPromisesKept(s);
  });

  it.each(['sequential', 'concurrent'] as const)(
    'rolls out once when every event is delivered twice (%s)',
    async (duplicate) => {
      const s = new Scenario({ start: TUESDAY_NIGHT, duplicate });
      const { manager } = standardFleet(s.world);
      s.world.startJob(manager.id, 20);

      s.imageReady('manager', AMI.managerNew);
      s.imageReady('jobs', AMI.jobsNew);
      await s.runUntilQuiet();

      expect(s.rollout('manager').state).toBe('done');
      expect(s.rollout('jobs-docker').state).toBe('done');
      expect(s.world.templateByName(TEMPLATE.manager).versions).toHaveLength(2);
      expect(s.world.templateByName(TEMPLATE.jobs).versions).toHaveLength(2);
      expect(canaries(s.world)).toHaveLength(2);
      // At-least-once: a concurrent duplicate may announce a promotion twice, never two promotions.
      expect(new Set(s.busEvents('Candidate Promoted').map((e) => e.candidateId)).size).toBe(2);
      expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerNew]);
      const drains = s.world.commands.filter((c) => c.documentName.endsWith('drain-manager'));
      expect(drains).toHaveLength(1);
      expectPromisesKept(s);
    },
  );

  it('finishes a manager rollout whose drain status event was lost', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, drop: isCommandEvent('drain-manager') });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 30);

    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet();

    expect(s.dropped).toHaveLength(1);
    expect(s.rollout('manager').state).toBe('done');
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerNew]);
    expect(s.invocations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: 'reconciler', result: expect.stringContaining('reconciled') }),
      ]),
    );
    expectPromisesKept(s);
  });

  it('finishes a jobs rollout whose smoke status event was lost', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, drop: isCommandEvent('smoke-jobs') });
    standardFleet(s.world);

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    expect(s.dropped).toHaveLength(1);
    expect(s.rollout('jobs-docker').state).toBe('done');
    expectPromisesKept(s);
  });

  it.each([1, 2, 3])('rolls out both images with 20%% of AWS calls throttled (seed %i)', async (seed) => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 25);
    s.world.setThrottling(0.2, seed);

    s.imageReady('manager', AMI.managerNew);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    expect(s.world.throttledAttempts).toBeGreaterThan(10);
    expect(s.rollout('manager').state).toBe('done');
    expect(s.rollout('jobs-docker').state).toBe('done');
    expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerNew]);
    expectPromisesKept(s);
  });

  it.each([1, 2, 3])(
    'rolls out both images when 5%% of AWS calls fail even after the SDK retries (seed %i)',
    async (seed) => {
      const s = new Scenario({ start: TUESDAY_NIGHT });
      const { manager } = standardFleet(s.world);
      s.world.startJob(manager.id, 25);
      s.world.setSurfacedThrottling(0.05, seed);

      s.imageReady('manager', AMI.managerNew);
      s.imageReady('jobs', AMI.jobsNew);
      await s.runUntilQuiet();

      expect(s.world.throttledCalls).toBeGreaterThan(0);
      expect(s.rollout('manager').state).toBe('done');
      expect(s.rollout('jobs-docker').state).toBe('done');
      expect(liveManagers(s.world).map((m) => m.imageId)).toEqual([AMI.managerNew]);
      // Retries and the reconciler repeat steps; the client tokens and checks keep them single.
      expect(s.world.templateByName(TEMPLATE.jobs).versions).toHaveLength(2);
      expect(s.world.templateByName(TEMPLATE.manager).versions).toHaveLength(2);
      expect(s.world.violations).toEqual([]);
    },
  );

  it('alerts once when an IaC apply puts the default back after a rollout, and leaves it', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();
    expect(s.rollout('jobs-docker').state).toBe('done');

    // `terraform apply` without lifecycle ignore_changes restores the version it knows.
    s.world.templateByName(TEMPLATE.jobs).defaultVersion = 1;
    await s.reconcileNow();
    await s.reconcileNow();

    expect(s.busEvents('Rollout Failed')).toEqual([
      expect.objectContaining({
        fleet: 'jobs-docker',
        outcome: 'default-reverted',
        reason: expect.stringContaining('version 1, not the promoted 2'),
      }),
    ]);
    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(1);
    expect(s.historyOf('jobs-docker').at(-1)).toContain(
      'an infrastructure-as-code apply probably put it back',
    );
    expectPromisesKept(s);
  });

  it('still alerts a default put back after a rollout when a later candidate was rejected', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();
    s.world.scripts['smoke-jobs'] = () => ({ kind: 'fail', output: 'RESULT fail: docker as ubuntu' });
    s.imageReady('jobs', 'ami-0000000000000a003', 2);
    await s.runUntilQuiet();
    expect(s.rollouts('jobs-docker').map((r) => r.state)).toEqual(
      expect.arrayContaining(['done', 'rejected']),
    );

    s.world.templateByName(TEMPLATE.jobs).defaultVersion = 1;
    await s.reconcileNow();

    expect(s.busEvents('Rollout Failed')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          outcome: 'default-reverted',
          reason: expect.stringContaining('version 1, not the promoted 2'),
        }),
      ]),
    );
    expectPromisesKept(s);
  });

  it('never terminates a manager while a job runs on it, and never runs two managers', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    const long = s.world.startJob(manager.id, 110);
    s.world.startJob(manager.id, 15);
    const seen = new Set<number>();

    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet({
      until: () => {
        seen.add(liveManagers(s.world).length);
        return false;
      },
    });

    expect(manager.state).toBe('terminated');
    const terminatedAt = s.invocations.find((i) =>
      i.result.includes(`terminated ${manager.id} through its group`),
    )?.at;
    expect(Date.parse(terminatedAt ?? '')).toBeGreaterThanOrEqual(long.endsAt);
    expect([...seen].sort()).toEqual([0, 1]);
    expect(s.rollout('manager').state).toBe('done');
    expectPromisesKept(s);
  });

  it('rolls back a manager candidate promoted but not yet rolled out without touching the manager', async () => {
    // Tuesday 10:00 UTC: promoted in the day, the replacement waits for the night window.
    const s = new Scenario({ start: '2026-11-03T10:00:00Z', configPath: alarmsConfig() });
    const { manager } = standardFleet(s.world);
    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet({ until: () => s.rollouts('manager')[0]?.state === 'awaiting-maintenance' });
    s.world.startJob(manager.id, 30);

    s.world.setAlarm('manager-errors', 'ALARM');
    await s.runUntilQuiet();

    expect(s.world.templateByName(TEMPLATE.manager).defaultVersion).toBe(1);
    expect(s.rollout('manager').state).toBe('rolled-back');
    // The running manager is on the previous version already: nothing to drain or replace, and
    // certainly not outside its maintenance window.
    expect(s.world.commands.filter((c) => c.documentName.endsWith('drain-manager'))).toEqual([]);
    expect(liveManagers(s.world).map((m) => m.id)).toEqual([manager.id]);
    expectPromisesKept(s);
  });
});
