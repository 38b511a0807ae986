import { type RehearsalOptions, rehearse } from '../../rehearsal/night';
import { nightWindow } from '../../rehearsal/night-window';
import type { RehearsalResult, TimelineEntry } from '../../rehearsal/result';
import { summaryLines, timelineLines } from '../../rehearsal/terminal';

/**
 * Rehearsals of the example config through the real handlers, rules and fakes: the timeline's
 * key decisions, in the logs' words, and the safety figures.
 */

const EXAMPLE = 'config/example.yaml';

const night = (given: Parameters<typeof nightWindow>[0], extra: Partial<RehearsalOptions> = {}) => {
  const w = nightWindow(given, new Date('2026-12-01T00:00:00Z'));
  return rehearse({ configPath: EXAMPLE, from: w.from, until: w.until, pushes: w.pushes, ...extra });
};

/** `HH:MM service words` for the entries of one service, in order. */
const decisions = (r: RehearsalResult, service: string): string[] =>
  r.timeline
    .filter((e: TimelineEntry) => e.service === service)
    .map((e) => `${e.at.slice(11, 16)} ${e.said.join('; ')}`);

const expectSafe = (r: RehearsalResult) => {
  expect(r.safety.jobsKilled).toBe(0);
  expect(r.safety.mostManagers).toEqual({ 'gitlab-runner-manager': 1 });
  expect(r.safety.violations).toEqual([]);
  expect(r.ok).toBe(true);
};

const figures = (r: RehearsalResult, fleet: string) => r.fleets.find((f) => f.fleet === fleet);

describe('a rehearsal of the example config', () => {
  it('bakes the job image at 02:00 on a Tuesday night and promotes it on both job fleets, after its canary', async () => {
    const r = await night({ night: '2026-12-08' });

    expect(decisions(r, 'start-bake')).toEqual(['02:00 started jobs: schedule at 2026-12-09T02:00:00Z']);
    expect(decisions(r, 'stage-candidate')).toEqual([
      expect.stringMatching(
        /^02:55 staged jobs-docker staged -> canary-booting: canary i-\w+ launched from version 2$/,
      ),
    ]);
    expect(decisions(r, 'command-status')).toContain(
      '03:01 advanced jobs-docker canary-testing -> baking: default is now version 2; manager restart requested',
    );
    expect(decisions(r, 'rollout-step')).toContain(
      '04:01 advanced jobs-docker baking -> done: bake period passed without a rollback alarm',
    );
    // The recycle fleet's manager restart needs 120 minutes of window left: tomorrow's.
    expect(decisions(r, 'manager-restart')).toEqual([
      '03:01 unchanged manager stays awaiting-maintenance: waiting for the maintenance window at 2026-12-10T01:00:00.000Z',
    ]);
    expect(figures(r, 'jobs-docker')).toMatchObject({ bakes: 1, candidates: 1, promotions: 1, rollbacks: 0 });
    expect(figures(r, 'jobs-instance')).toMatchObject({ bakes: 1, candidates: 1, promotions: 1 });
    expect(figures(r, 'manager')).toMatchObject({ bakes: 0, candidates: 0, promotions: 0, drains: 0 });
    expect(r.safety.rolloutsUnfinished).toBe(1);
    expectSafe(r);
    expect(r.apiCalls['start-bake']).toEqual({ ListImagePipelineImages: 1, StartImagePipelineExecution: 1 });
  }, 120_000);

  it('holds a Friday afternoon push of the job image in the freeze window until midnight in Berlin', async () => {
    const r = await night({ night: '2026-12-11', push: ['Fri 14:00'] });

    expect(decisions(r, 'gitlab-webhook')).toEqual([
      '14:00 queued push to platform/runner-images main (00000000) matched rule runner-images',
    ]);
    expect(decisions(r, 'command-status')).toContain(
      '15:01 advanced jobs-docker canary-testing -> promotion-deferred: passed inside a freeze window; promotion at 2026-12-11T23:00:00.000Z',
    );
    expect(decisions(r, 'rollout-step')).toContain(
      '23:00 advanced jobs-docker promotion-deferred -> baking: default is now version 2; manager restart requested',
    );
    const promoted = r.timeline.filter((e) => e.said.some((s) => s.includes('default is now version 2')));
    expect(promoted.map((e) => e.at)).toEqual(['2026-12-11T23:00:00.000Z']);
    // The push baked the manager image too: its replacement waits for the 01:00 UTC window.
    // Its drain waits for the manager's running jobs.
    expect(decisions(r, 'command-status')).toContainEqual(
      expect.stringMatching(/^01:\d\d advanced manager verifying -> baking: new manager i-\w+ healthy$/),
    );
    expect(figures(r, 'manager')).toMatchObject({ bakes: 1, promotions: 1, drains: 2, replacements: 1 });
    expectSafe(r);
  }, 120_000);
});

