import './quiet-logs';

import fc from 'fast-check';

import { keyOf } from '../../rehearsal/document-table';
import { endScenario, Scenario } from '../../rehearsal/driver';
import { GROUP, liveManagers, standardFleet, TEMPLATE } from './fleet';
import { nightArbitrary, nightCount, nightsConfig, playNight, Watch } from './nights';
import { loadStack } from '../../rehearsal/router';

/**
 * Issue 9's randomized scenario test: generated nights through the real handlers, checked after
 * every delivered event and at each night's end (test/scenarios/nights.ts says what a night is
 * and what is checked). `ROLLOUT_NIGHTS=<n>` plays more nights; `ROLLOUT_SEED=<seed>` and
 * `ROLLOUT_PATH=<path>`, both printed on a failure, replay the failing night and its shrinking.
 */

const NIGHTS = nightCount(500);
const SEED = process.env.ROLLOUT_SEED ? Number(process.env.ROLLOUT_SEED) : undefined;
const PATH = process.env.ROLLOUT_PATH;
/**
 * Nights cost ~0.1 s each here (one synth first, ~15 s). Past this, fast-check stops: a failing
 * run ends its shrinking with the smallest night found so far; a passing run that did not play
 * every night fails, so a slow machine cannot quietly test less. 500 nights fit in 3 minutes.
 */
const TIME_LIMIT_MS = Math.max(150_000, NIGHTS * 300);
const config = nightsConfig();

jest.setTimeout(TIME_LIMIT_MS + 60_000);

beforeAll(() => {
  loadStack(config);
});

describe('randomized rollout nights', () => {
  it(`keeps every promise over ${NIGHTS} generated nights`, async () => {
    const details = await fc.check(
      fc.asyncProperty(nightArbitrary, async (night) => {
        const { scenario, failures } = await playNight(config, night);
        if (failures.length > 0) {
          throw new Error(['', ...failures.map((f) => `* ${f}`), scenario.report()].join('\n'));
        }
      }),
      {
        numRuns: NIGHTS,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(PATH === undefined ? {} : { path: PATH }),
      },
    );

    if (details.failed) {
      // fast-check's report names the seed, the path and the shrunk night; the night's own error
      // (what broke, then s.report()) follows it.
      const night = details.errorInstance instanceof Error ? details.errorInstance.message : '';
      throw new Error(`${fc.defaultReportMessage(details) ?? ''}\n${night}`);
    }
    if (details.numRuns < NIGHTS)
      throw new Error(
        `only ${details.numRuns} of ${NIGHTS} nights ran within ${TIME_LIMIT_MS / 1000} s (seed ${details.seed})`,
      );
  });
});

describe('the checks of a night', () => {
  afterEach(endScenario);

  const scenario = (): Scenario => {
    const s = new Scenario({ configPath: config, start: '2026-11-03T01:00:00Z' });
    standardFleet(s.world);
    return s;
  };

  it('stop the night when a second manager runs a runner on the same job groups', () => {
    const s = scenario();
    const watch = new Watch(s);

    s.world.launchIntoGroup(s.world.group(GROUP.manager), { alreadyOnline: true });

    expect(() => watch.step()).toThrow(/two runners in gitlab-runner-manager/);
  });

  it('stop the night when a manager is terminated while a job runs on it', () => {
    const s = scenario();
    const watch = new Watch(s);
    const [manager] = liveManagers(s.world);
    s.world.startJob(manager!.id, 30);

    s.world.terminateInstanceInAutoScalingGroup({
      InstanceId: manager!.id,
      ShouldDecrementDesiredCapacity: false,
    });

    expect(() => watch.step()).toThrow(/terminated i-\w+ while 1 job\(s\) ran on it/);
  });

  it('find a default moved below a promoted version nobody rolled back, and where it ends', () => {
    const s = scenario();
    const watch = new Watch(s);
    const lt = s.world.templateByName(TEMPLATE.jobs);
    lt.versions.push({ ...lt.versions[0]!, number: 2 }, { ...lt.versions[0]!, number: 3 });
    const promote = (version: number) => {
      s.world.putEventsCall({
        Entries: [
          {
            Source: 'runner-autopilot',
            DetailType: 'Candidate Promoted',
            Detail: JSON.stringify({
              candidateId: `c${version}`,
              launchTemplateId: lt.id,
              version,
              previousVersion: lt.defaultVersion,
            }),
          },
        ],
      });
      lt.defaultVersion = version;
      watch.step();
    };
    promote(2);
    promote(3);

    lt.defaultVersion = 1;
    watch.step();
    watch.finish();

    expect(watch.failures).toEqual([
      expect.stringMatching(/moved 3 -> 1, older than version 3, promoted and never rolled back$/),
      expect.stringMatching(/the default of gitlab-runner-autoscaler ends at 1, not 3/),
    ]);
  });

  it('find a rollout left in a live state and a lease still held', () => {
    const s = scenario();
    const watch = new Watch(s);
    s.world.table.set(keyOf({ pk: 'FLEET#manager', sk: 'ROLLOUT#c1' }), {
      pk: 'FLEET#manager',
      sk: 'ROLLOUT#c1',
      kind: 'rollout',
      state: 'rollback-draining',
      history: [],
    });
    s.world.table.set(keyOf({ pk: 'FLEET#manager', sk: 'LEASE' }), {
      pk: 'FLEET#manager',
      sk: 'LEASE',
      holder: 'c1',
      action: 'rollback',
      expiresAt: '2026-11-03T05:00:00.000Z',
    });

    watch.step();
    watch.finish();

    expect(watch.failures).toEqual([
      'FLEET#manager/ROLLOUT#c1 (rollout) ends in rollback-draining, not a final state',
      'FLEET#manager/LEASE still held by c1 (rollback) until 2026-11-03T05:00:00.000Z',
    ]);
  });
});
