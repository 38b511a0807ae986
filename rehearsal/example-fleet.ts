import type { FakeGroup, FakeInstance, World } from './fake-aws';

/** The fleet of config/example.yaml as it stands in AWS before a rollout. */

export const AMI = {
  jobsOld: 'ami-0000000000000a001',
  jobsNew: 'ami-0000000000000a002',
  managerOld: 'ami-0000000000000b001',
  managerNew: 'ami-0000000000000b002',
} as const;

export const GROUP = {
  manager: 'gitlab-runner-manager',
  jobsInstance: 'gitlab-runner-ao-group',
  jobsDocker: 'gitlab-runner-ao-group-docker',
} as const;

export const TEMPLATE = { manager: 'gitlab-runner-manager', jobs: 'gitlab-runner-autoscaler' } as const;

export interface Fleet {
  readonly manager: FakeInstance;
  readonly groups: Record<keyof typeof GROUP, FakeGroup>;
}

/** A manager group as the suite requires it: one instance, on `$Default`, `AZRebalance` suspended. */
export const managerGroup = (name: string, template: { id: string; name: string }) => ({
  name,
  minSize: 1,
  maxSize: 1,
  desiredCapacity: 1,
  launchTemplate: { id: template.id, name: template.name, version: '$Default' },
  suspendedProcesses: ['AZRebalance'],
  warmPool: false,
  runsRunner: true,
});

/** A job group the fleeting plugin scales from zero, on `$Default`. */
export const jobGroup = (name: string, template: { id: string; name: string }) => ({
  name,
  minSize: 0,
  maxSize: 20,
  desiredCapacity: 0,
  launchTemplate: { id: template.id, name: template.name, version: '$Default' },
  suspendedProcesses: ['AZRebalance'],
  warmPool: false,
  runsRunner: false,
});

/**
 * Two launch templates at version 1 (their default), a manager group (max 1, AZRebalance
 * suspended, `$Default`) with one online manager running gitlab-runner, and two empty job groups
 * (desired = min = 0, `$Default`), as DESIGN.md asks of a fleet.
 */
export const standardFleet = (
  world: World,
  tweak: (groups: Fleet['groups']) => void = () => undefined,
): Fleet => {
  const managerLt = world.addLaunchTemplate(TEMPLATE.manager, [AMI.managerOld]);
  const jobsLt = world.addLaunchTemplate(TEMPLATE.jobs, [AMI.jobsOld]);
  const groups = {
    manager: world.addGroup(managerGroup(GROUP.manager, managerLt)),
    jobsInstance: world.addGroup(jobGroup(GROUP.jobsInstance, jobsLt)),
    jobsDocker: world.addGroup(jobGroup(GROUP.jobsDocker, jobsLt)),
  };
  tweak(groups);
  const manager = world.launchIntoGroup(groups.manager, { alreadyOnline: true });
  return { manager, groups };
};

/** Running (or booting) manager instances of the manager group. */
export const liveManagers = (world: World): FakeInstance[] =>
  world.groupInstances(GROUP.manager).filter((i) => i.state === 'pending' || i.state === 'running');

/** Canary instances ever launched, with their state. */
export const canaries = (world: World): FakeInstance[] =>
  [...world.instances.values()].filter((i) => i.tags['runner-autopilot:canary'] === 'true');
