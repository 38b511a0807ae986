import { CommandInvocationStatus, CommandStatus } from '@aws-sdk/client-ssm';
import fc from 'fast-check';

import * as v from '../../../../functions/shared/valibot';
import type { Group } from '../../../../functions/shared/aws/autoscaling';
import { Fleet } from '../../../../functions/shared/fleet';
import {
  COMMAND_STATUSES,
  drainBoundSeconds,
  FINAL_COMMAND_STATUSES,
} from '../../../../functions/shared/rollout/commands';
import {
  candidateIdFor,
  drainCommandSeconds,
  excerptOf,
  fleetsOnTemplate,
  groupProblems,
  maintenanceTiming,
  MAX_HISTORY,
  promotionTiming,
  transition,
  verdictOf,
} from '../../../../functions/shared/rollout/decide';
import type { Rollout } from '../../../../functions/shared/rollout/model';
import { JOBS_DOCKER_FLEET } from '../../../fixtures/rollout-settings';

const fleet = (over: Record<string, unknown> = {}) => v.parse(Fleet, { ...JOBS_DOCKER_FLEET, ...over });
const manager = fleet({
  name: 'manager',
  role: 'manager',
  autoScalingGroup: 'gitlab-runner-manager',
  launchTemplate: 'gitlab-runner-manager',
  pipeline: 'manager',
  manager: undefined,
});
const group = (over: Partial<Group> = {}): Group => ({
  name: 'gitlab-runner-ao-group-docker',
  minSize: 0,
  maxSize: 10,
  desiredCapacity: 0,
  launchTemplate: { id: 'lt-0abc', name: 'gitlab-runner-autoscaler', version: '$Default' },
  suspendedProcesses: ['AZRebalance'],
  instances: [],
  ...over,
});
const noWarmPool = { configured: false };

