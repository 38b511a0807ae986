// The functions' loggers are built when their modules load: at DEBUG, the sweeper would write every
// instance of 10 fleets to its captured log lines. Its one info line is what this test reads.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';

import { endScenario, Scenario } from '../../rehearsal/driver';
import { seedWorld } from '../../rehearsal/seed';
import { loadConfig } from '../../infra/load-config';
import { exampleConfigWith } from '../scenarios/fleet';

/**
 * The 2,000-instance, 10-fleet rehearsal: one sweep's AWS calls are the describe pages,
 * one GetMetricData per 500 queries and a constant per fleet, never a call per instance.
 */

const INSTANCES = 2_000;
/** Every third instance runs a job; the others have been quiet since their launch. */
const QUIET = INSTANCES - Math.ceil(INSTANCES / 3);
/** The example's manager and its two jobs fleets, plus seven jobs fleets of the same manager. */
const EXTRA_JOBS_FLEETS = 7;

/** Page sizes and batch limits of the calls that grow with the fleet (API references). */
const PAGE = {
  /** DescribeInstances MaxResults (5-1000). */
  describeInstances: 1_000,
  /** DescribeInstanceInformation with an InstanceIds filter: MaxResults 5-50. */
  instanceInformation: 50,
  /** DescribeInstanceStatus MaxResults (5-1000). */
  instanceStatus: 1_000,
  /** GetMetricData MetricDataQueries per call. */
  metricQueries: 500,
} as const;
/** CPU, network in and network out of each instance read. */
const QUERIES_PER_INSTANCE = 3;
/**
 * Per fleet: its group, its launch template, its rollouts (a Query), a manager's lease and its two
 * config parameters, one job-check SendCommand, and one GetMetricData more when its idle window
 * differs from the other fleets' (one batch per window).
 */
const CALLS_PER_FLEET = 8;
/** Per sweep: the canaries (one DescribeInstances page) and the job check's command history (ListCommands). */
const CALLS_PER_SWEEP = 2;

const pages = (items: number, size: number): number => Math.max(1, Math.ceil(items / size));

describe('the fleet sweeper in a 2,000-instance, 10-fleet rehearsal', () => {
  afterEach(() => endScenario());

  it('sweeps with describe pages, one GetMetricData per 500 queries and a constant per fleet', async () => {
    const configPath = exampleConfigWith('sweeper-bound', (config) => {
      const fleets = config.fleets as Record<string, unknown>[];
      // The example's jobs fleet without its freeze window (a new fleet needs none).
      const jobs = { ...fleets.find((f) => f.name === 'jobs-instance')! };
      delete jobs.freezeWindows;
      for (let n = 1; n <= EXTRA_JOBS_FLEETS; n++)
        fleets.push({ ...jobs, name: `jobs-extra-${n}`, autoScalingGroup: `gitlab-runner-extra-${n}` });
    });
    const config = loadConfig(configPath);
    const s = new Scenario({ configPath, start: '2026-12-08T10:00:00Z', captureLogs: true });
    const world = s.world;
    seedWorld(world, config, s.stack);
    const jobGroups = config.fleets
      .filter((f) => f.role === 'jobs')
      .map((f) => world.group(f.autoScalingGroup));
    for (let n = 0; n < INSTANCES; n++) {
      const group = jobGroups[n % jobGroups.length]!;
      group.desiredCapacity += 1;
      group.maxSize = Math.max(group.maxSize, group.desiredCapacity);
      const instance = world.launchIntoGroup(group, { alreadyOnline: true });
      if (n % 3 === 0) world.startJob(instance.id, 600);
    }
    // Past every fleet's idle window (20 + 10 minutes), so each instance's activity is read.
    s.setTime(Date.parse('2026-12-08T10:45:00Z'));

    await s.runRateSchedule('fleet-sweeper');

    const calls = world.callsByService.get('fleet-sweeper') ?? new Map<string, number>();
    const total = [...calls.values()].reduce((a, b) => a + b, 0);
    const perFleet = config.fleets.map((f) => world.groupInstances(f.autoScalingGroup).length);
    const running = perFleet.reduce((a, b) => a + b, 0);
    const describePages =
      perFleet.reduce((sum, n) => sum + pages(n, PAGE.describeInstances), 0) +
      pages(running, PAGE.instanceInformation) +
      2 * pages(0, PAGE.instanceStatus);
    // One batch per idle window: a window of its own costs a fleet one call more (CALLS_PER_FLEET).
    const metricCalls = pages(INSTANCES * QUERIES_PER_INSTANCE, PAGE.metricQueries);
    const bound = describePages + metricCalls + CALLS_PER_FLEET * config.fleets.length + CALLS_PER_SWEEP;
    const sweep = s.invocations.at(-1);
    const line = sweep?.logs?.find((l) => l.message === 'swept');
    expect(config.fleets).toHaveLength(10);
    expect(sweep?.result).toBe('swept');
    // CPU and network told the busy third from the quiet rest: the quiet ones (but the few the
    // active policy keeps) await a job check, and no one is idle before answering it.
    expect(line).toMatchObject({ fleetCount: 10, instanceCount: INSTANCES + 1, idle: 0, stuck: 0 });
    expect(line?.unknown).toBeLessThanOrEqual(QUIET);
    expect(line?.unknown).toBeGreaterThan(QUIET - 10);
    expect(calls.get('GetMetricData')).toBeGreaterThanOrEqual(metricCalls);
    expect(total).toBeLessThanOrEqual(bound);
  }, 120_000);
});
