import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { AutoscalerPolicy } from '../../functions/fleet-sweeper/policy';
import {
  Autoscalers,
  type GroupScaling,
  jobFleetsOf,
  RUNNER_DEFAULTS,
  scalingOf,
} from '../../rehearsal/autoscaler';
import { REAL_TIMERS } from '../../rehearsal/clock';
import { AMI, GROUP, standardFleet } from '../../rehearsal/example-fleet';
import { type FakeInstance, MINUTE, World } from '../../rehearsal/fake-aws';
import { rehearse } from '../../rehearsal/night';
import { defaultJobs, type JobSpec, parseJobsCsv, readJobsCsv } from '../../rehearsal/workload';
import { loadConfig } from '../../infra/load-config';

const EXAMPLE = join(__dirname, '..', '..', 'config', 'example.yaml');

describe('parseJobsCsv', () => {
  it('reads start, duration and fleet per line, skipping comments and blank lines', () => {
    const text = [
      '# tonight, from the CI analytics export',
      'start,duration,fleet',
      '2026-12-08T21:30:00Z,25,jobs-docker',
      '',
      '2026-12-08T23:00:00+01:00, 7.5 ,',
    ].join('\n');

    const jobs = parseJobsCsv(text, 'jobs.csv');

    expect(jobs).toEqual([
      {
        start: new Date('2026-12-08T21:30:00Z'),
        minutes: 25,
        fleet: 'jobs-docker',
        origin: 'jobs.csv line 3',
      },
      { start: new Date('2026-12-08T22:00:00Z'), minutes: 7.5, origin: 'jobs.csv line 5' },
    ]);
  });

  it('takes the columns in any order, fleet left out', () => {
    const jobs = parseJobsCsv('duration,start\r\n12,2026-12-09T01:00Z\r\n', 'jobs.csv');

    expect(jobs).toEqual([
      { start: new Date('2026-12-09T01:00:00Z'), minutes: 12, origin: 'jobs.csv line 2' },
    ]);
  });

  it.each([
    [
      'start,duration\n2026-12-08 21:30,25',
      'jobs.csv line 2: start "2026-12-08 21:30" is not an ISO time with a zone: write it as 2026-12-08T21:30:00Z',
    ],
    [
      'start,duration\n2026-12-08T21:30:00Z,10\n2026-12-08T21:30:00,25',
      'jobs.csv line 3: start "2026-12-08T21:30:00" is not an ISO time with a zone: write it as 2026-12-08T21:30:00Z',
    ],
    [
      'start,duration\n2026-13-45T21:30:00Z,25',
      'jobs.csv line 2: start "2026-13-45T21:30:00Z" is not an ISO time with a zone: write it as 2026-12-08T21:30:00Z',
    ],
    [
      'start,duration\n2026-12-08T21:30:00Z,0',
      'jobs.csv line 2: duration "0" is not a positive number of minutes',
    ],
    [
      'start,duration\n2026-12-08T21:30:00Z,-5',
      'jobs.csv line 2: duration "-5" is not a positive number of minutes',
    ],
    [
      'start,duration\n2026-12-08T21:30:00Z,half an hour',
      'jobs.csv line 2: duration "half an hour" is not a positive number of minutes',
    ],
    [
      'start,duration\n2026-12-08T21:30:00Z,',
      'jobs.csv line 2: duration "" is not a positive number of minutes',
    ],
    [
      'start,duration\n2026-12-08T21:30:00Z,25,jobs-docker',
      'jobs.csv line 2: 3 fields, but the header names 2',
    ],
    [
      '2026-12-08T21:30:00Z,25',
      'jobs.csv line 1: unknown column "2026-12-08t21:30:00z": the first line is the header, naming start, duration and (optionally) fleet',
    ],
    [
      '# jobs\nstart,minutes\n2026-12-08T21:30:00Z,25',
      'jobs.csv line 2: unknown column "minutes": the first line is the header, naming start, duration and (optionally) fleet',
    ],
    [
      'start,fleet\n2026-12-08T21:30:00Z,jobs-docker',
      'jobs.csv line 1: no "duration" column: the header must name start and duration',
    ],
    ['# nothing yet\n\n', 'jobs.csv has no header: write "start,duration" (and ",fleet") first'],
  ])('refuses %j naming the line', (text, message) => {
    expect(() => parseJobsCsv(text, 'jobs.csv')).toThrow(new Error(message));
  });
});

