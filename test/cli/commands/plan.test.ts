import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stringify } from 'yaml';

import type { PlanJson } from '../../../cli/plan/render';
import { EXAMPLE, runCli } from '../run-cli';

const FROM = ['--from', '2026-12-04T14:00'];

describe('runner-autopilot plan', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plan-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the plan of the config it is given, offline, exit 0', async () => {
    const result = await runCli(['plan', EXAMPLE, ...FROM, '--days', '2']);

    expect(result.code).toBe(0);
    expect(result.err).toEqual([]);
    expect(result.out[0]?.split('\n').slice(0, 2)).toEqual([
      'Plan of deployment gitlab-runners (us-east-2) for 2 days from Fri 2026-12-04 14:00 UTC.',
      'Times after a bake starts are estimates ("about"): a build takes about 55 min, a canary 3 min to come online (seen at its next check) and 2 min for its smoke test, as a rehearsal plays them.',
    ]);
    expect(result.out[0]).toContain(
      '\n    02:00        pipeline jobs bakes (schedule "0 2 * * *" UTC); at about 02:55 its image is staged as a candidate on launch template gitlab-runner-autoscaler',
    );
  });

  it('takes the config from --config and the environment too', async () => {
    const byOption = await runCli(['plan', '--config', EXAMPLE, ...FROM]);
    const byEnv = await runCli(['plan', ...FROM], { env: { RUNNER_AUTOPILOT_CONFIG: EXAMPLE } });

    expect(byOption.code).toBe(0);
    expect(byEnv.out).toEqual(byOption.out);
  });

  it('prints the plan as JSON with --json: ISO times, the zone, kind, subject and sentence of each event', async () => {
    const result = await runCli(['plan', EXAMPLE, ...FROM, '--days', '1', '--json']);
    const plan = JSON.parse(result.out.join('\n')) as PlanJson;

    expect(result.code).toBe(0);
    expect(Object.keys(plan)).toEqual([
      'deployment',
      'region',
      'from',
      'until',
      'days',
      'estimates',
      'zones',
      'events',
      'throughout',
      'warnings',
      'notes',
    ]);
    expect(plan.from).toBe('2026-12-04T14:00:00.000Z');
    expect(plan.until).toBe('2026-12-05T14:00:00.000Z');
    expect(plan.estimates).toEqual({ bakeMinutes: 55, bootMinutes: 3, smokeMinutes: 2 });
    expect(plan.zones).toEqual([
      { zone: 'UTC', fleets: ['manager', 'jobs-docker'] },
      { zone: 'Europe/Berlin', fleets: ['jobs-instance'] },
    ]);
    const bakes = plan.events.filter((e) => e.kind === 'bake');
    expect(bakes).toEqual([
      {
        at: '2026-12-05T02:00:00.000Z',
        zone: 'UTC',
        local: 'Sat 2026-12-05 02:00',
        estimate: false,
        kind: 'bake',
        subject: 'jobs',
        fleets: ['jobs-docker', 'jobs-instance'],
        sentence:
          'pipeline jobs bakes (schedule "0 2 * * *" UTC); at about 02:55 its image is staged as a candidate on launch template gitlab-runner-autoscaler for jobs-docker (recycle; its canary settings apply) and jobs-instance (natural)',
      },
      {
        at: '2026-12-05T02:00:00.000Z',
        zone: 'Europe/Berlin',
        local: 'Sat 2026-12-05 03:00',
        estimate: false,
        kind: 'bake',
        subject: 'jobs',
        fleets: ['jobs-docker', 'jobs-instance'],
        sentence:
          'pipeline jobs bakes (schedule "0 2 * * *" UTC); at about 03:55 its image is staged as a candidate on launch template gitlab-runner-autoscaler for jobs-docker (recycle; its canary settings apply) and jobs-instance (natural)',
      },
    ]);
    expect(plan.events.find((e) => e.kind === 'maintenance-window')).toMatchObject({
      at: '2026-12-05T01:00:00.000Z',
      until: '2026-12-05T05:00:00.000Z',
      zone: 'UTC',
      subject: 'manager',
    });
    expect(plan.warnings).toEqual([]);
    expect(plan.notes.map((n) => n.kind)).toEqual(['recycle-next-night']);
  });

  it('exits 0 with warnings, which it prints after the days', async () => {
    const config = join(dir, 'short-window.yaml');
    const raw = {
      deployment: 'short',
      region: 'us-east-2',
      gitlab: { url: 'https://gitlab.example.com', runnerVersion: '18.6.2' },
      pipelines: [
        { name: 'manager', kind: 'manager', instanceTypes: ['t3.medium'], fleetingPluginVersion: '1.0.0' },
      ],
      fleets: [
        {
          name: 'manager',
          role: 'manager',
          autoScalingGroup: 'manager',
          launchTemplate: 'manager',
          instanceRole: 'manager',
          pipeline: 'manager',
          maintenanceWindows: [{ periods: ['* 1 * * *'] }],
        },
      ],
    };
    writeFileSync(config, stringify(raw));

    const result = await runCli(['plan', config, ...FROM]);

    expect(result.code).toBe(0);
    expect(result.out[0]).toMatch(
      /\nWarnings:\n {2}- no maintenance window of manager fleet manager \("\* 1 \* \* \*" UTC\) is long enough for a drain, which needs 205 min: .*; the longest is 60 min\./,
    );
  });

  it.each([
    [['--days', '0'], '--days 0 is not a whole number of days from 1 to 31'],
    [['--days', '32'], '--days 32 is not a whole number of days from 1 to 31'],
    [['--days', '1.5'], '--days 1.5 is not a whole number of days from 1 to 31'],
    [['--from', 'tonight'], '--from "tonight" is not a time such as 2026-12-11T18:00 (UTC)'],
    [['second.yaml'], "unexpected argument 'second.yaml'"],
  ])('exits 2 on %j with one line and the usage', async (args, message) => {
    const result = await runCli(['plan', EXAMPLE, ...args]);

    expect(result.code).toBe(2);
    expect(result.err).toEqual([
      `runner-autopilot plan: ${message}`,
      'usage: runner-autopilot plan [file] [options]',
    ]);
  });

  it('exits 1 naming every problem of an invalid config', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'deployment: bad\nregion: us-east-2\n');

    const result = await runCli(['plan', config, ...FROM]);

    expect(result.code).toBe(1);
    expect(result.err[0]).toMatch(/^invalid config in .*bad\.yaml:/);
    expect(result.out).toEqual([]);
  });

  it('refuses to run without a config, in one line, exit 1', async () => {
    const result = await runCli(['plan']);

    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      'plan: no config file given: pass --config <file> or set RUNNER_AUTOPILOT_CONFIG',
    ]);
  });

  it('says in --help that warnings keep exit code 0', async () => {
    const result = await runCli(['plan', '--help']);

    expect(result.out.join('\n')).toContain('the exit code stays 0 with warnings');
  });
});
