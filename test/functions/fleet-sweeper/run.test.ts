import type { Group } from '../../../functions/shared/aws/autoscaling';
import type { Instance } from '../../../functions/shared/aws/ec2';
import { TransientError } from '../../../functions/shared/errors';
import { makeLogger, makeMetrics } from '../../../functions/shared/observability';
import type { SweeperPorts } from '../../../functions/fleet-sweeper/ports';
import { runFleetSweeper } from '../../../functions/fleet-sweeper/run';
import type { FleetSweeperSettings } from '../../../functions/fleet-sweeper/settings';
import { minutesAgo, NOW, sweeperFleet } from '../../arbitraries/fleet';
import { context } from '../../../rehearsal/context';

const JOBS = sweeperFleet();
const MANAGER = sweeperFleet({
  name: 'manager',
  role: 'manager',
  autoScalingGroup: 'gitlab-runner-manager',
  manager: undefined,
});
const SETTINGS: FleetSweeperSettings = {
  region: 'us-east-2',
  ledgerTable: 'ledger',
  jobCheckDocument: 'job-check',
  sweepEveryMinutes: 5,
  fleets: [MANAGER, JOBS],
  configPrefixes: { manager: '/runner-autopilot/gitlab-runners/manager/config' },
};

/** Every group holds `perGroup` old, in-service instances; every one is online and quiet. */
const fakePorts = (perGroup: number, over: Partial<SweeperPorts> = {}): SweeperPorts => {
  const members = (group: string): Instance[] =>
    Array.from({ length: perGroup }, (_, n) => ({
      instanceId: `i-${group.length.toString(16)}${n.toString(16).padStart(16, '0')}`,
      state: 'running',
      launchTime: minutesAgo(600 - n),
      tags: {},
    }));
  const group = (name: string): Group => ({
    name,
    minSize: 0,
    maxSize: 10,
    desiredCapacity: perGroup,
    suspendedProcesses: [],
    instances: members(name).map((i) => ({
      instanceId: i.instanceId,
      lifecycleState: 'InService',
      healthStatus: 'Healthy',
      launchTemplateVersion: '7',
      protectedFromScaleIn: true,
    })),
  });
  const quiet = {
    timestamps: Array.from({ length: 8 }, (_, n) => minutesAgo(5 * (n + 1))),
    values: Array(8).fill(0.5),
  };
  return {
    describeGroup: (name) => Promise.resolve(group(name)),
    groupTaggedInstances: (name) => Promise.resolve(members(name)),
    canaryInstances: () => Promise.resolve([]),
    getLaunchTemplate: () =>
      Promise.resolve({
        launchTemplateId: 'lt-1',
        launchTemplateName: 'x',
        defaultVersion: 7,
        latestVersion: 7,
      }),
    listFleetRollouts: () => Promise.resolve([]),
    getLease: () => Promise.resolve(undefined),
    getParameterValue: () => Promise.resolve(undefined),
    impairedInstances: () => Promise.resolve(new Map()),
    instancePings: (ids) =>
      Promise.resolve(new Map(ids.map((id) => [id, { online: true, lastPingAt: minutesAgo(1) }]))),
    getMetricData: (queries) => Promise.resolve(new Map(queries.map((q) => [q.key, quiet]))),
    recentCommandOutputs: () => Promise.resolve([]),
    activityStarts: () => Promise.resolve(new Map()),
    sendCommand: jest.fn(() => Promise.resolve({ commandId: 'cmd-1' })),
    instancesInAnyGroup: () => Promise.resolve(new Set<string>()),
    terminateInstances: jest.fn(() => Promise.resolve()),
    ...over,
  };
};

const sweep = (ports: SweeperPorts) =>
  runFleetSweeper(
    { scheduledTime: NOW.toISOString() },
    {
      logger: makeLogger('fleet-sweeper'),
      metrics: makeMetrics('fleet-sweeper'),
      context: context('fleet-sweeper'),
      now: () => NOW,
      settings: SETTINGS,
      ports,
    },
  );

describe('runFleetSweeper', () => {
  it('asks the quiet instances of a jobs fleet whether they run a job, through its ports only', async () => {
    const ports = fakePorts(3);

    const outcome = await sweep(ports);

    expect(ports.sendCommand).toHaveBeenCalledTimes(1);
    expect(ports.sendCommand).toHaveBeenCalledWith(
      expect.objectContaining({
        documentName: 'job-check',
        parameters: { ConnectorUser: ['ubuntu'], Fleet: [JOBS.name] },
      }),
    );
    expect(outcome).toMatchObject({
      outcome: 'swept',
      fleetCount: 2,
      instanceCount: 6,
      unknown: 3,
      jobChecksSent: 3,
    });
  });

  it("leaves out a manager whose config cannot be read, judges its jobs fleet by the manager's state, then fails", async () => {
    const ports = fakePorts(3, { getParameterValue: () => Promise.reject(new Error('Rate exceeded')) });

    const run = sweep(ports);

    await expect(run).rejects.toThrow(TransientError);
    await expect(run).rejects.toThrow(
      'fleet sweep failed (1): manager manager: Rate exceeded; swept 1 of 2 fleets',
    );
    expect(ports.sendCommand).toHaveBeenCalledTimes(1);
  });
});