describe('a rehearsal with a scripted fault', () => {
  it('--fail bake: the build fails, nothing is staged and nothing promoted', async () => {
    const r = await night({ night: '2026-12-08' }, { fail: ['bake'] });

    expect(decisions(r, 'start-bake')).toEqual(['02:00 started jobs: schedule at 2026-12-09T02:00:00Z']);
    expect(decisions(r, 'image-state')).toEqual([
      '02:55 bake-failed jobs: Image Builder: the test phase failed (component smoke-test: exit status 1)',
    ]);
    expect(decisions(r, 'stage-candidate')).toEqual([]);
    expect(r.fleets.every((f) => f.promotions === 0 && f.candidates === 0)).toBe(true);
    expectSafe(r);
  }, 120_000);

  it('--fail canary: the canary never comes online, the candidate is rejected and the default stays', async () => {
    const r = await night({ night: '2026-12-08' }, { fail: ['canary'] });

    // Its checks find it offline until the reconciler sees the boot deadline pass.
    expect(decisions(r, 'rollout-step')).toContain(
      '03:09 unchanged jobs-docker stays canary-booting: canary not online yet (check 7)',
    );
    expect(decisions(r, 'reconciler').filter((d) => d.includes('-> rejected'))).toEqual([
      expect.stringMatching(
        /^03:10 reconciled jobs-docker canary-booting -> rejected: canary i-\w+ did not come online in SSM within 15 minutes; default stays 1$/,
      ),
    ]);
    expect(figures(r, 'jobs-docker')).toMatchObject({ candidates: 1, promotions: 0 });
    expectSafe(r);
  }, 120_000);

  it('--fail smoke: the smoke test fails, the candidate is rejected and the default stays', async () => {
    const r = await night({ night: '2026-12-08' }, { fail: ['smoke'] });

    expect(decisions(r, 'command-status')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^03:01 advanced jobs-docker canary-testing -> rejected: smoke test failed: command \S+ ended Failed; default stays 1$/,
        ),
      ]),
    );
    expect(figures(r, 'jobs-docker')).toMatchObject({ candidates: 1, promotions: 0 });
    expectSafe(r);
  }, 120_000);

  it('--fail health: the new manager fails its health check and the manager rolls back to the old image', async () => {
    const r = await night({ night: '2026-12-08', push: ['Tue 20:00'] }, { fail: ['health'] });

    expect(decisions(r, 'command-status')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^01:\d\d advanced manager rollback-verifying -> rolled-back: manager i-\w+ healthy on version 1$/,
        ),
      ]),
    );
    const manager = r.rollouts.filter((x) => x.fleet === 'manager' && x.kind === 'rollout');
    expect(manager.map((x) => x.states.map((h) => h.state))).toEqual([
      expect.arrayContaining([
        'verifying',
        'rollback-draining',
        'rollback-replacing',
        'rollback-verifying',
        'rolled-back',
      ]),
    ]);
    expect(manager[0]?.states.at(-1)?.state).toBe('rolled-back');
    expect(figures(r, 'manager')).toMatchObject({ rollbacks: 1 });
    expectSafe(r);
  }, 120_000);
});

describe('the terminal output', () => {
  it('prints one line per decision and folds the reconciler finding nothing to do into a count', async () => {
    const r = await night({ night: '2026-12-08' });

    const lines = timelineLines(r);
    expect(lines).toContain(
      '12-09 02:00  start-bake       started jobs: schedule at 2026-12-09T02:00:00Z  [schedule cron(0 2 * * ? *)]',
    );
    expect(lines.filter((l) => l.includes(' reconciler ')).length).toBeLessThan(
      r.timeline.filter((e) => e.service === 'reconciler').length,
    );
    expect(lines).toContainEqual(expect.stringMatching(/reconciler +reconciled \(x\d+, until 12-09 08:00\)/));
    const summary = summaryLines(r);
    expect(summary).toContain('  jobs killed: 0 (must be 0) ok');
    expect(summary).toContain('  most managers at once: 1 in gitlab-runner-manager (must be 1) ok');
    expect(summary).toContainEqual(expect.stringMatching(/^jobs-docker +1 +1 +1 +0 +0 +\d+$/));
  }, 120_000);

  it('marks a broken safety figure BROKEN', () => {
    const broken: RehearsalResult = {
      config: EXAMPLE,
      from: '2026-12-08T18:00:00.000Z',
      until: '2026-12-09T08:00:00.000Z',
      faults: [],
      timeline: [],
      instances: [],
      rollouts: [],
      fleets: [],
      alerts: [],
      apiCalls: {},
      jobs: { started: 3, finished: 1, waitingAtEnd: 0 },
      safety: {
        jobsKilled: 2,
        mostManagers: { 'gitlab-runner-manager': 2 },
        rolloutsUnfinished: 0,
        violations: ['rollout-step terminated i-1 while 2 job(s) ran on it (job-1, job-2)'],
      },
      ok: false,
    };

    const summary = summaryLines(broken);

    expect(summary).toContain('  jobs killed: 2 (must be 0) BROKEN');
    expect(summary).toContain('  most managers at once: 2 in gitlab-runner-manager (must be 1) BROKEN');
    expect(summary).toContain(
      '  BROKEN: rollout-step terminated i-1 while 2 job(s) ran on it (job-1, job-2)',
    );
  });
});