describe('readJobsCsv', () => {
  it('reads a file and names it in each job', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jobs-')), 'night.csv');
    writeFileSync(path, 'start,duration\n2026-12-08T21:30:00Z,25\n');

    const jobs = readJobsCsv(path);

    expect(jobs).toEqual([
      { start: new Date('2026-12-08T21:30:00Z'), minutes: 25, origin: `${path} line 2` },
    ]);
  });

  it('says which file it cannot read', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jobs-')), 'missing.csv');

    expect(() => readJobsCsv(path)).toThrow(
      `cannot read the jobs file ${path}: ENOENT: no such file or directory`,
    );
  });
});

describe('defaultJobs', () => {
  const config = loadConfig(EXAMPLE);
  const from = new Date('2026-12-08T18:00:00Z');
  const until = new Date('2026-12-09T08:00:00Z');

  it('is the same night for the same seed, and another for another seed', () => {
    const first = defaultJobs(config, from, until, 7);

    expect(defaultJobs(config, from, until, 7)).toEqual(first);
    expect(defaultJobs(config, from, until, 8)).not.toEqual(first);
  });

  it('queues more jobs an hour in the evening than at night, each 5-40 minutes, for each jobs fleet', () => {
    const jobs = defaultJobs(config, from, until, 7);
    const inHours = (start: number, end: number) =>
      jobs.filter((j) => j.start.getUTCHours() >= start && j.start.getUTCHours() < end).length;

    expect(inHours(18, 21) / 3).toBeGreaterThan(inHours(0, 5) / 5);
    expect(new Set(jobs.map((j) => j.fleet))).toEqual(new Set(['jobs-instance', 'jobs-docker']));
    expect(jobs.every((j) => j.minutes >= 5 && j.minutes <= 40)).toBe(true);
    expect(jobs.every((j) => j.start >= from && j.start < until)).toBe(true);
  });
});

describe('jobFleetsOf', () => {
  it("reads each jobs fleet's scaling from its manager's config.toml", () => {
    const fleets = jobFleetsOf(loadConfig(EXAMPLE));

    expect(fleets.map((f) => [f.fleet, f.group, f.manager.fleet, f.scaling])).toEqual([
      [
        'jobs-instance',
        GROUP.jobsInstance,
        'manager',
        expect.objectContaining({ capacityPerInstance: 1, maxInstances: 20, maxUseCount: 10, limit: 20 }),
      ],
      [
        'jobs-docker',
        GROUP.jobsDocker,
        'manager',
        expect.objectContaining({ capacityPerInstance: 4, maxInstances: 10, maxUseCount: 50, limit: 40 }),
      ],
    ]);
    expect(fleets[0]?.scaling?.policies.map((p) => [p.periods, p.idleCount, p.idleTimeMinutes])).toEqual([
      [['* * * * *'], 2, 20],
      [['* 8-18 * * mon-fri'], 6, 30],
    ]);
  });

  it("runs the runner's defaults for a manager without a config.toml of ours", () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-runner-config-'));
    const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
    const start = lines.indexOf('    runnerConfig:');
    let end = start + 1;
    while (lines[end]?.startsWith('      ')) end += 1;
    writeFileSync(join(dir, 'fleet.yaml'), [...lines.slice(0, start), ...lines.slice(end)].join('\n'));

    const fleets = jobFleetsOf(loadConfig(join(dir, 'fleet.yaml')));

    expect(start).toBeGreaterThan(0);
    expect(fleets.map((f) => [f.fleet, f.scaling])).toEqual([
      ['jobs-instance', RUNNER_DEFAULTS],
      ['jobs-docker', RUNNER_DEFAULTS],
    ]);
  });
});

describe('scalingOf', () => {
  it('finds no scaling for a group no runner of the config names', () => {
    const text = readFileSync(
      join(__dirname, '..', '..', 'config', 'manager', 'config.toml.tmpl'),
      'utf8',
    ).replaceAll(/\$\{[a-z_]+\}/g, '1');

    expect(scalingOf(text, GROUP.jobsDocker)).toEqual(expect.objectContaining({ capacityPerInstance: 4 }));
    expect(scalingOf(text, 'gitlab-runner-arm')).toBeUndefined();
  });
});

