import { brakeLedger, freezeCommand } from '../../cli/commands/freeze';
import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import { loadStack } from '../../rehearsal/router';
import {
  alarmsConfig,
  AMI,
  expectPromisesKept,
  restartCommands,
  restartsOf,
  runBounded,
  standardFleet,
  TEMPLATE,
} from './fleet';

/**
 * A rolled-back jobs candidate restarts, in their windows, the managers that already recycled
 * their fleets onto it (recycleBack in rollout/rollback.ts). From an adversarial review.
 */

const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';
const REASON = 'INC-7: bad jobs image';

jest.setTimeout(120_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

describe('recycling back after a jobs rollback', () => {
  it('restarts again when the rollback lands while the promotion restart drains: one more drain, never a job lost', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    const { manager } = standardFleet(s.world);
    // A job keeps the promotion's graceful restart draining for an hour.
    s.world.startJob(manager.id, 60);
    s.imageReady('jobs', AMI.jobsNew);
    await runBounded(s, 6 * 60, () => restartsOf(s, 'manager')[0]?.state === 'draining');
    expect(s.rollout('jobs-docker').state).toBe('baking');
    expect(restartCommands(s).map((c) => c.status)).toEqual(['InProgress']);

    s.world.setAlarm('jobs-docker-errors', 'ALARM');
    await runBounded(s, 24 * 60);
    const restoredAt = Date.parse(s.rollout('jobs-docker').stateSince);

    // The runner of a draining restart starts when its drain ends, here after the restore, so its
    // job instances come from version 1 already. But the rollback cannot tell that from the item,
    // which learns the command's end only from its status event: it asks for a restart back
    // whenever the first one began. That costs a second drain in the window, never a running job.
    // Reading the command's invocation would spare the drain (a gap noted for the team).
    expect({
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      rollout: s.rollout('jobs-docker').state,
      firstRestartEndedAfterRestore: Date.parse(restartsOf(s, 'manager')[0]?.stateSince ?? '') > restoredAt,
      restarts: restartsOf(s, 'manager').length,
      restartCommands: restartCommands(s).length,
    }).toEqual({
      default: 1,
      rollout: 'rolled-back',
      firstRestartEndedAfterRestore: true,
      restarts: 2,
      restartCommands: 2,
    });
    expectPromisesKept(s);
  });

  it('does not hold the restart back onto the restored default with the emergency brake (rollbacks are never held)', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await runBounded(s, 6 * 60, () => restartsOf(s, 'manager')[0]?.state === 'done');
    expect(s.rollout('jobs-docker').state).toBe('baking');

    // An incident: the operator freezes everything, and the jobs image's alarm fires.
    const brake = await freezeCommand(
      { target: 'all', until: '6h', reason: REASON, who: 'alice' },
      {
        ledger: await brakeLedger(s.tableName),
        now: new Date(Date.now()),
        print: () => undefined,
        fleets: ['manager', 'jobs-instance', 'jobs-docker'],
      },
    );
    s.world.setAlarm('jobs-docker-errors', 'ALARM');
    await runBounded(s, 12 * 60, () => Date.now() >= Date.parse(brake.until) - 60_000);

    // The recycled job instances still run the bad version 2 until the restart back runs.
    expect({
      rollout: s.rollout('jobs-docker').state,
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      restartBack: restartsOf(s, 'manager').map((r) => [r.state, r.history.at(-1)?.note]),
      held: s
        .busEvents('Rollout Failed')
        .filter((e) => e.outcome === 'held')
        .map((e) => String(e.fleet)),
    }).toEqual({
      rollout: 'rolled-back',
      default: 1,
      restartBack: [
        ['done', expect.stringMatching(/^restarted i-\w+ gracefully$/)],
        ['done', expect.stringMatching(/^restarted i-\w+ gracefully$/)],
      ],
      held: [],
    });
  });

  it('still asks for the restart back when the rollback dies after restoring the default (Lambda retry)', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await runBounded(s, 6 * 60, () => restartsOf(s, 'manager')[0]?.state === 'done');
    // Dies right after its Rollout Failed alert, after the restore, before the restart request.
    s.world.crashAfter('PutEvents', 1);
    s.world.setAlarm('jobs-docker-errors', 'ALARM');
    await runBounded(s, 24 * 60);

    expect({
      crashed: s.world.crashed.length,
      rollout: s.rollout('jobs-docker').state,
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      restarts: restartsOf(s, 'manager').map((r) => r.state),
    }).toEqual({ crashed: 1, rollout: 'rolled-back', default: 1, restarts: ['done', 'done'] });
  });

  it('does not lose the rollback (and its restart back) when every retry dies after the restore and the alarm clears', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig() });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await runBounded(s, 6 * 60, () => restartsOf(s, 'manager')[0]?.state === 'done');
    s.world.crashAfter('PutEvents', 3);
    s.world.setAlarm('jobs-docker-errors', 'ALARM');
    await runBounded(s, 10, () => s.failureQueue.length > 0);
    s.world.setAlarm('jobs-docker-errors', 'OK');
    await runBounded(s, 3 * 24 * 60);

    expect({
      failureQueue: s.failureQueue.length,
      default: s.world.templateByName(TEMPLATE.jobs).defaultVersion,
      rollout: s.rollout('jobs-docker').state,
      restarts: restartsOf(s, 'manager').map((r) => r.state),
    }).toEqual({ failureQueue: 1, default: 1, rollout: 'rolled-back', restarts: ['done', 'done'] });
  });

  it.each(['concurrent', 'sequential'] as const)(
    'asks each manager once for its restart back when every event is delivered twice (%s)',
    async (duplicate) => {
      const s = new Scenario({ start: TUESDAY_NIGHT, configPath: alarmsConfig(), duplicate });
      standardFleet(s.world);
      s.imageReady('jobs', AMI.jobsNew);
      await runBounded(s, 6 * 60, () => restartsOf(s, 'manager')[0]?.state === 'done');
      s.world.setAlarm('jobs-docker-errors', 'ALARM');
      await runBounded(s, 24 * 60);
      expect({
        rollout: s.rollout('jobs-docker').state,
        restarts: restartsOf(s, 'manager').map((r) => r.state),
        commands: restartCommands(s).length,
        violations: s.world.violations,
      }).toEqual({ rollout: 'rolled-back', restarts: ['done', 'done'], commands: 2, violations: [] });
    },
  );

  it('leaves a restart not begun alone: it runs in the window after the restore, once', async () => {
    const s = new Scenario({ start: '2026-11-03T10:00:00Z', configPath: alarmsConfig() });
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    await runBounded(
      s,
      6 * 60,
      () =>
        restartsOf(s, 'manager')[0]?.state === 'awaiting-maintenance' &&
        s.rollout('jobs-docker').state === 'baking',
    );
    s.world.setAlarm('jobs-docker-errors', 'ALARM');
    await runBounded(s, 2 * 24 * 60);
    expect({
      note: s.historyOf('jobs-docker').at(-1),
      restarts: restartsOf(s, 'manager').map((r) => r.state),
    }).toEqual({
      note: 'rolled-back: default restored to version 1: alarm jobs-docker-errors is ALARM',
      restarts: ['done'],
    });
  });
});