describe('groupProblems', () => {
  it('accepts a jobs group on $Default', () => {
    expect(groupProblems(fleet(), group(), noWarmPool, 'lt-0abc')).toEqual([]);
  });

  it.each([
    ['$Latest', 'launches version "$Latest", not $Default'],
    ['7', 'launches version "7", not $Default'],
  ])('refuses a group on %s', (version, message) => {
    const problems = groupProblems(
      fleet(),
      group({ launchTemplate: { id: 'lt-0abc', version } }),
      noWarmPool,
      'lt-0abc',
    );

    expect(problems).toEqual([expect.stringContaining(message)]);
  });

  it('reads the template of a mixed-instances group', () => {
    const mixed = group({
      launchTemplate: undefined,
      mixedInstancesLaunchTemplate: { id: 'lt-0abc', version: '$Latest' },
    });

    expect(groupProblems(fleet(), mixed, noWarmPool, 'lt-0abc')).toEqual([
      expect.stringContaining('$Latest'),
    ]);
  });

  it('refuses a missing group and a group on another template', () => {
    expect(groupProblems(fleet(), undefined, noWarmPool, 'lt-0abc')).toEqual([
      expect.stringContaining('does not exist'),
    ]);
    expect(
      groupProblems(
        fleet(),
        group({ launchTemplate: { id: 'lt-other', name: 'other', version: '$Default' } }),
        noWarmPool,
        'lt-0abc',
      ),
    ).toEqual([expect.stringContaining('does not launch from launch template gitlab-runner-autoscaler')]);
  });

  it('refuses a manager group that could hold two managers, with every reason', () => {
    const problems = groupProblems(
      manager,
      group({
        name: 'gitlab-runner-manager',
        maxSize: 2,
        suspendedProcesses: [],
        launchTemplate: { id: 'lt-m', version: '$Default' },
      }),
      { configured: true },
      'lt-m',
    );

    expect(problems).toEqual([
      expect.stringContaining('max size 2'),
      expect.stringContaining('AZRebalance'),
      expect.stringContaining('warm pool'),
    ]);
  });

  it('does not hold jobs groups to the manager rules', () => {
    expect(
      groupProblems(fleet(), group({ maxSize: 50, suspendedProcesses: [] }), { configured: true }, 'lt-0abc'),
    ).toEqual([]);
  });

  describe('a manager group that must replace its manager by itself', () => {
    const managerGroup = (over: Partial<Group> = {}): Group =>
      group({
        name: 'gitlab-runner-manager',
        maxSize: 1,
        desiredCapacity: 1,
        launchTemplate: { id: 'lt-m', version: '$Default' },
        ...over,
      });
    const problemsOf = (g: Group, context?: { leaseHeld?: boolean }) =>
      groupProblems(manager, g, noWarmPool, 'lt-m', context);

    it('accepts a manager group without a maintenance policy, suspending only AZRebalance', () => {
      expect(problemsOf(managerGroup())).toEqual([]);
    });

    it.each([
      [
        { minHealthyPercentage: 100, maxHealthyPercentage: 110 },
        'that launches a replacement before terminating',
      ],
      [
        { minHealthyPercentage: 90, maxHealthyPercentage: 120 },
        'that may launch a replacement before terminating',
      ],
    ])('refuses the maintenance policy %j', (instanceMaintenancePolicy, message) => {
      const problems = problemsOf(managerGroup({ instanceMaintenancePolicy }));

      expect(problems).toEqual([expect.stringContaining(message)]);
      expect(problems[0]).toContain(
        '--instance-maintenance-policy MinHealthyPercentage=-1,MaxHealthyPercentage=-1',
      );
      expect(problems[0]).toContain('instance_maintenance_policy');
    });

    it.each([
      { minHealthyPercentage: 0, maxHealthyPercentage: 100 },
      { minHealthyPercentage: 90, maxHealthyPercentage: 100 },
    ])('accepts the terminate-then-launch maintenance policy %j', (instanceMaintenancePolicy) => {
      expect(problemsOf(managerGroup({ instanceMaintenancePolicy }))).toEqual([]);
    });

    it.each([
      ['Launch', 'never launch the replacement of a drained manager'],
      ['Terminate', 'cannot retire instances itself'],
      ['HealthCheck', 'stops checking its instances'],
    ])('refuses a suspended %s, lease or not, and says how to resume it', (process, why) => {
      const suspended = managerGroup({ suspendedProcesses: ['AZRebalance', process] });

      for (const leaseHeld of [false, true]) {
        expect(problemsOf(suspended, { leaseHeld })).toEqual([
          expect.stringContaining(`suspends ${process}: the group`),
        ]);
      }
      expect(problemsOf(suspended)[0]).toContain(why);
      expect(problemsOf(suspended)[0]).toContain(
        `aws autoscaling resume-processes --auto-scaling-group-name gitlab-runner-manager --scaling-processes ${process}`,
      );
      expect(problemsOf(suspended)[0]).toContain('suspended_processes');
    });

    it('accepts a suspended ReplaceUnhealthy while the fleet lease is held (our drain suspended it)', () => {
      const suspended = managerGroup({ suspendedProcesses: ['AZRebalance', 'ReplaceUnhealthy'] });

      expect(problemsOf(suspended, { leaseHeld: true })).toEqual([]);
    });

    it.each([[{ leaseHeld: false }], [{}], [undefined]])(
      'refuses a suspended ReplaceUnhealthy no lease explains (context %j)',
      (context) => {
        const suspended = managerGroup({ suspendedProcesses: ['AZRebalance', 'ReplaceUnhealthy'] });

        expect(problemsOf(suspended, context)).toEqual([
          expect.stringContaining(
            "suspends ReplaceUnhealthy while no drain or restart of ours holds the fleet's lease",
          ),
        ]);
      },
    );

    it('does not hold a jobs group to them', () => {
      const jobs = group({
        suspendedProcesses: ['AZRebalance', 'Launch', 'Terminate', 'HealthCheck', 'ReplaceUnhealthy'],
        instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 200 },
      });

      expect(groupProblems(fleet(), jobs, noWarmPool, 'lt-0abc')).toEqual([]);
    });
  });
});