describe('Autoscalers', () => {
  const T0 = Date.parse('2026-12-08T22:00:00Z');
  const always = (idleCount: number, idleTimeMinutes: number): AutoscalerPolicy => ({
    periods: ['* * * * *'],
    timezone: 'UTC',
    idleCount,
    idleTimeMinutes,
    scaleFactor: 0,
    scaleFactorLimit: 0,
  });

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: [...REAL_TIMERS], now: T0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** The example fleet with one job group scaled as `scaling` says, taking `jobs`. */
  const scaled = (scaling: Partial<GroupScaling>, jobs: readonly JobSpec[] = [], keepsInstances = false) => {
    const world = new World();
    const fleet = standardFleet(world);
    const autoscalers = new Autoscalers(
      world,
      [
        {
          fleet: 'jobs-instance',
          group: GROUP.jobsInstance,
          manager: { fleet: 'manager', group: GROUP.manager, keepsInstances },
          scaling: { ...RUNNER_DEFAULTS, ...scaling },
        },
      ],
      jobs,
      { from: T0, until: T0 + 24 * 60 * MINUTE },
    );
    autoscalers.start();
    const live = () =>
      world.groupInstances(GROUP.jobsInstance).filter((i) => i.state === 'pending' || i.state === 'running');
    return { world, manager: fleet.manager, autoscalers, live };
  };
  const job = (minute: number, minutes: number): JobSpec => ({
    start: new Date(T0 + minute * MINUTE),
    minutes,
    fleet: 'jobs-instance',
  });

  /** Lets the clock run to `minute` after T0, firing what falls due. */
  const runTo = (world: World, minute: number): void => {
    const until = T0 + minute * MINUTE;
    for (let next = world.nextTimerAt(); next !== undefined && next <= until; next = world.nextTimerAt()) {
      jest.setSystemTime(Math.max(next, Date.now()));
      world.fireDueTimers();
    }
    jest.setSystemTime(until);
  };
  const jobsOn = (instances: readonly FakeInstance[]) => instances.map((i) => i.jobs.length);

  it('keeps 2 idle instances for idle_count 2 at capacity 1, however long they idle', () => {
    const { world, live } = scaled({ policies: [always(2, 20)] });

    runTo(world, 120);

    expect(live()).toHaveLength(2);
    expect(world.group(GROUP.jobsInstance).desiredCapacity).toBe(2);
  });

  it('counts idle_count in job slots: 2 idle slots at capacity 4 are one instance', () => {
    const { world, live } = scaled({ capacityPerInstance: 4, policies: [always(2, 20)] });

    runTo(world, 30);

    expect(live()).toHaveLength(1);
  });

  it('launches for queued jobs and the idle slots, then removes the surplus idle for idle_time', () => {
    const { world, live, autoscalers } = scaled({ policies: [always(2, 20)] }, [
      job(0, 10),
      job(0, 10),
      job(0, 10),
    ]);

    runTo(world, 1);
    const launched = live();
    runTo(world, 4);
    const busy = jobsOn(live());
    runTo(world, 22);
    const beforeIdleTime = live().length;
    runTo(world, 23);
    const afterUnusedIdled = jobsOn(live());
    runTo(world, 33);

    // 2 idle slots plus 3 queued jobs; the jobs start once the instances are online (3 minutes).
    expect(launched).toHaveLength(5);
    expect(busy).toEqual([1, 1, 1, 0, 0]);
    expect(beforeIdleTime).toBe(5);
    // The two never used idled 20 minutes first (online at minute 3); the jobs ended at 13.
    expect(afterUnusedIdled).toEqual([1, 1, 1]);
    expect(live()).toHaveLength(2);
    expect(world.violations).toEqual([]);
    expect(autoscalers.figures()).toEqual({ started: 3, finished: 3, waitingAtEnd: 0 });
  });

  it('never launches beyond max_instances: the other jobs wait for a free instance', () => {
    const jobs = [0, 0, 0, 0, 0].map((m) => job(m, 10));
    const { world, live, autoscalers } = scaled({ maxInstances: 3 }, jobs);

    runTo(world, 5);
    const early = { live: live().length, figures: autoscalers.figures() };
    runTo(world, 14);

    expect(early).toEqual({ live: 3, figures: { started: 3, finished: 0, waitingAtEnd: 2 } });
    expect(autoscalers.figures().started).toBe(5);
    expect(live().length).toBeLessThanOrEqual(3);
  });

  it('holds jobs back while the manager drains, and counts each job on the manager', () => {
    const { world, live, manager, autoscalers } = scaled({ policies: [always(1, 20)] }, [job(10, 15)]);
    runTo(world, 5);
    const idle = live();
    manager.runner = 'draining';

    runTo(world, 40);
    const whileDraining = autoscalers.figures();
    manager.runner = 'running';
    runTo(world, 45);

    expect(idle).toHaveLength(1);
    expect(whileDraining).toEqual({ started: 0, finished: 0, waitingAtEnd: 1 });
    expect(autoscalers.figures()).toEqual({ started: 1, finished: 0, waitingAtEnd: 0 });
    expect(manager.jobs).toHaveLength(1);
    expect(world.runningJobs(manager.id)).toEqual(world.runningJobs(live().find((i) => i.jobs.length)!.id));
  });

  it('retires an instance after max_use_count jobs, once its job ended', () => {
    const { world, live } = scaled({ maxUseCount: 1 }, [job(0, 10)]);

    runTo(world, 12);
    const used = live();
    runTo(world, 14);

    expect(used).toHaveLength(1);
    expect(used[0]!.jobs).toHaveLength(1);
    expect(live()).toHaveLength(0);
    expect(world.violations).toEqual([]);
  });

  it('on a runner started again, removes the instances of the runner before and launches on the new default', () => {
    const { world, live, manager } = scaled({ policies: [always(2, 20)] });
    runTo(world, 5);
    const before = live().map((i) => i.id);
    const lt = world.templateByName('gitlab-runner-autoscaler');
    lt.versions.push({ number: 2, imageId: AMI.jobsNew, settings: {} });
    lt.defaultVersion = 2;
    manager.runner = 'stopped';
    runTo(world, 8);

    manager.runner = 'running';
    runTo(world, 10);

    expect(before).toHaveLength(2);
    expect(live().map((i) => i.id)).not.toContain(before[0]);
    expect(live().map((i) => [i.imageId, i.launchTemplateVersion])).toEqual([
      [AMI.jobsNew, 2],
      [AMI.jobsNew, 2],
    ]);
  });

  it('keeps the instances across a restart when the runner keeps its state', () => {
    const { world, live, manager } = scaled({ policies: [always(2, 20)] }, [], true);
    runTo(world, 5);
    const before = live().map((i) => i.id);
    manager.runner = 'stopped';
    runTo(world, 8);

    manager.runner = 'running';
    runTo(world, 10);

    expect(live().map((i) => i.id)).toEqual(before);
  });

  it('leaves the jobs of a group no runner scales waiting', () => {
    const world = new World();
    standardFleet(world);
    const autoscalers = new Autoscalers(
      world,
      [
        {
          fleet: 'jobs-instance',
          group: GROUP.jobsInstance,
          manager: { fleet: 'manager', group: GROUP.manager, keepsInstances: false },
        },
      ],
      [job(0, 5)],
      { from: T0, until: T0 + 60 * MINUTE },
    );
    autoscalers.start();

    runTo(world, 60);

    expect(autoscalers.figures()).toEqual({ started: 0, finished: 0, waitingAtEnd: 1 });
    expect(world.groupInstances(GROUP.jobsInstance)).toEqual([]);
  });

  it('names the job whose fleet is not a jobs fleet of the config', () => {
    const world = new World();
    standardFleet(world);
    const spec = { ...job(0, 5), fleet: 'jobs-arm', origin: 'jobs.csv line 7' };

    expect(
      () =>
        new Autoscalers(
          world,
          [
            {
              fleet: 'jobs-instance',
              group: GROUP.jobsInstance,
              manager: { fleet: 'manager', group: GROUP.manager, keepsInstances: false },
              scaling: RUNNER_DEFAULTS,
            },
          ],
          [spec],
          { from: T0, until: T0 + MINUTE },
        ),
    ).toThrow(
      new Error(
        'jobs.csv line 7: fleet "jobs-arm" is not a jobs fleet of the config: use one of jobs-instance',
      ),
    );
  });
});

