import { type Candidate, type Plan, planConfig } from '../../../cli/plan/plan';
import { planText } from '../../../cli/plan/render';
import { exampleWith, fleetIn, FRIDAY, twoManagersOnOneJobsTemplate } from './example-config';

/** The lines of one zone's section of the text, from its heading to the next blank line. */
const section = (text: string, heading: string): string[] => {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no section "${heading}" in:\n${text}`);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
};

/** The lines of one day of a section: its events, without the day's heading. */
const day = (lines: readonly string[], heading: string): string[] => {
  const start = lines.indexOf(`  ${heading}`);
  if (start < 0) throw new Error(`no day "${heading}" in:\n${lines.join('\n')}`);
  const next = lines.findIndex((l, i) => i > start && /^ {2}\S/.test(l));
  return lines.slice(start + 1, next < 0 ? undefined : next);
};

const candidates = (plan: Plan, pipeline: string): Candidate[] =>
  plan.events.flatMap((e) => (e.kind === 'bake' && e.bake.pipeline === pipeline ? e.bake.candidates : []));

const kinds = (plan: Plan) => plan.findings.map((f) => f.kind);

describe('planConfig, the example config', () => {
  const plan = planConfig(exampleWith(), FRIDAY, 7);
  const text = planText(plan);
  const utc = section(text, 'In UTC (manager, jobs-docker):');
  const berlin = section(text, 'In Europe/Berlin (jobs-instance):');

  it('bakes jobs every night at 02:00 UTC and stages one candidate on its launch template for both jobs fleets', () => {
    const nights = candidates(plan, 'jobs');

    expect(nights.map((c) => c.bake.at.toISOString())).toEqual([
      '2026-12-05T02:00:00.000Z',
      '2026-12-06T02:00:00.000Z',
      '2026-12-07T02:00:00.000Z',
      '2026-12-08T02:00:00.000Z',
      '2026-12-09T02:00:00.000Z',
      '2026-12-10T02:00:00.000Z',
      '2026-12-11T02:00:00.000Z',
    ]);
    expect(new Set(nights.map((c) => c.launchTemplate))).toEqual(new Set(['gitlab-runner-autoscaler']));
    expect(nights[0]?.fleets.map((f) => f.name)).toEqual(['jobs-docker', 'jobs-instance']);
    expect(day(utc, 'Sat 2026-12-05')).toContain(
      '    02:00        pipeline jobs bakes (schedule "0 2 * * *" UTC); at about 02:55 its image is staged as a candidate on launch template gitlab-runner-autoscaler for jobs-docker (recycle; its canary settings apply) and jobs-instance (natural)',
    );
  });

  it('bakes the manager image on Sunday at 02:30 UTC, a candidate on its own launch template', () => {
    const sunday = candidates(plan, 'manager');

    expect(sunday.map((c) => [c.bake.at.toISOString(), c.launchTemplate])).toEqual([
      ['2026-12-06T02:30:00.000Z', 'gitlab-runner-manager'],
    ]);
    expect(day(utc, 'Sun 2026-12-06')).toContain(
      '    02:30        pipeline manager bakes (schedule "30 2 * * 0" UTC); at about 03:25 its image is staged as a candidate on launch template gitlab-runner-manager for manager (replaced in a maintenance window)',
    );
  });

  it('promotes the nightly jobs candidate at about 03:01, and the recycle restart lands in the next night’s window', () => {
    const saturday = day(utc, 'Sat 2026-12-05');

    expect(saturday).toContain(
      '    about 03:01  the candidate of the 02:00 bake of jobs passes its canary and becomes the default of gitlab-runner-autoscaler: jobs-instance takes it at its next launches (natural) and jobs-docker (recycle) is replaced by a graceful restart of manager Sun 01:00 (by then the window until 05:00 has about 119 of the 145 min a drain needs); rolled back if the runner system-failure alarm of manager fires within 60 min',
    );
    expect(day(utc, 'Sun 2026-12-06')).toContain(
      '    01:00        manager restarts gracefully (running jobs finish), as asked when the candidate of the Sat 02:00 bake of jobs was promoted: every job instance of jobs-docker is replaced from the default of gitlab-runner-autoscaler',
    );
  });

  it("shows tonight's restart from last night's bake, which the plan's first night carries", () => {
    expect(day(utc, 'Sat 2026-12-05').slice(0, 2)).toEqual([
      '    01:00        start of a maintenance window of manager until 05:00: a drain or restart may start until 02:37',
      '    01:00        manager restarts gracefully (running jobs finish), as asked when the candidate of the Fri 02:00 bake of jobs was promoted: every job instance of jobs-docker is replaced from the default of gitlab-runner-autoscaler',
    ]);
  });

  it('says when manager drains may start in each maintenance window: until 145 min before its end', () => {
    const windows = plan.events.filter((e) => e.kind === 'maintenance-window');

    expect(windows.map((e) => e.at.toISOString())).toEqual([
      '2026-12-05T01:00:00.000Z',
      '2026-12-06T01:00:00.000Z',
      '2026-12-07T01:00:00.000Z',
      '2026-12-08T01:00:00.000Z',
      '2026-12-09T01:00:00.000Z',
      '2026-12-10T01:00:00.000Z',
      '2026-12-11T01:00:00.000Z',
    ]);
    expect(plan.throughout.map((t) => t.sentence)).toContain(
      'A drain, replacement or restart of manager fleet manager starts only inside a maintenance window ("* 1-4 * * *" UTC) that still holds 145 min: the drain bound of 135 (maxJobMinutes 120 + 15) and 10 for the replacement to start; running jobs finish first.',
    );
  });

  it("replaces the manager in Monday's window after Sunday's bake, sharing it with the recycle restart", () => {
    const monday = day(utc, 'Mon 2026-12-07');

    expect(day(utc, 'Sun 2026-12-06')).toContain(
      '    about 03:31  the candidate of the 02:30 bake of manager passes its canary and becomes the default of gitlab-runner-manager; manager is drained and replaced Mon 01:00 (by then the window until 05:00 has about 89 of the 145 min a drain needs), and rolled back if the runner system-failure alarm of manager fires within 60 min of its replacement',
    );
    expect(monday).toContain(
      '    01:00        manager is drained (running jobs finish) and replaced from the candidate of the Sun 02:30 bake of manager, the default of gitlab-runner-manager since about Sun 03:31; the drain for the candidate of the Sun 02:00 bake of jobs is due at the same time: they take the lease of manager one at a time, and the second waits for the next window if too little of this one is left',
    );
    expect(monday).toContain(
      '    01:00        manager restarts gracefully (running jobs finish), as asked when the candidate of the Sun 02:00 bake of jobs was promoted: every job instance of jobs-docker is replaced from the default of gitlab-runner-autoscaler; the drain for the candidate of the Sun 02:30 bake of manager is due at the same time: they take the lease of manager one at a time, and the second waits for the next window if too little of this one is left',
    );
  });

  it('never holds the nightly bake with the Friday freeze (12-23 Europe/Berlin): it promotes at about 04:01 Berlin', () => {
    const friday = day(berlin, 'Fri 2026-12-11');

    expect(candidates(plan, 'jobs').every((c) => c.promotion.kind === 'now')).toBe(true);
    expect(friday).toEqual([
      '    03:00        pipeline jobs bakes (schedule "0 2 * * *" UTC); at about 03:55 its image is staged as a candidate on launch template gitlab-runner-autoscaler for jobs-docker (recycle; its canary settings apply) and jobs-instance (natural)',
      '    about 04:01  the candidate of the 03:00 bake of jobs passes its canary and becomes the default of gitlab-runner-autoscaler: jobs-instance takes it at its next launches (natural) and jobs-docker (recycle) is replaced by a graceful restart of manager Sat 02:00 (by then the window until 06:00 has about 119 of the 145 min a drain needs); rolled back if the runner system-failure alarm of manager fires within 60 min',
      '    12:00        start of the freeze windows of jobs-instance: nothing is promoted on gitlab-runner-autoscaler until Sat 00:00; no candidate passes its canary in it',
    ]);
    expect(day(berlin, 'Fri 2026-12-04')).toEqual([
      '    15:00        inside the freeze windows of jobs-instance: nothing is promoted on gitlab-runner-autoscaler until Sat 00:00; no candidate passes its canary in it',
    ]);
  });

  it('runs the drift check nightly at 03:15 UTC', () => {
    expect(plan.events.filter((e) => e.kind === 'drift-check')).toHaveLength(7);
    expect(day(utc, 'Sat 2026-12-05')).toContain(
      '    03:15        drift check of the live config.toml of manager against the published one (report only)',
    );
  });

  it('says once what runs all the time: sweeps, the reconciler, housekeeping, webhook bakes', () => {
    expect(section(text, 'Throughout:')).toEqual([
      '  Nothing is promoted on launch template gitlab-runner-autoscaler inside the freeze windows of jobs-instance ("* 12-23 * * 5" Europe/Berlin): a candidate whose canary passes inside one is promoted when it ends.',
      '  A drain, replacement or restart of manager fleet manager starts only inside a maintenance window ("* 1-4 * * *" UTC) that still holds 145 min: the drain bound of 135 (maxJobMinutes 120 + 15) and 10 for the replacement to start; running jobs finish first.',
      '  The fleet sweeper runs every 5 minutes: idle, stuck, orphaned and outdated instances become metrics and alarms.',
      '  The reconciler runs every 5 minutes and advances a rollout whose expected event never came.',
      '  Housekeeping runs daily at 03:30 UTC: old launch template versions and unused AMIs are only reported (dryRun).',
      "  A push matching webhook rule runner-images (platform/runner-images) bakes jobs, manager at any time, as `runner-autopilot bake` does: its candidates take the same path as a scheduled bake's, from their own time.",
    ]);
  });

  it('warns of nothing, and notes that every recycle lands a window later, with what would change it', () => {
    expect(plan.findings).toEqual([
      {
        severity: 'note',
        kind: 'recycle-next-night',
        fleets: ['manager', 'jobs-docker'],
        windows: ['"* 1-4 * * *" UTC'],
        message:
          'jobs-docker is not recycled in the maintenance window after the promotion of a candidate, but in the one after: the candidate of a 02:00 UTC bake of pipeline jobs is promoted at about 03:01 UTC, when the maintenance window of manager (until 05:00 UTC) has about 119 min left, less than the 145 min: the drain bound of 135 (maxJobMinutes 120 + 15) and 10 for the replacement to start. To recycle the same night, bake by about 01:36 UTC or end the window later.',
      },
    ]);
    expect(text).toContain('\nWarnings: none.\n');
  });

  it('does not note the recycle when the bake leaves the night enough time', () => {
    const early = planConfig(
      exampleWith((raw) => {
        raw.pipelines[0].schedule.cron = '30 1 * * *';
      }),
      FRIDAY,
      7,
    );

    expect(kinds(early)).toEqual([]);
    expect(
      candidates(early, 'jobs').map((c) => c.maintenance.map((m) => m.at?.toISOString().slice(11, 16))),
    ).toEqual(Array(7).fill(['02:31']));
  });
});

describe('planConfig, a freeze that holds a promotion back', () => {
  // A freeze over Saturday's small hours (UTC): the 02:00 bake's canary passes inside it.
  const config = exampleWith((raw) => {
    fleetIn(raw, 'jobs-instance').freezeWindows = [{ periods: ['* 0-5 * * 6'], timeZone: 'UTC' }];
  });
  const plan = planConfig(config, FRIDAY, 7);
  const saturday = day(
    section(planText(plan), 'In UTC (manager, jobs-instance, jobs-docker):'),
    'Sat 2026-12-05',
  );

  it('holds the candidate until the freeze ends at 06:00, then promotes it', () => {
    const held = candidates(plan, 'jobs')[0];

    expect(held?.promotion).toEqual({ kind: 'wait', until: new Date('2026-12-05T06:00:00Z') });
    expect(held?.promotedAt).toEqual(new Date('2026-12-05T06:00:00Z'));
    expect(saturday).toEqual([
      '    00:00        start of the freeze windows of jobs-instance: nothing is promoted on gitlab-runner-autoscaler until 06:00; it holds back the candidate of the 02:00 bake of jobs',
      '    01:00        start of a maintenance window of manager until 05:00: a drain or restart may start until 02:37',
      '    01:00        manager restarts gracefully (running jobs finish), as asked when the candidate of the Fri 02:00 bake of jobs was promoted: every job instance of jobs-docker is replaced from the default of gitlab-runner-autoscaler',
      '    02:00        pipeline jobs bakes (schedule "0 2 * * *" UTC); at about 02:55 its image is staged as a candidate on launch template gitlab-runner-autoscaler for jobs-docker (recycle; its canary settings apply) and jobs-instance (natural)',
      '    about 03:01  the candidate of the 02:00 bake of jobs passes its canary inside a freeze window of jobs-instance: its promotion on gitlab-runner-autoscaler waits until 06:00',
      '    03:15        drift check of the live config.toml of manager against the published one (report only)',
      '    06:00        the candidate of the 02:00 bake of jobs, held by the freeze, becomes the default of gitlab-runner-autoscaler: jobs-instance takes it at its next launches (natural) and jobs-docker (recycle) is replaced by a graceful restart of manager Sun 01:00; rolled back if the runner system-failure alarm of manager fires within 60 min',
    ]);
  });

  it('holds only the night the freeze covers', () => {
    expect(candidates(plan, 'jobs').map((c) => c.promotion.kind)).toEqual([
      'wait',
      'now',
      'now',
      'now',
      'now',
      'now',
      'now',
    ]);
  });

  it('promotes only the newest of two candidates a freeze held until the same moment', () => {
    // Two bakes a night, both inside a freeze that ends at 06:00.
    const twice = planConfig(
      exampleWith((raw) => {
        raw.pipelines[0].schedule.cron = '0 1,2 * * 6';
        fleetIn(raw, 'jobs-instance').freezeWindows = [{ periods: ['* 0-5 * * 6'], timeZone: 'UTC' }];
      }),
      FRIDAY,
      1,
    );
    const [older, newer] = candidates(twice, 'jobs');

    expect(older?.promotedAt).toEqual(newer?.promotedAt);
    expect(older?.supersededBy?.at).toEqual(new Date('2026-12-05T02:00:00Z'));
    expect(older?.maintenance).toEqual([]);
    expect(newer?.maintenance.map((m) => m.at)).toEqual([new Date('2026-12-06T01:00:00Z')]);
  });
});

describe('planConfig, windows that never let a rollout through', () => {
  it('warns when every maintenance window is shorter than the drain bound, and nothing is ever drained', () => {
    const plan = planConfig(
      exampleWith((raw) => {
        fleetIn(raw, 'manager').maintenanceWindows = [{ periods: ['* 1 * * *'], timeZone: 'UTC' }];
      }),
      FRIDAY,
      7,
    );
    const text = planText(plan);

    expect(plan.findings).toEqual([
      {
        severity: 'warning',
        kind: 'maintenance-window-too-short',
        fleets: ['manager', 'jobs-docker'],
        windows: ['"* 1 * * *" UTC'],
        message:
          'no maintenance window of manager fleet manager ("* 1 * * *" UTC) is long enough for a drain, which needs 145 min: the drain bound of 135 (maxJobMinutes 120 + 15) and 10 for the replacement to start; the longest is 60 min. So manager is never drained: its own candidates are promoted but the rollout fails before its replacement, jobs-docker (recycle) is never recycled and a config change that needs a restart is never applied. Lengthen a window to at least 145 min, or lower maxJobMinutes (the drain bound is maxJobMinutes + 15 min).',
      },
    ]);
    expect(
      plan.events.filter((e) => e.kind === 'manager-restart' || e.kind === 'manager-replacement'),
    ).toEqual([]);
    expect(text).toContain(
      '    01:00        start of a maintenance window of manager until 02:00: too short for a drain, which needs 145 min',
    );
    expect(text).toContain(
      'jobs-docker (recycle) is never recycled: no maintenance window of manager is long enough (see warnings)',
    );
    expect(text).toContain('manager is never drained: no maintenance window is long enough (see warnings)');
  });

  it('warns when a manager fleet has no maintenance window at all', () => {
    const plan = planConfig(
      exampleWith((raw) => {
        fleetIn(raw, 'manager').maintenanceWindows = [];
      }),
      FRIDAY,
      7,
    );

    expect(plan.findings.map((f) => [f.kind, f.message])).toEqual([
      [
        'no-maintenance-window',
        'manager fleet manager has no maintenance window, so manager is never drained: its own candidates are promoted but the rollout fails before its replacement, jobs-docker (recycle) is never recycled and a config change that needs a restart is never applied. Add a maintenance window of at least 145 min: the drain bound of 135 (maxJobMinutes 120 + 15) and 10 for the replacement to start.',
      ],
    ]);
  });

  it('warns when a freeze covers every maintenance window, and says the drain happens inside it anyway', () => {
    const plan = planConfig(
      exampleWith((raw) => {
        fleetIn(raw, 'manager').freezeWindows = [{ periods: ['* 0-5 * * *'], timeZone: 'UTC' }];
      }),
      FRIDAY,
      7,
    );
    const [manager] = candidates(plan, 'manager');

    expect(plan.findings.filter((f) => f.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        kind: 'freeze-covers-maintenance',
        fleets: ['manager'],
        windows: ['"* 1-4 * * *" UTC', '"* 0-5 * * *" UTC'],
        message:
          'every maintenance window of manager fleet manager ("* 1-4 * * *" UTC) lies inside the freeze windows of manager ("* 0-5 * * *" UTC). A freeze holds only promotions, never a drain: a candidate is promoted when a freeze ends, and the manager is then drained and replaced in its next maintenance window, inside the freeze. If nothing may change during the freeze, move the maintenance windows out of it; to hold drains for a while, use `runner-autopilot freeze`.',
      },
    ]);
    // What the functions do: promoted at the freeze's end, drained in the next (frozen) window.
    expect(manager?.promotedAt).toEqual(new Date('2026-12-06T06:00:00Z'));
    expect(manager?.maintenance.map((m) => m.at)).toEqual([new Date('2026-12-07T01:00:00Z')]);
  });

  it('warns when a freeze never ends: nothing is promoted on its template', () => {
    const plan = planConfig(
      exampleWith((raw) => {
        fleetIn(raw, 'jobs-instance').freezeWindows = [{ periods: ['* * * * *'], timeZone: 'UTC' }];
      }),
      FRIDAY,
      1,
    );
    const text = planText(plan);

    expect(plan.findings.map((f) => [f.kind, f.message])).toEqual([
      [
        'freeze-never-ends',
        'the freeze windows of jobs-instance on launch template gitlab-runner-autoscaler do not end within a month of Fri 2026-12-04 14:00 UTC: nothing is promoted on gitlab-runner-autoscaler, and a candidate whose canary passes inside them fails ("a freeze window never ends within a month"). Narrow the freeze windows so that they end.',
      ],
    ]);
    expect(candidates(plan, 'jobs').map((c) => c.promotedAt)).toEqual([undefined]);
    expect(text).toContain(
      '    about 03:01  the candidate of the 02:00 bake of jobs passes its canary inside a freeze window of jobs-instance that does not end within a month: the rollout fails and nothing is promoted (see warnings)',
    );
  });
});

describe('planConfig, one jobs template recycled by two managers', () => {
  const plan = planConfig(twoManagersOnOneJobsTemplate(), FRIDAY, 2);
  const utc = section(planText(plan), 'In UTC (manager, jobs-docker, manager-b, jobs-b):');

  it('restarts each manager for its own recycle fleets, in its own window (promotion.ts asks each)', () => {
    const [first] = candidates(plan, 'jobs');

    expect(first?.fleets.map((f) => f.name)).toEqual(['jobs-b', 'jobs-docker', 'jobs-instance']);
    expect(
      first?.maintenance.map((m) => [m.manager.name, m.recycled.map((f) => f.name), m.at?.toISOString()]),
    ).toEqual([
      ['manager-b', ['jobs-b'], '2026-12-05T03:01:00.000Z'],
      ['manager', ['jobs-docker'], '2026-12-06T01:00:00.000Z'],
    ]);
    expect(day(utc, 'Sat 2026-12-05')).toContain(
      '    about 03:01  the candidate of the 02:00 bake of jobs passes its canary and becomes the default of gitlab-runner-autoscaler: jobs-instance takes it at its next launches (natural), jobs-b (recycle) is replaced by a graceful restart of manager-b right away, inside its maintenance window and jobs-docker (recycle) is replaced by a graceful restart of manager Sun 01:00 (by then the window until 05:00 has about 119 of the 145 min a drain needs); rolled back if the runner system-failure alarm of manager-b or the runner system-failure alarm of manager fires within 60 min',
    );
    expect(day(utc, 'Sat 2026-12-05')).toContain(
      '    about 03:01  manager-b restarts gracefully (running jobs finish), as asked when the candidate of the 02:00 bake of jobs was promoted: every job instance of jobs-b is replaced from the default of gitlab-runner-autoscaler',
    );
    expect(day(utc, 'Sun 2026-12-06')).toContain(
      '    01:00        manager restarts gracefully (running jobs finish), as asked when the candidate of the Sat 02:00 bake of jobs was promoted: every job instance of jobs-docker is replaced from the default of gitlab-runner-autoscaler',
    );
  });

  it('notes the late recycle of the manager whose window the promotion misses, and not of the other', () => {
    const notes = plan.findings.filter((f) => f.kind === 'recycle-next-night');

    expect(notes.map((f) => f.fleets)).toEqual([['manager', 'jobs-docker']]);
  });
});