describe('verdictOf', () => {
  it.each([
    [['Success', 'Success'], 'pass'],
    [['Success', 'InProgress'], 'pending'],
    [['Pending'], 'pending'],
    [['Success', 'Failed'], 'fail'],
    [['InProgress', 'TimedOut'], 'fail'],
    [['Cancelled'], 'fail'],
    [[undefined], 'pending'],
    [[], 'pending'],
  ])('%j -> %s', (statuses, expected) => {
    const invocations = statuses.map((status, i) => ({ commandId: `c-${i}`, status }));

    expect(verdictOf(invocations).kind).toBe(expected);
  });

  it.each(['Failed', 'TimedOut', 'Cancelled', 'Cancelling'])(
    'fails on the invocation status %s',
    (status) => {
      expect(verdictOf([{ commandId: 'c-0', status }]).kind).toBe('fail');
    },
  );

  it('knows every invocation status the SDK defines: Success passes, the rest waits or fails', () => {
    const kinds = Object.values(CommandInvocationStatus).map((status) => [
      status,
      verdictOf([{ commandId: 'c-0', status }]).kind,
    ]);

    expect(Object.fromEntries(kinds)).toEqual({
      Pending: 'pending',
      InProgress: 'pending',
      Delayed: 'pending',
      Success: 'pass',
      Failed: 'fail',
      TimedOut: 'fail',
      Cancelled: 'fail',
      Cancelling: 'fail',
    });
  });

  it('names exactly the command statuses the SDK defines, and final ones among them', () => {
    expect([...COMMAND_STATUSES].sort()).toEqual(Object.values(CommandStatus).sort());
    for (const status of FINAL_COMMAND_STATUSES) expect(COMMAND_STATUSES).toContain(status);
  });

  it('passes only when every command succeeded (property)', () => {
    const status = fc.constantFrom('Success', 'Failed', 'InProgress', 'Pending', 'TimedOut', undefined);
    fc.assert(
      fc.property(fc.array(status, { minLength: 1, maxLength: 4 }), (statuses) => {
        const verdict = verdictOf(statuses.map((s, i) => ({ commandId: `c${i}`, status: s })));
        return (verdict.kind === 'pass') === statuses.every((s) => s === 'Success');
      }),
    );
  });
});

describe('timing', () => {
  const frozenFridays = fleet({ freezeWindows: [{ periods: ['* 12-23 * * 5'], timeZone: 'UTC' }] });

  it('promotes at once outside freeze windows', () => {
    expect(promotionTiming([frozenFridays], new Date('2026-12-03T13:00:00Z'))).toEqual({ kind: 'now' });
  });

  it('waits for the end of a freeze window of any fleet on the template', () => {
    expect(promotionTiming([fleet(), frozenFridays], new Date('2026-12-04T13:00:00Z'))).toEqual({
      kind: 'wait',
      until: new Date('2026-12-05T00:00:00Z'),
    });
  });

  it('never promotes under a freeze that never ends', () => {
    const always = fleet({ freezeWindows: [{ periods: ['* * * * *'] }] });

    expect(promotionTiming([always], new Date('2026-12-04T13:00:00Z'))).toEqual({ kind: 'never' });
  });

  it('drains a manager inside its maintenance window, and waits for the next one otherwise', () => {
    expect(maintenanceTiming(manager, new Date('2026-12-01T02:00:00Z'))).toEqual({ kind: 'now' });
    expect(maintenanceTiming(manager, new Date('2026-12-01T12:00:00Z'))).toEqual({
      kind: 'wait',
      until: new Date('2026-12-02T01:00:00Z'),
    });
  });

  it('gives a drain room for the longest job plus slack, and the command more', () => {
    const bound = drainBoundSeconds(fleet({ maxJobMinutes: 120 }));

    expect(bound).toBeGreaterThan(120 * 60);
    expect(drainCommandSeconds(fleet({ maxJobMinutes: 120 }), 'rollout')).toBeGreaterThan(bound);
    expect(drainCommandSeconds(fleet({ maxJobMinutes: 120 }), 'restart')).toBeGreaterThan(
      drainCommandSeconds(fleet({ maxJobMinutes: 120 }), 'rollout'),
    );
  });
});