describe('a rehearsal of the example night with the default workload', () => {
  it('runs jobs without killing one, one manager at a time, and new job instances on the promoted image', async () => {
    const result = await rehearse({
      configPath: EXAMPLE,
      from: new Date('2026-12-08T18:00:00Z'),
      until: new Date('2026-12-09T08:00:00Z'),
    });

    const promotedAt = result.rollouts
      .find((r) => r.fleet === 'jobs-docker' && r.kind === 'rollout')
      ?.states.find((s) => s.state === 'baking')?.at;
    const canaries = result.instances.filter((i) => i.role === 'canary');
    const jobInstances = result.instances.filter((i) => i.role === 'job');
    const launchedAfter = jobInstances.filter((i) => promotedAt !== undefined && i.launchedAt > promotedAt);
    const figures = Object.fromEntries(result.fleets.map((f) => [f.fleet, f.replacements]));
    expect(result.jobs.started).toBeGreaterThan(0);
    expect(result.jobs.finished).toBeGreaterThan(0);
    expect(result.safety.jobsKilled).toBe(0);
    expect(result.safety.violations).toEqual([]);
    expect(Object.values(result.safety.mostManagers)).toEqual([1]);
    expect(canaries).toHaveLength(1);
    expect(launchedAfter.length).toBeGreaterThan(0);
    expect(new Set(launchedAfter.map((i) => i.imageId))).toEqual(new Set([canaries[0]!.imageId]));
    expect(figures['jobs-instance']! + figures['jobs-docker']!).toBe(launchedAfter.length);
    expect(figures.manager).toBe(0);
  }, 180_000);
});
