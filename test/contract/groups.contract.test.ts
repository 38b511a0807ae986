import {
  describeGroup,
  describeWarmPool,
  resumeProcesses,
  suspendProcesses,
  terminateInGroup,
} from '../../functions/shared/aws/autoscaling';
import {
  createCandidateVersion,
  describeInstances,
  runCanary,
  setDefaultVersion,
} from '../../functions/shared/aws/ec2';
import { ec2Seed, warmUpEc2 } from './seed-ec2';
import { describeContract } from './targets';

/** Auto Scaling groups as the rollout uses them, held to one contract on our fake and on moto. */

const AMI = { old: 'ami-0000000000000000a', new: 'ami-0000000000000000c' };

describeContract(
  'auto scaling groups',
  (target) => {
    const seed = ec2Seed(target);

    const inService = async (name: string) =>
      (await describeGroup(name))?.instances.filter((i) => i.lifecycleState === 'InService') ?? [];

    it('describes a group on $Default: its template spec, capacity and instances with their version number', async () => {
      const { id } = await seed.template('fleet-manager', [AMI.old]);
      await seed.group({ name: 'manager', templateId: id, version: '$Default', desiredCapacity: 1 });

      const group = await describeGroup('manager');

      expect(group).toMatchObject({
        name: 'manager',
        desiredCapacity: 1,
        launchTemplate: { id, version: '$Default' },
        instances: [expect.objectContaining({ lifecycleState: 'InService', launchTemplateVersion: '1' })],
      });
    });

    it('resolves $Default and $Latest at launch: a staged candidate reaches only the $Latest group', async () => {
      const { id } = await seed.template('fleet-jobs', [AMI.old]);
      await createCandidateVersion({
        launchTemplateId: id,
        sourceVersion: 1,
        imageId: AMI.new,
        description: 'candidate',
        clientToken: 'stage-1',
      });
      await seed.group({ name: 'on-default', templateId: id, version: '$Default', desiredCapacity: 1 });
      await seed.group({ name: 'on-latest', templateId: id, version: '$Latest', desiredCapacity: 1 });

      const [onDefault] = await inService('on-default');
      const [onLatest] = await inService('on-latest');

      const images = await describeInstances([onDefault?.instanceId ?? '', onLatest?.instanceId ?? '']);
      expect(Object.fromEntries(images.map((i) => [i.autoScalingGroup, i.imageId]))).toEqual({
        'on-default': AMI.old,
        'on-latest': AMI.new,
      });
      expect(onDefault?.launchTemplateVersion).toBe('1');
    });

    target.fakeOnly('autoscaling-latest-version-number')(
      'reports the version number a $Latest group launched',
      async () => {
        const { id } = await seed.template('fleet-jobs', [AMI.old, AMI.new]);
        await setDefaultVersion(id, 1);
        await seed.group({ name: 'on-latest', templateId: id, version: '$Latest', desiredCapacity: 1 });

        const [instance] = await inService('on-latest');

        expect(instance?.launchTemplateVersion).toBe('2');
        expect((await describeInstances([instance?.instanceId ?? '']))[0]?.launchTemplateVersion).toBe('2');
      },
    );

    it('answers a group that does not exist with undefined', async () => {
      expect(await describeGroup('no-such-group')).toBeUndefined();
    });

    it('reports no warm pool on a group without one', async () => {
      const { id } = await seed.template('fleet-manager', [AMI.old]);
      await seed.group({ name: 'manager', templateId: id, version: '$Default', desiredCapacity: 0 });

      expect(await describeWarmPool('manager')).toEqual({ configured: false });
    });

    target.fakeOnly('autoscaling-warm-pool-missing-group')(
      'refuses to describe the warm pool of a group that does not exist',
      async () => {
        await expect(describeWarmPool('no-such-group')).rejects.toMatchObject({ name: 'ValidationError' });
      },
    );

    it('terminates without decrement: the capacity stays and a replacement launches from the new default', async () => {
      const { id } = await seed.template('fleet-manager', [AMI.old]);
      await seed.group({ name: 'manager', templateId: id, version: '$Default', desiredCapacity: 1 });
      const [old] = await inService('manager');
      const { version } = await createCandidateVersion({
        launchTemplateId: id,
        sourceVersion: 1,
        imageId: AMI.new,
        description: 'candidate',
        clientToken: 'stage-1',
      });
      await setDefaultVersion(id, version);

      const { activityId } = await terminateInGroup(old?.instanceId ?? '');
      await target.settle();

      const group = await describeGroup('manager');
      const live = await inService('manager');
      expect(activityId).toEqual(expect.any(String));
      expect(group?.desiredCapacity).toBe(1);
      expect(live).toHaveLength(1);
      expect(live[0]?.instanceId).not.toBe(old?.instanceId);
      expect(live[0]?.launchTemplateVersion).toBe(String(version));
    });

    target.fakeOnly('autoscaling-suspend-not-enforced')(
      'launches no replacement while the Launch process is suspended',
      async () => {
        const { id } = await seed.template('fleet-manager', [AMI.old]);
        await seed.group({
          name: 'manager',
          templateId: id,
          version: '$Default',
          desiredCapacity: 1,
          suspendedProcesses: ['Launch'],
        });
        const [old] = await inService('manager');

        await terminateInGroup(old?.instanceId ?? '');
        await target.settle();

        expect(await inService('manager')).toEqual([]);
        expect((await describeGroup('manager'))?.desiredCapacity).toBe(1);
      },
    );

    target.fakeOnly('autoscaling-instance-not-in-group')(
      'answers an instance that is in no group as already gone: AWS tells it from a terminated one no further',
      async () => {
        const { id } = await seed.template('fleet-jobs', [AMI.old]);
        const { instanceId } = await runCanary({
          launchTemplateId: id,
          version: 1,
          tags: {},
          clientToken: 'c-1',
        });

        expect(await terminateInGroup(instanceId)).toEqual({ alreadyGone: true });
      },
    );

    target.fakeOnly('autoscaling-instance-not-in-group')(
      'answers an instance id nobody knows as already gone',
      async () => {
        expect(await terminateInGroup('i-0123456789abcdef0')).toEqual({ alreadyGone: true });
      },
    );

    target.fakeOnly('autoscaling-instance-not-in-group')(
      'answers a repeat after the instance terminated as already gone, and launches no second replacement',
      async () => {
        const { id } = await seed.template('fleet-manager', [AMI.old]);
        await seed.group({ name: 'manager', templateId: id, version: '$Default', desiredCapacity: 1 });
        const [old] = await inService('manager');
        await terminateInGroup(old?.instanceId ?? '');
        await target.settle();

        const repeat = await terminateInGroup(old?.instanceId ?? '');
        await target.settle();

        expect(repeat).toEqual({ alreadyGone: true });
        expect(await inService('manager')).toHaveLength(1);
      },
    );

    it('suspends and resumes processes by name, each call repeatable, leaving other suspensions alone', async () => {
      const { id } = await seed.template('fleet-manager', [AMI.old]);
      await seed.group({
        name: 'manager',
        templateId: id,
        version: '$Default',
        desiredCapacity: 0,
        suspendedProcesses: ['AZRebalance'],
      });
      const suspended = async () => [...((await describeGroup('manager'))?.suspendedProcesses ?? [])].sort();

      await suspendProcesses('manager', ['ReplaceUnhealthy']);
      await suspendProcesses('manager', ['ReplaceUnhealthy']);
      const whileSuspended = await suspended();
      await resumeProcesses('manager', ['ReplaceUnhealthy']);
      await resumeProcesses('manager', ['ReplaceUnhealthy', 'Launch']);

      expect(whileSuspended).toEqual(['AZRebalance', 'ReplaceUnhealthy']);
      expect(await suspended()).toEqual(['AZRebalance']);
    });

    it('reports no maintenance policy on a group without one', async () => {
      const { id } = await seed.template('fleet-manager', [AMI.old]);
      await seed.group({ name: 'manager', templateId: id, version: '$Default', desiredCapacity: 0 });

      expect((await describeGroup('manager'))?.instanceMaintenancePolicy).toBeUndefined();
    });

    target.fakeOnly('autoscaling-maintenance-policy-not-kept')(
      "reads back the group's instance maintenance policy",
      async () => {
        const { id } = await seed.template('fleet-manager', [AMI.old]);
        await seed.group({
          name: 'manager',
          templateId: id,
          version: '$Default',
          desiredCapacity: 0,
          instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 110 },
        });

        expect((await describeGroup('manager'))?.instanceMaintenancePolicy).toEqual({
          minHealthyPercentage: 100,
          maxHealthyPercentage: 110,
        });
      },
    );
  },
  warmUpEc2,
);
