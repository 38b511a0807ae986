import { REAL_TIMERS } from '../../rehearsal/clock';
import { type FakeGroup, MINUTE, World } from '../../rehearsal/fake-aws';

/** The fake's Auto Scaling health replacement, which scenarios use to break a manager mid-drain. */

const AMI = { old: 'ami-0000000000000000a', new: 'ami-0000000000000000c' };

const managerWorld = (
  over: Partial<Pick<FakeGroup, 'suspendedProcesses' | 'instanceMaintenancePolicy'>> = {},
) => {
  const world = new World();
  const lt = world.addLaunchTemplate('fleet-manager', [AMI.old, AMI.new]);
  world.addGroup(
    {
      name: 'manager',
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      launchTemplate: { id: lt.id, version: '$Default' },
      suspendedProcesses: ['AZRebalance'],
      warmPool: false,
      runsRunner: true,
      ...over,
    },
    1,
  );
  const [manager] = world.groupInstances('manager');
  if (!manager) throw new Error('the group launched no manager');
  world.startJob(manager.id, 30);
  // A rollback put the default back: the group's replacement takes version 1.
  lt.defaultVersion = 1;
  return { world, manager };
};

/** Lets the world's clock run `minutes`, firing what falls due. */
const advance = (world: World, minutes: number): void => {
  const until = Date.now() + minutes * MINUTE;
  for (let next = world.nextTimerAt(); next !== undefined && next <= until; next = world.nextTimerAt()) {
    jest.setSystemTime(Math.max(next, Date.now()));
    world.fireDueTimers();
  }
  jest.setSystemTime(until);
};

describe('World.markUnhealthy', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-11-03T01:00:00Z'), doNotFake: [...REAL_TIMERS] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it("terminates a manager with a running job, killing it, and replaces it at the group's version", () => {
    const { world, manager } = managerWorld();

    const replaced = world.markUnhealthy(manager.id);
    advance(world, 10);

    const live = world.groupInstances('manager');
    expect(replaced).toBe(true);
    expect(world.violations).toEqual([
      expect.stringMatching(
        new RegExp(`^ReplaceUnhealthy terminated ${manager.id} while 1 job\\(s\\) ran on it`),
      ),
    ]);
    expect(manager.state).toBe('terminated');
    expect(live).toHaveLength(1);
    expect(live[0]?.id).not.toBe(manager.id);
    expect(live[0]?.launchTemplateVersion).toBe(1);
  });

  it('leaves the manager and its job alone while ReplaceUnhealthy is suspended, marked Unhealthy', () => {
    const { world, manager } = managerWorld({ suspendedProcesses: ['AZRebalance', 'ReplaceUnhealthy'] });

    const replaced = world.markUnhealthy(manager.id);
    advance(world, 10);

    expect(replaced).toBe(false);
    expect(world.violations).toEqual([]);
    expect(world.groupInstances('manager').map((i) => i.id)).toEqual([manager.id]);
    expect(world.runningJobs(manager.id)).toHaveLength(1);
    expect(world.describeAutoScalingGroups({ AutoScalingGroupNames: ['manager'] })).toMatchObject({
      AutoScalingGroups: [{ Instances: [{ InstanceId: manager.id, HealthStatus: 'Unhealthy' }] }],
    });
  });

  it('launches the replacement first under a policy keeping 100% healthy: two managers at once', () => {
    const { world, manager } = managerWorld({
      instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 110 },
    });

    world.markUnhealthy(manager.id);
    advance(world, 10);

    expect(world.violations).toEqual(
      expect.arrayContaining([
        expect.stringContaining('two manager instances in manager'),
        expect.stringContaining(`ReplaceUnhealthy terminated ${manager.id}`),
      ]),
    );
    expect(world.groupInstances('manager')).toHaveLength(1);
  });
});
