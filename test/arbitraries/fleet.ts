import fc from 'fast-check';
import * as v from '../../functions/shared/valibot';

import type { Activity, FleetFacts, InstanceFacts } from '../../functions/fleet-sweeper/decide';
import type { JobAnswer } from '../../functions/fleet-sweeper/job-check';
import type { AutoscalerPolicy } from '../../functions/fleet-sweeper/policy';
import type { SweeperFleet } from '../../functions/fleet-sweeper/settings';
import { Fleet } from '../../functions/shared/fleet';

/** Arbitraries for the fleet sweeper: fleets as one snapshot shows them, around a fixed clock. */

export const NOW = new Date('2026-11-30T10:05:00Z');
const MINUTE = 60_000;
export const minutesAgo = (m: number): Date => new Date(NOW.getTime() - m * MINUTE);

/** The schema's defaults, so a test changes only what it names. */
export const DEFAULT_HEALTH = v.parse(Fleet.entries.health, {});

export const sweeperFleet = (over: Partial<SweeperFleet> = {}): SweeperFleet => ({
  name: 'jobs-docker',
  role: 'jobs',
  autoScalingGroup: 'gitlab-runner-ao-group-docker',
  launchTemplate: 'gitlab-runner-autoscaler',
  manager: 'manager',
  health: DEFAULT_HEALTH,
  canaryLifetimeMinutes: 35,
  connectorUser: 'ubuntu',
  ...over,
});

export const healthArb = fc
  .record({
    idleTimeMinutes: fc.integer({ min: 1, max: 60 }),
    idleGraceMinutes: fc.integer({ min: 0, max: 30 }),
    idleCpuPercent: fc.integer({ min: 1, max: 20 }),
    idleNetworkBytesPerMinute: fc.integer({ min: 1000, max: 1_000_000 }),
    maxJobChecksPerSweep: fc.integer({ min: 0, max: 50 }),
    stuckPendingMinutes: fc.integer({ min: 1, max: 60 }),
    ssmOfflineMinutes: fc.integer({ min: 1, max: 60 }),
    lifecycleWaitMinutes: fc.integer({ min: 1, max: 120 }),
    outdatedHours: fc.integer({ min: 1, max: 72 }),
    idleAlarmThreshold: fc.constant(3),
    stuckAlarmThreshold: fc.constant(1),
    outdatedAlarmThreshold: fc.constant(1),
    alarmPeriods: fc.constant(3),
    terminateOrphans: fc.boolean(),
  })
  .map((h) => ({ ...DEFAULT_HEALTH, ...h }));

export const fleetArb = fc
  .record({ role: fc.constantFrom<SweeperFleet['role']>('jobs', 'jobs', 'manager'), health: healthArb })
  .map(({ role, health }) =>
    sweeperFleet({ role, health, ...(role === 'manager' ? { name: 'manager' } : {}) }),
  );

export const policyArb: fc.Arbitrary<AutoscalerPolicy> = fc
  .record({
    idleCount: fc.integer({ min: 0, max: 20 }),
    idleTimeMinutes: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    scaleFactor: fc.constantFrom(0, 0.5, 1, 2),
    scaleFactorLimit: fc.integer({ min: 0, max: 16 }),
  })
  .map(({ idleTimeMinutes, ...p }) => ({
    periods: ['* * * * *'],
    timezone: 'UTC',
    ...p,
    ...(idleTimeMinutes === undefined ? {} : { idleTimeMinutes }),
  }));

const answerArb: fc.Arbitrary<JobAnswer> = fc.oneof(
  fc.record({
    kind: fc.constant('busy' as const),
    jobs: fc.integer({ min: 1, max: 8 }),
    at: fc.integer({ min: 0, max: 120 }).map(minutesAgo),
  }),
  fc.record({ kind: fc.constant('idle' as const), at: fc.integer({ min: 0, max: 120 }).map(minutesAgo) }),
  fc.record({ kind: fc.constant('pending' as const), at: fc.integer({ min: 0, max: 30 }).map(minutesAgo) }),
  fc.record({ kind: fc.constant('failed' as const), at: fc.integer({ min: 0, max: 120 }).map(minutesAgo) }),
);

