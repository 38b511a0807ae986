import { readFileSync, writeFileSync } from 'node:fs';

import { parse, stringify } from 'yaml';

import { brakeLedger, freezeCommand } from '../../cli/commands/freeze';
import { planConfig } from '../../cli/plan/plan';
import { parseSuiteConfig } from '../../functions/shared/config';
import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import { jobGroup, managerGroup } from '../../rehearsal/example-fleet';
import { loadStack } from '../../rehearsal/router';
import {
  AMI,
  expectPromisesKept,
  restartCommands,
  restartsOf,
  rollbackAlarmsOf,
  SECOND,
  secondManagerConfig,
  standardFleet,
  TEMPLATE,
} from './fleet';

/**
 * One jobs template recycled by two managers: manager-b's two jobs fleets are moved onto the
 * example's jobs template (recycled), so the rollout's lead is jobs-b-docker and manager's fleets
 * (jobs-docker, jobs-instance) are not the lead. Found by an adversarial review of the change that
 * restarts every such manager; each of its findings is one of these tests.
 */

const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';

jest.setTimeout(60_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

/** The two-manager config with manager-b's jobs fleets on the jobs template (recycle); `change` edits it. */
const sharedTemplateConfig = (
  change: (fleets: Record<string, unknown>[]) => void = () => undefined,
  managerB: Record<string, unknown> = {},
): string => {
  const second = secondManagerConfig(managerB);
  const config = parse(readFileSync(second.configPath, 'utf8')) as { fleets: Record<string, unknown>[] };
  for (const fleet of config.fleets.filter((f) => f.manager === 'manager-b')) {
    fleet.launchTemplate = TEMPLATE.jobs;
    fleet.rollout = 'recycle';
  }
  change(config.fleets);
  writeFileSync(second.configPath, stringify(config));
  return second.configPath;
};

const worldOf = (s: Scenario) => {
  const { manager } = standardFleet(s.world);
  const jobsLt = s.world.templateByName(TEMPLATE.jobs);
  const managerB = s.world.launchIntoGroup(
    s.world.addGroup(
      managerGroup(SECOND.manager, s.world.addLaunchTemplate(SECOND.managerTemplate, [AMI.managerOld])),
    ),
    { alreadyOnline: true },
  );
  for (const name of [SECOND.jobsInstance, SECOND.jobsDocker]) s.world.addGroup(jobGroup(name, jobsLt));
  return { manager, managerB };
};

describe('one jobs template recycled by two managers', () => {
  it('rolls back at once when the system-failure alarm of the manager whose fleets do not lead the template fires during the bake', async () => {
    const s = new Scenario({ configPath: sharedTemplateConfig(), start: TUESDAY_NIGHT });
    worldOf(s);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet({ until: () => s.rollouts('jobs-b-docker')[0]?.state === 'baking' });
    const promotedAt = Date.now();
    // manager's system-failure alarm: the default rollback alarm of manager, jobs-docker and jobs-instance.
    const alarm = rollbackAlarmsOf(s, 'jobs-docker').find((a) =>
      a.endsWith('-manager-runner-system-failures'),
    );

    s.world.setAlarm(alarm as string, 'ALARM');
    await s.runUntilQuiet({
      until: () => s.rollout('jobs-b-docker').state === 'rolled-back',
      maxMinutes: 120,
    });

    expect({
      note: s.historyOf('jobs-b-docker').at(-1),
      withinTenMinutes: Date.parse(s.rollout('jobs-b-docker').stateSince) - promotedAt < 10 * 60_000,
    }).toEqual({
      // Both managers had begun their restarts onto version 2: both restart again.
      note: `rolled-back: default restored to version 1: alarm ${alarm} is ALARM; 2 manager restarts requested`,
      withinTenMinutes: true,
    });
  });

  it('rolls back when that alarm fires for 20 minutes of the bake and then clears', async () => {
    const s = new Scenario({ configPath: sharedTemplateConfig(), start: TUESDAY_NIGHT });
    worldOf(s);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet({ until: () => s.rollouts('jobs-b-docker')[0]?.state === 'baking' });
    const alarm = rollbackAlarmsOf(s, 'jobs-docker').find((a) =>
      a.endsWith('-manager-runner-system-failures'),
    );
    const clearAt = Date.now() + 20 * 60_000;

    s.world.setAlarm(alarm as string, 'ALARM');
    await s.runUntilQuiet({ until: () => Date.now() >= clearAt });
    s.world.setAlarm(alarm as string, 'OK');
    await s.runUntilQuiet();

    expect({
      state: s.rollout('jobs-b-docker').state,
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
    }).toEqual({ state: 'rolled-back', default: 1 });
  });

  it('rolls back the shared candidate when a person asks for a fleet that does not lead the template', async () => {
    const s = new Scenario({ configPath: sharedTemplateConfig(), start: TUESDAY_NIGHT });
    worldOf(s);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();
    expect(s.rollout('jobs-b-docker').state).toBe('done');

    // `runner-autopilot rollback jobs-docker`: the CLI accepts any configured fleet.
    s.putOnOurBus('Rollback Requested', { fleet: 'jobs-docker', reason: 'ops', idempotencyKey: 'cli:1' });
    await s.runUntilQuiet();

    expect({
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      state: s.rollout('jobs-b-docker').state,
    }).toEqual({ default: 1, state: 'rolled-back' });
  });

  it('requests one restart per manager when PutEvents fails one of the two restart requests, and retries', async () => {
    const s = new Scenario({ configPath: sharedTemplateConfig(), start: TUESDAY_NIGHT });
    const { manager, managerB } = worldOf(s);
    const put = s.world.putEventsCall.bind(s.world);
    let failed = 0;
    s.world.putEventsCall = (input) => {
      const entries = input.Entries ?? [];
      if (
        failed === 0 &&
        entries.length === 2 &&
        entries.every((e) => e.DetailType === 'Manager Restart Requested')
      ) {
        failed += 1;
        const first = put({ ...input, Entries: entries.slice(0, 1) });
        return {
          FailedEntryCount: 1,
          Entries: [
            ...(first.Entries ?? []),
            { ErrorCode: 'InternalFailure', ErrorMessage: 'fake: try again' },
          ],
        };
      }
      return put(input);
    };

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    expect(failed).toBe(1);
    expect({
      lead: s.rollout('jobs-b-docker').state,
      manager: restartsOf(s, 'manager').map((r) => `${r.state} ${r.history.at(-1)?.note}`),
      managerB: restartsOf(s, 'manager-b').map((r) => `${r.state} ${r.history.at(-1)?.note}`),
    }).toEqual({
      lead: 'done',
      manager: [`done restarted ${manager.id} gracefully`],
      managerB: [`done restarted ${managerB.id} gracefully`],
    });
    expectPromisesKept(s);
  });

  it('requests one restart per manager when the promotion dies right after the default changed, and is retried', async () => {
    const s = new Scenario({ configPath: sharedTemplateConfig(), start: TUESDAY_NIGHT });
    worldOf(s);
    s.world.crashAfter('ModifyLaunchTemplate');

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    expect(s.world.crashed).toHaveLength(1);
    expect({
      lead: s.rollout('jobs-b-docker').state,
      previous: (s.rollout('jobs-b-docker') as { previousDefault?: number }).previousDefault,
      manager: restartsOf(s, 'manager').map((r) => r.state),
      managerB: restartsOf(s, 'manager-b').map((r) => r.state),
      restartCommands: s.world.commands.filter((c) => c.documentName.endsWith('restart-manager')).length,
    }).toEqual({ lead: 'done', previous: 1, manager: ['done'], managerB: ['done'], restartCommands: 2 });
    expectPromisesKept(s);
  });

  const LATE_WINDOW = { maintenanceWindows: [{ periods: ['* 3-6 * * *'], timeZone: 'UTC' }] };
  const freeze = async (s: Scenario, target: string, until: string) =>
    freezeCommand(
      { target, until, reason: 'INC-7', who: 'alice' },
      {
        ledger: await brakeLedger(s.tableName),
        now: new Date(Date.now()),
        print: () => undefined,
        fleets: ['manager', 'jobs-docker', 'jobs-instance', 'manager-b', 'jobs-b-docker', 'jobs-b-instance'],
      },
    );

  it("holds only the braked manager's restart: the other manager restarts in its own window", async () => {
    const s = new Scenario({
      configPath: sharedTemplateConfig(undefined, LATE_WINDOW),
      start: TUESDAY_NIGHT,
    });
    worldOf(s);
    await freeze(s, 'manager-b', '2026-11-03T05:00:00Z');
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    expect({
      manager: restartsOf(s, 'manager').map((r) => r.state),
      managerB: s.historyOf('manager-b', 'restart').filter((h) => h.includes('emergency brake')).length,
      restartsAt: restartCommands(s).map((c) => new Date(c.requestedAt).toISOString()),
    }).toEqual({
      manager: ['done'],
      managerB: 1,
      // manager right after the promotion; manager-b not at the brake's end (05:00 leaves 120 of the
      // 145 min a drain needs), but in its next window.
      restartsAt: [expect.stringMatching(/^2026-11-03T01:/), '2026-11-04T03:00:00.000Z'],
    });
    expectPromisesKept(s);
  });

  it('still restarts the other manager in its window after the candidate is rolled back (onto the restored default)', async () => {
    const s = new Scenario({
      configPath: sharedTemplateConfig(undefined, LATE_WINDOW),
      start: TUESDAY_NIGHT,
    });
    worldOf(s);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet({ until: () => s.rollouts('jobs-b-docker')[0]?.state === 'baking' });
    const alarm = rollbackAlarmsOf(s, 'jobs-b-docker').find((a) =>
      a.endsWith('-manager-b-runner-system-failures'),
    );
    s.world.setAlarm(alarm as string, 'ALARM');
    await s.runUntilQuiet();

    expect({
      lead: s.rollout('jobs-b-docker').state,
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      manager: restartsOf(s, 'manager').map((r) => r.state),
      managerB: restartsOf(s, 'manager-b').map((r) => r.state),
      managerBAt: restartCommands(s)
        .map((c) => new Date(c.requestedAt).toISOString())
        .at(-1),
    }).toEqual({
      lead: 'rolled-back',
      default: 1,
      // manager had restarted onto version 2, so it restarts again onto 1; manager-b had not begun.
      manager: ['done', 'done'],
      managerB: ['done'],
      managerBAt: '2026-11-03T03:00:00.000Z',
    });
    expectPromisesKept(s);
  });

  it("names a firing alarm once when several fleets of the candidate share it (their manager's system-failure alarm)", async () => {
    const s = new Scenario({ configPath: sharedTemplateConfig(), start: TUESDAY_NIGHT });
    worldOf(s);
    const alarm = rollbackAlarmsOf(s, 'jobs-docker').find((a) =>
      a.endsWith('-manager-runner-system-failures'),
    );
    s.world.setAlarm(alarm as string, 'ALARM');
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet({ until: () => s.rollouts('jobs-b-docker')[0]?.state === 'promotion-deferred' });

    expect(s.historyOf('jobs-b-docker').at(-1)).toBe(
      `promotion-deferred: held: rollback alarm ${alarm} in ALARM; promoting now would roll back at once`,
    );
  });

  it('restarts each manager when the plan says, for the same config (manager-b window 03:00-06:59 UTC)', async () => {
    const configPath = sharedTemplateConfig(undefined, LATE_WINDOW);
    const plan = planConfig(
      parseSuiteConfig(parse(readFileSync(configPath, 'utf8')), configPath),
      new Date('2026-12-05T00:00:00Z'),
      2,
    );
    const planned = plan.events.flatMap((e) =>
      e.kind === 'manager-restart' && e.candidate.bake.at.toISOString() === '2026-12-05T02:00:00.000Z'
        ? [[e.subject, e.at.toISOString().slice(0, 16)]]
        : [],
    );
    expect(planned).toEqual([
      ['manager-b', '2026-12-05T03:01'],
      ['manager', '2026-12-06T01:00'],
    ]);
    // The plan's bake at 02:00 is staged at about 02:55: the scenario's image is ready then.
    const s = new Scenario({ configPath, start: '2026-12-05T02:55:00Z' });
    const { manager, managerB } = worldOf(s);
    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    const owner = new Map([
      [manager.id, 'manager'],
      [managerB.id, 'manager-b'],
    ]);
    const actual = restartCommands(s).map((c) => [
      owner.get(c.instanceId) ?? c.instanceId,
      new Date(c.requestedAt).toISOString().slice(0, 16),
    ]);
    expect(actual).toEqual(planned);
  });

  it('does not leave the candidate the default when the promotion, retried after dying past the default change, finds a rollback alarm firing', async () => {
    let alarm = '';
    const s: Scenario = new Scenario({
      configPath: sharedTemplateConfig(),
      start: TUESDAY_NIGHT,
      // The alarm fires between the crash and Lambda's retry, and stays.
      beforeStep: (sc) => {
        if (sc.world.crashed.length === 1 && !sc.world.alarms.has(alarm)) sc.world.setAlarm(alarm, 'ALARM');
      },
    });
    alarm = rollbackAlarmsOf(s, 'jobs-b-docker').find((a) =>
      a.endsWith('-manager-b-runner-system-failures'),
    ) as string;
    worldOf(s);
    s.world.crashAfter('ModifyLaunchTemplate');

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet({ maxMinutes: 3 * 24 * 60 });

    // The alarm fires for good: whether the candidate ends rejected or rolled back, the template's
    // default must be the previous one again, as the ledger's "default stays 1" says.
    expect({
      state: ['rejected', 'rolled-back'].includes(s.rollout('jobs-b-docker').state),
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
    }).toEqual({ state: true, default: 1 });
  });
});