describe('candidates', () => {
  it('gives one candidate per template and image, stable across calls', () => {
    const image = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.1/1';

    expect(candidateIdFor('gitlab-runner-autoscaler', image)).toBe(
      candidateIdFor('gitlab-runner-autoscaler', image),
    );
    expect(candidateIdFor('gitlab-runner-autoscaler', image)).not.toBe(
      candidateIdFor('gitlab-runner-manager', image),
    );
  });

  it('leads a shared template with the first fleet by name', () => {
    const fleets = [fleet({ name: 'jobs-instance' }), fleet({ name: 'jobs-docker' }), manager];

    expect(fleetsOnTemplate(fleets, 'gitlab-runner-autoscaler').map((f) => f.name)).toEqual([
      'jobs-docker',
      'jobs-instance',
    ]);
  });
});

describe('transition', () => {
  const item: Rollout = {
    kind: 'rollout',
    fleet: 'jobs-docker',
    fleets: ['jobs-docker'],
    candidateId: 'c1',
    role: 'jobs',
    pipeline: 'jobs',
    imageArn: 'arn',
    amiId: 'ami-0abc',
    state: 'canary-booting',
    stateSince: '2026-12-01T00:00:00.000Z',
    attempts: 3,
    history: [],
    revision: 4,
  };

  it('records the step and restarts the state clock and attempts on a new state', () => {
    const next = transition(item, 'canary-testing', 'smoke sent', new Date('2026-12-01T00:10:00Z'));

    expect(next).toMatchObject({
      state: 'canary-testing',
      stateSince: '2026-12-01T00:10:00.000Z',
      attempts: 0,
      revision: 4,
    });
    expect(next.history).toEqual([
      { at: '2026-12-01T00:10:00.000Z', state: 'canary-testing', note: 'smoke sent' },
    ]);
  });

  it('keeps the state clock when the state stays', () => {
    const next = transition(item, 'canary-booting', 'not yet', new Date('2026-12-01T00:10:00Z'), {
      attempts: 4,
    });

    expect(next).toMatchObject({ stateSince: item.stateSince, attempts: 4 });
  });

  it('keeps at most the last entries of history', () => {
    const long = {
      ...item,
      history: Array.from({ length: MAX_HISTORY }, (_, i) => ({ at: '', state: item.state, note: `${i}` })),
    };

    const next = transition(long, 'done', 'last', new Date());

    expect(next.history).toHaveLength(MAX_HISTORY);
    expect(next.history.at(-1)?.note).toBe('last');
  });

  it('says a recheck that finds the same once, so a day of them keeps the rest of the history', () => {
    const held = 'held: rollback alarm a in ALARM; promoting now would roll back at once';
    const start = { ...item, state: 'promotion-deferred' as const };
    const first = transition(start, 'promotion-deferred', held, new Date('2026-12-01T00:10:00Z'));

    const rechecks = Array.from({ length: 144 }, (_, i) => i).reduce(
      (at, i) =>
        transition(
          at,
          'promotion-deferred',
          held,
          new Date(Date.parse('2026-12-01T00:20:00Z') + i * 600_000),
        ),
      first,
    );
    const cleared = transition(
      rechecks,
      'baking',
      'default is now version 7',
      new Date('2026-12-02T00:20:00Z'),
    );

    expect(cleared.history).toEqual([
      { at: '2026-12-01T00:10:00.000Z', state: 'promotion-deferred', note: held },
      { at: '2026-12-02T00:20:00.000Z', state: 'baking', note: 'default is now version 7' },
    ]);
  });

  it('records the same note again after another one came between', () => {
    const a = transition(item, 'canary-booting', 'not yet', new Date('2026-12-01T00:10:00Z'));
    const b = transition(a, 'canary-booting', 'still booting', new Date('2026-12-01T00:20:00Z'));

    const c = transition(b, 'canary-booting', 'not yet', new Date('2026-12-01T00:30:00Z'));

    expect(c.history.map((h) => h.note)).toEqual(['not yet', 'still booting', 'not yet']);
  });
});

describe('excerptOf', () => {
  it('keeps the last lines of stdout and stderr, bounded', () => {
    const stdout = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');

    const excerpt = excerptOf(stdout, 'RESULT fail: docker');

    expect(excerpt.split('\n')).toHaveLength(20);
    expect(excerpt.endsWith('RESULT fail: docker')).toBe(true);
    expect(excerptOf('x'.repeat(10_000), '').length).toBeLessThanOrEqual(2000);
  });
});
