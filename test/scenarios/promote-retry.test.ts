import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import { jobGroup } from '../../rehearsal/example-fleet';
import { loadStack, type StackModel } from '../../rehearsal/router';
import {
  AMI,
  exampleConfigWith,
  GROUP,
  liveManagers,
  rollbackAlarmsOf,
  standardFleet,
  TEMPLATE,
} from './fleet';

/**
 * A promotion retried after the default changed (it finishes, and a firing alarm rolls it back at
 * once), and a rollback after a deploy changed a template's lead fleet. From an adversarial review.
 */

const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';

jest.setTimeout(60_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

describe('a promotion retried with the candidate already the default', () => {
  it('rolls back at once, not at the bake end, when the retry finds a rollback alarm already firing', async () => {
    let alarm = '';
    let firedAt = 0;
    const s: Scenario = new Scenario({
      start: TUESDAY_NIGHT,
      // The SSM status event that would have retried at once is lost: Lambda's retry comes a minute later.
      drop: (e) =>
        s.world.crashed.length === 1 && e['detail-type'] === 'EC2 Command Status-change Notification',
      // The alarm fires between the crash past ModifyLaunchTemplate and Lambda's retry, and stays.
      beforeStep: (sc) => {
        if (sc.world.crashed.length === 1 && !sc.world.alarms.has(alarm)) {
          sc.world.setAlarm(alarm, 'ALARM');
          firedAt = Date.now();
        }
      },
    });
    alarm = rollbackAlarmsOf(s, 'jobs-docker')[0] as string;
    standardFleet(s.world);
    s.world.crashAfter('ModifyLaunchTemplate');

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet({
      until: () => s.world.templateByName(TEMPLATE.jobs).defaultVersion === 1 && firedAt > 0,
      maxMinutes: 3 * 60,
    });

    expect(s.world.crashed).toHaveLength(1);
    // The candidate is live while its rollback alarm fires: it is rolled back at once (as during a
    // bake, or as a promotion is held), not left for the whole bake period (60 min).
    expect({
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      rolledBackWithin15Minutes: Date.now() - firedAt <= 15 * 60_000,
      note: s.historyOf('jobs-docker').at(-1),
    }).toEqual({
      default: 1,
      rolledBackWithin15Minutes: true,
      note: expect.not.stringContaining('at the end of the bake period'),
    });
  });

  it('does not replace the manager onto a manager candidate whose rollback alarm fired before the retry', async () => {
    let alarm = '';
    const s: Scenario = new Scenario({
      start: TUESDAY_NIGHT,
      drop: (e) =>
        s.world.crashed.length === 1 && e['detail-type'] === 'EC2 Command Status-change Notification',
      beforeStep: (sc) => {
        if (sc.world.crashed.length === 1 && !sc.world.alarms.has(alarm)) sc.world.setAlarm(alarm, 'ALARM');
      },
    });
    alarm = rollbackAlarmsOf(s, 'manager')[0] as string;
    standardFleet(s.world);
    s.world.crashAfter('ModifyLaunchTemplate');

    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet({ maxMinutes: 3 * 24 * 60 });

    expect(s.world.crashed).toHaveLength(1);
    // The rollback alarm fired (and stays) before the manager ever ran the candidate: the default
    // goes back, and the live manager is never replaced by one on the candidate.
    expect({
      default: s.world.templateByName(TEMPLATE.manager).defaultVersion,
      managerImages: liveManagers(s.world).map((m) => m.imageId),
      candidateManagersLaunched: [...s.world.instances.values()].filter(
        (i) => i.group === GROUP.manager && i.imageId === AMI.managerNew,
      ).length,
      drains: s.world.commands.filter((c) => c.documentName.endsWith('-autopilot-drain-manager')).length,
    }).toEqual({ default: 1, managerImages: [AMI.managerOld], candidateManagersLaunched: 0, drains: 0 });
  });
});

describe("a rollback after a fleet joined the template ahead of the rollout's lead", () => {
  // A fleet added to the jobs template (a deploy) whose name sorts first: the template's lead is
  // now jobs-a-docker, while the rollout staged before is kept under jobs-docker.
  const withEarlierFleet = () =>
    exampleConfigWith('earlier-fleet', (config) => {
      const fleets = config.fleets as Record<string, unknown>[];
      const docker = fleets.find((f) => f.name === 'jobs-docker') as Record<string, unknown>;
      fleets.push({
        ...docker,
        name: 'jobs-a-docker',
        autoScalingGroup: 'gitlab-runner-jobs-a-docker',
        rollout: 'natural',
      });
    });

  it("rolls back the template's promoted candidate when a person asks for the fleet it was staged under", async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();
    expect(s.rollout('jobs-docker').state).toBe('done');
    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(2);

    // The deploy that adds jobs-a-docker on the same template.
    s.world.addGroup(jobGroup('gitlab-runner-jobs-a-docker', s.world.templateByName(TEMPLATE.jobs)));
    (s as unknown as { stack: StackModel }).stack = loadStack(withEarlierFleet());

    s.putOnOurBus('Rollback Requested', { fleet: 'jobs-docker', reason: 'ops', idempotencyKey: 'cli:1' });
    await s.runUntilQuiet();

    expect({
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      state: s.rollout('jobs-docker').state,
      rollback: s.invocations.filter((i) => i.service === 'rollback').map((i) => i.result),
    }).toEqual({ default: 1, state: 'rolled-back', rollback: [expect.stringMatching(/^rolled-back/)] });
  });
});