/** Mostly quiet activity, so idle candidates are common. */
const activityArb: fc.Arbitrary<Activity> = fc.record({
  cpuMaxPercent: fc.oneof(
    fc.double({ min: 0, max: 2, noNaN: true }),
    fc.double({ min: 0, max: 100, noNaN: true }),
  ),
  networkMaxBytesPerMinute: fc.oneof(
    fc.integer({ min: 0, max: 500 }),
    fc.integer({ min: 0, max: 10_000_000 }),
  ),
  periods: fc.integer({ min: 0, max: 30 }),
});

export const instanceArb = (id: string): fc.Arbitrary<InstanceFacts> =>
  fc
    .record({
      state: fc.constantFrom(
        'running',
        'running',
        'running',
        'running',
        'pending',
        'stopped',
        'shutting-down',
      ),
      launchedMinutesAgo: fc.integer({ min: 0, max: 5000 }),
      inGroup: fc.boolean(),
      lifecycleState: fc.constantFrom(
        'InService',
        'InService',
        'InService',
        'Pending',
        'Pending:Wait',
        'Terminating:Wait',
        'Terminating',
        'Standby',
      ),
      waitMinutes: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
      version: fc.constantFrom('7', '7', '7', '6', '5'),
      canary: fc.boolean(),
      impaired: fc.boolean(),
      ssm: fc.option(
        fc.record({ online: fc.boolean(), lastPingMinutesAgo: fc.integer({ min: 0, max: 200 }) }),
        { nil: undefined },
      ),
      activity: fc.option(activityArb, { nil: undefined }),
      answers: fc.array(answerArb, { maxLength: 3 }),
    })
    .map((r) => ({
      instanceId: id,
      state: r.state,
      launchTime: minutesAgo(r.launchedMinutesAgo),
      inGroup: r.inGroup,
      ...(r.inGroup ? { lifecycleState: r.lifecycleState, launchTemplateVersion: r.version } : {}),
      ...(r.waitMinutes === undefined ? {} : { waitSince: minutesAgo(r.waitMinutes) }),
      canary: !r.inGroup && r.canary,
      ...(r.impaired ? { impaired: {} } : {}),
      ...(r.ssm ? { ssm: { online: r.ssm.online, lastPingAt: minutesAgo(r.ssm.lastPingMinutesAgo) } } : {}),
      ...(r.activity ? { activity: r.activity } : {}),
      answers: r.answers,
    }));

/** A fleet snapshot of up to `max` instances, with or without a known policy and a present manager. */
export const fleetFactsArb = (max = 40): fc.Arbitrary<FleetFacts> =>
  fc
    .record({
      fleet: fleetArb,
      count: fc.integer({ min: 0, max }),
      managerAbsent: fc.boolean(),
      autoscaler: fc.option(
        fc.record({
          capacityPerInstance: fc.integer({ min: 1, max: 4 }),
          policy: fc.option(policyArb, { nil: undefined }),
        }),
        { nil: undefined },
      ),
      currentSinceHoursAgo: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
    })
    .chain(({ fleet, count, managerAbsent, autoscaler, currentSinceHoursAgo }) =>
      fc
        .tuple(
          ...Array.from({ length: count }, (_, n) => instanceArb(`i-${n.toString(16).padStart(17, '0')}`)),
        )
        .map((instances): FleetFacts => ({
          fleet,
          groupFound: true,
          currentVersion: '7',
          ...(currentSinceHoursAgo === undefined
            ? {}
            : { currentSince: minutesAgo(currentSinceHoursAgo * 60) }),
          manager: managerAbsent ? { absent: true, reason: 'manager draining (replace)' } : { absent: false },
          ...(autoscaler
            ? {
                autoscaler: {
                  capacityPerInstance: autoscaler.capacityPerInstance,
                  ...(autoscaler.policy ? { policy: autoscaler.policy } : {}),
                },
              }
            : {}),
          instances,
        })),
    );
