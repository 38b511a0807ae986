import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeWarmPoolCommand,
  ResumeProcessesCommand,
  ScalingActivityInProgressFault,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';

import {
  describeGroup,
  describeWarmPool,
  resetAutoScalingClient,
  resumeProcesses,
  suspendProcesses,
  terminateInGroup,
} from '../../../../functions/shared/aws/autoscaling';

const autoScaling = mockClient(AutoScalingClient);
const GROUP = 'gitlab-runner-manager';

const group = {
  AutoScalingGroupName: GROUP,
  MinSize: 0,
  MaxSize: 1,
  DesiredCapacity: 1,
  DefaultCooldown: 300,
  AvailabilityZones: ['us-east-2a'],
  HealthCheckType: 'EC2',
  CreatedTime: new Date('2026-01-01T00:00:00Z'),
  SuspendedProcesses: [{ ProcessName: 'AZRebalance', SuspensionReason: 'User suspended' }],
  Instances: [
    {
      InstanceId: 'i-1',
      AvailabilityZone: 'us-east-2a',
      LifecycleState: 'InService' as const,
      HealthStatus: 'Healthy',
      LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: '7' },
      ProtectedFromScaleIn: true,
    },
  ],
};

describe('autoscaling adapter', () => {
  beforeEach(() => {
    autoScaling.reset();
    autoScaling.onAnyCommand().rejects(new Error('unexpected command'));
    resetAutoScalingClient();
  });

  describe('describeGroup', () => {
    it('returns the group, its own launch template and its instances', async () => {
      autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
        AutoScalingGroups: [
          {
            ...group,
            LaunchTemplate: { LaunchTemplateId: 'lt-1', LaunchTemplateName: 'manager', Version: '$Default' },
          },
        ],
      });

      const found = await describeGroup(GROUP);

      expect(found).toEqual({
        name: GROUP,
        minSize: 0,
        maxSize: 1,
        desiredCapacity: 1,
        launchTemplate: { id: 'lt-1', name: 'manager', version: '$Default' },
        mixedInstancesLaunchTemplate: undefined,
        suspendedProcesses: ['AZRebalance'],
        instances: [
          {
            instanceId: 'i-1',
            lifecycleState: 'InService',
            healthStatus: 'Healthy',
            launchTemplateVersion: '7',
            protectedFromScaleIn: true,
          },
        ],
      });
      expect(autoScaling).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, {
        AutoScalingGroupNames: [GROUP],
      });
    });

    it('reads the launch template of a mixed-instances group from its policy', async () => {
      autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
        AutoScalingGroups: [
          {
            ...group,
            MixedInstancesPolicy: {
              LaunchTemplate: {
                LaunchTemplateSpecification: { LaunchTemplateName: 'jobs', Version: '$Latest' },
                Overrides: [{ InstanceType: 'c7i.large' }, { InstanceType: 'c6i.large' }],
              },
            },
          },
        ],
      });

      const found = await describeGroup(GROUP);

      expect(found?.launchTemplate).toBeUndefined();
      expect(found?.mixedInstancesLaunchTemplate).toEqual({
        id: undefined,
        name: 'jobs',
        version: '$Latest',
      });
    });

    it('fills in what an instance-less group leaves out', async () => {
      autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
        AutoScalingGroups: [{ ...group, SuspendedProcesses: undefined, Instances: undefined }],
      });

      const found = await describeGroup(GROUP);

      expect(found).toMatchObject({ suspendedProcesses: [], instances: [] });
    });

    it('reads the instance maintenance policy', async () => {
      autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
        AutoScalingGroups: [
          { ...group, InstanceMaintenancePolicy: { MinHealthyPercentage: 100, MaxHealthyPercentage: 110 } },
        ],
      });

      const found = await describeGroup(GROUP);

      expect(found?.instanceMaintenancePolicy).toEqual({
        minHealthyPercentage: 100,
        maxHealthyPercentage: 110,
      });
    });

    it.each([
      undefined,
      {},
      { MinHealthyPercentage: -1, MaxHealthyPercentage: -1 },
      { MinHealthyPercentage: 90 },
    ])('reports no maintenance policy for %j', async (policy) => {
      autoScaling
        .on(DescribeAutoScalingGroupsCommand)
        .resolves({ AutoScalingGroups: [{ ...group, InstanceMaintenancePolicy: policy }] });

      const found = await describeGroup(GROUP);

      expect(found).toBeDefined();
      expect(found?.instanceMaintenancePolicy).toBeUndefined();
    });

    it.each([
      {},
      { AutoScalingGroups: [] },
      { AutoScalingGroups: [{ ...group, AutoScalingGroupName: 'other' }] },
    ])('returns undefined for the answer %j', async (answer) => {
      autoScaling.on(DescribeAutoScalingGroupsCommand).resolves(answer);

      await expect(describeGroup(GROUP)).resolves.toBeUndefined();
    });
  });

  describe('describeWarmPool', () => {
    it('reports a configured warm pool', async () => {
      autoScaling
        .on(DescribeWarmPoolCommand)
        .resolves({ WarmPoolConfiguration: { MinSize: 0, PoolState: 'Stopped' }, Instances: [] });

      await expect(describeWarmPool(GROUP)).resolves.toEqual({ configured: true });
      expect(autoScaling).toHaveReceivedCommandWith(DescribeWarmPoolCommand, {
        AutoScalingGroupName: GROUP,
        MaxRecords: 1,
      });
    });

    it.each([{}, { Instances: [] }])('reports no warm pool for the answer %j', async (answer) => {
      autoScaling.on(DescribeWarmPoolCommand).resolves(answer);

      await expect(describeWarmPool(GROUP)).resolves.toEqual({ configured: false });
    });
  });

  describe('suspendProcesses and resumeProcesses', () => {
    it('suspends exactly the named processes', async () => {
      autoScaling.on(SuspendProcessesCommand).resolves({});

      await suspendProcesses(GROUP, ['ReplaceUnhealthy']);

      expect(autoScaling).toHaveReceivedCommandWith(SuspendProcessesCommand, {
        AutoScalingGroupName: GROUP,
        ScalingProcesses: ['ReplaceUnhealthy'],
      });
    });

    it('resumes exactly the named processes', async () => {
      autoScaling.on(ResumeProcessesCommand).resolves({});

      await resumeProcesses(GROUP, ['ReplaceUnhealthy']);

      expect(autoScaling).toHaveReceivedCommandWith(ResumeProcessesCommand, {
        AutoScalingGroupName: GROUP,
        ScalingProcesses: ['ReplaceUnhealthy'],
      });
    });

    it.each([
      ['suspend', suspendProcesses],
      ['resume', resumeProcesses],
    ])('refuses to %s with no process named, which AWS reads as every process', async (_, call) => {
      await expect(call(GROUP, [])).rejects.toThrow(RangeError);
      expect(autoScaling.calls()).toHaveLength(0);
    });
  });

  describe('terminateInGroup', () => {
    it('terminates without decrementing the desired capacity, so the group replaces it', async () => {
      autoScaling.on(TerminateInstanceInAutoScalingGroupCommand).resolves({
        Activity: {
          ActivityId: 'a-1',
          AutoScalingGroupName: GROUP,
          Cause: 'an instance was taken out of service in response to a user request',
          StartTime: new Date('2026-11-30T03:00:00Z'),
          StatusCode: 'InProgress',
        },
      });

      await expect(terminateInGroup('i-1')).resolves.toEqual({ activityId: 'a-1' });
      expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
        InstanceId: 'i-1',
        ShouldDecrementDesiredCapacity: false,
      });
    });

    it('returns no activity id when the answer has none', async () => {
      autoScaling.on(TerminateInstanceInAutoScalingGroupCommand).resolves({});

      await expect(terminateInGroup('i-1')).resolves.toEqual({ activityId: undefined });
    });

    it.each([
      'Instance Id not found - No managed instance found for instance ID: i-1',
      'Instance Id not found - No managed instance found for instance ID i-1',
    ])('answers an instance no group manages any more as already gone (%s)', async (message) => {
      autoScaling
        .on(TerminateInstanceInAutoScalingGroupCommand)
        .rejects(Object.assign(new Error(message), { name: 'ValidationError' }));

      await expect(terminateInGroup('i-1')).resolves.toEqual({ alreadyGone: true });
    });

    it('rethrows any other ValidationError', async () => {
      const error = Object.assign(new Error('The instance i-1 is not in InService or Standby.'), {
        name: 'ValidationError',
      });
      autoScaling.on(TerminateInstanceInAutoScalingGroupCommand).rejects(error);

      await expect(terminateInGroup('i-1')).rejects.toBe(error);
    });

    it('rethrows SDK errors unchanged', async () => {
      const error = new ScalingActivityInProgressFault({ message: 'busy', $metadata: {} });
      autoScaling.on(TerminateInstanceInAutoScalingGroupCommand).rejects(error);

      await expect(terminateInGroup('i-1')).rejects.toBe(error);
    });
  });
});
