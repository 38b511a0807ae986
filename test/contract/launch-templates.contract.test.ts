import {
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';

import {
  createCandidateVersion,
  describeInstances,
  findInstancesByTag,
  getLaunchTemplate,
  getLaunchTemplateVersions,
  listLaunchTemplateVersions,
  runCanary,
  setDefaultVersion,
  terminateInstances,
} from '../../functions/shared/aws/ec2';
import { ec2Seed, type TemplateSettings, warmUpEc2 } from './seed-ec2';
import { describeContract } from './targets';

/**
 * Launch templates and the instances launched from them, as the rollout uses them, held to one
 * contract on our fake and on moto server.
 */

const AMI = { old: 'ami-0000000000000000a', mid: 'ami-0000000000000000b', new: 'ami-0000000000000000c' };
const SETTINGS: TemplateSettings = { InstanceType: 't3.micro', UserData: 'IyEvYmluL2Jhc2g=', KeyName: 'ops' };
/** Well-formed ids that name nothing. */
const MISSING_TEMPLATE = 'lt-0123456789abcdef0';
const MISSING_INSTANCE = 'i-0123456789abcdef0';

const candidate = (launchTemplateId: string, sourceVersion: number, clientToken = 'stage-1') => ({
  launchTemplateId,
  sourceVersion,
  imageId: AMI.new,
  description: 'candidate ami-c',
  clientToken,
});

describeContract(
  'launch templates',
  (target) => {
    const seed = ec2Seed(target);
    const ec2 = (): EC2Client => new EC2Client({});
    const canary = (launchTemplateId: string, version: number, clientToken = 'canary-1') => ({
      launchTemplateId,
      version,
      tags: { 'runner-autopilot:canary': 'true', fleet: 'jobs' },
      clientToken,
    });

    it('finds a template by name or by id, with its default and latest version numbers', async () => {
      const { id } = await seed.template('fleet-jobs', [AMI.old, AMI.mid]);

      const byName = await getLaunchTemplate({ launchTemplateName: 'fleet-jobs' });
      const byId = await getLaunchTemplate({ launchTemplateId: id });

      const expected = {
        launchTemplateId: id,
        launchTemplateName: 'fleet-jobs',
        defaultVersion: 2,
        latestVersion: 2,
      };
      expect(byName).toEqual(expected);
      expect(byId).toEqual(expected);
    });

    it('answers a template that does not exist, by name or by id, with undefined', async () => {
      await seed.template('fleet-jobs', [AMI.old]);

      const byName = await getLaunchTemplate({ launchTemplateName: 'no-such-fleet' });
      const byId = await getLaunchTemplate({ launchTemplateId: MISSING_TEMPLATE });

      expect(byName).toBeUndefined();
      expect(byId).toBeUndefined();
    });

    it('numbers a candidate after the latest version and leaves the default where it was', async () => {
      const { id } = await seed.template('fleet-jobs', [AMI.old, AMI.mid]);

      const { version } = await createCandidateVersion(candidate(id, 2));

      const [created] = await getLaunchTemplateVersions(id, [String(version)]);
      expect(version).toBe(3);
      expect(created).toEqual({
        version: 3,
        imageId: AMI.new,
        description: 'candidate ami-c',
        isDefault: false,
      });
      expect(await getLaunchTemplate({ launchTemplateId: id })).toMatchObject({
        defaultVersion: 2,
        latestVersion: 3,
      });
    });

    target.fakeOnly('ec2-source-version')(
      'copies every setting of the source version into a candidate and replaces only the image',
      async () => {
        const { id } = await seed.template('fleet-jobs', [AMI.old], SETTINGS);
        // A later version with other settings: the candidate must copy its source, not the latest.
        await ec2().send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: id,
            SourceVersion: '1',
            LaunchTemplateData: { ImageId: AMI.mid, InstanceType: 'm7i.large' },
          }),
        );

        const { version } = await createCandidateVersion(candidate(id, 1));

        const out = await ec2().send(
          new DescribeLaunchTemplateVersionsCommand({
            LaunchTemplateId: id,
            Versions: ['1', String(version)],
          }),
        );
        const [source, made] = out.LaunchTemplateVersions ?? [];
        expect(made?.LaunchTemplateData).toEqual({ ...source?.LaunchTemplateData, ImageId: AMI.new });
        expect(made?.LaunchTemplateData).toMatchObject({ ...SETTINGS, ImageId: AMI.new });
      },
    );

    target.fakeOnly('ec2-source-version')(
      'refuses a candidate from a source version that does not exist',
      async () => {
        const { id } = await seed.template('fleet-jobs', [AMI.old]);

        await expect(createCandidateVersion(candidate(id, 7))).rejects.toMatchObject({
          name: 'InvalidLaunchTemplateId.VersionNotFound',
        });
      },
    );

    target.fakeOnly('ec2-version-client-token')(
      'returns the same version when a client token is repeated',
      async () => {
        const { id } = await seed.template('fleet-jobs', [AMI.old]);

        const first = await createCandidateVersion(candidate(id, 1, 'stage-bake-42'));
        const again = await createCandidateVersion(candidate(id, 1, 'stage-bake-42'));

        expect(again).toEqual(first);
        expect(await listLaunchTemplateVersions(id)).toHaveLength(2);
      },
    );

    it('promotes a version to default: describe shows it and $Default, $Latest resolve to numbers', async () => {
      const { id } = await seed.template('fleet-jobs', [AMI.old, AMI.mid, AMI.new]);

      await setDefaultVersion(id, 1);

      expect(await getLaunchTemplate({ launchTemplateId: id })).toMatchObject({
        defaultVersion: 1,
        latestVersion: 3,
      });
      expect(await getLaunchTemplateVersions(id, ['$Default', '$Latest'])).toEqual([
        expect.objectContaining({ version: 1, imageId: AMI.old, isDefault: true }),
        expect.objectContaining({ version: 3, imageId: AMI.new, isDefault: false }),
      ]);
      expect((await listLaunchTemplateVersions(id)).filter((v) => v.isDefault).map((v) => v.version)).toEqual(
        [1],
      );
    });

    it('refuses to promote a version that does not exist and keeps the default', async () => {
      const { id } = await seed.template('fleet-jobs', [AMI.old]);

      await expect(setDefaultVersion(id, 9)).rejects.toMatchObject({
        name: 'InvalidLaunchTemplateId.VersionNotFound',
      });
      expect(await getLaunchTemplate({ launchTemplateId: id })).toMatchObject({ defaultVersion: 1 });
    });

    it('names a missing version and a missing template in its errors', async () => {
      const { id } = await seed.template('fleet-jobs', [AMI.old]);

      await expect(getLaunchTemplateVersions(id, ['42'])).rejects.toMatchObject({
        name: 'InvalidLaunchTemplateId.VersionNotFound',
      });
      await expect(getLaunchTemplateVersions(MISSING_TEMPLATE, ['1'])).rejects.toMatchObject({
        name: 'InvalidLaunchTemplateId.NotFound',
      });
    });

    // One moto server per file: the instances share the templates' target.
    describe('instances launched from them', () => {
      it('launches a canary from exactly the version asked, with its tags and the subnet override', async () => {
        const { id } = await seed.template('fleet-jobs', [AMI.old, AMI.new]);
        const subnetId = await seed.subnet();
        await setDefaultVersion(id, 1);

        const { instanceId } = await runCanary({ ...canary(id, 2), subnetId });

        const [instance] = await describeInstances([instanceId]);
        expect(instance).toMatchObject({
          instanceId,
          imageId: AMI.new,
          launchTemplateVersion: '2',
          tags: expect.objectContaining({ 'runner-autopilot:canary': 'true', fleet: 'jobs' }),
        });
        expect(['pending', 'running']).toContain(instance?.state);
        const raw = await ec2().send(
          new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }] }),
        );
        expect(raw.Reservations?.[0]?.Instances?.[0]?.SubnetId).toBe(subnetId);
      });

      it('refuses a canary from a version that does not exist', async () => {
        const { id } = await seed.template('fleet-jobs', [AMI.old]);

        await expect(runCanary(canary(id, 5))).rejects.toMatchObject({
          name: 'InvalidLaunchTemplateId.VersionNotFound',
        });
      });

      target.fakeOnly('ec2-run-missing-template')(
        'refuses a canary from a template that does not exist',
        async () => {
          await expect(runCanary(canary(MISSING_TEMPLATE, 1))).rejects.toMatchObject({
            name: 'InvalidLaunchTemplateId.NotFound',
          });
        },
      );

      target.fakeOnly('ec2-run-client-token')(
        'returns the same instance when a client token is repeated',
        async () => {
          const { id } = await seed.template('fleet-jobs', [AMI.old]);

          const first = await runCanary(canary(id, 1, 'canary-bake-42'));
          const again = await runCanary(canary(id, 1, 'canary-bake-42'));

          expect(again).toEqual(first);
          expect(await findInstancesByTag({ fleet: 'jobs' })).toHaveLength(1);
        },
      );

      it('describes every instance asked for and leaves out ids that do not exist', async () => {
        const { id } = await seed.template('fleet-jobs', [AMI.old]);
        const launched = await Promise.all([1, 2, 3].map((n) => runCanary(canary(id, 1, `canary-${n}`))));
        const ids = launched.map((l) => l.instanceId);

        const found = await describeInstances([...ids, MISSING_INSTANCE]);

        expect(found.map((i) => i.instanceId).sort()).toEqual([...ids].sort());
      });

      target.fakeOnly('ec2-describe-instances-pages')(
        'pages DescribeInstances by MaxResults with a NextToken',
        async () => {
          const { id } = await seed.template('fleet-jobs', [AMI.old]);
          for (let n = 0; n < 7; n++) {
            await ec2().send(
              new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateId: id }, MinCount: 1, MaxCount: 1 }),
            );
          }
          const filter = {
            Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }],
            MaxResults: 5,
          };

          const first = await ec2().send(new DescribeInstancesCommand(filter));
          const second = await ec2().send(
            new DescribeInstancesCommand({ ...filter, NextToken: first.NextToken }),
          );

          const count = (r: typeof first): number =>
            (r.Reservations ?? []).reduce((n, res) => n + (res.Instances?.length ?? 0), 0);
          expect([count(first), count(second)]).toEqual([5, 2]);
          expect(second.NextToken).toBeUndefined();
          await expect(
            ec2().send(new DescribeInstancesCommand({ ...filter, MaxResults: 2 })),
          ).rejects.toMatchObject({
            name: 'InvalidParameterValue',
          });
        },
      );

      it('terminates the instances it knows when another id of the batch does not exist', async () => {
        const { id } = await seed.template('fleet-jobs', [AMI.old]);
        const { instanceId } = await runCanary(canary(id, 1));

        await terminateInstances([instanceId, MISSING_INSTANCE]);

        const [after] = await describeInstances([instanceId]);
        expect(['shutting-down', 'terminated']).toContain(after?.state);
      });
    });
  },
  warmUpEc2,
);
