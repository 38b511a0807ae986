import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  EC2Client,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';

import {
  deleteLaunchTemplateVersions,
  deleteSnapshot,
  deregisterImage,
  findImagesByTag,
  findInstancesUsingImages,
  listLaunchTemplateVersions,
} from '../../functions/shared/aws/ec2';
import { DEPLOYMENT_TAG } from '../../functions/shared/names';
import { amiId } from '../../rehearsal/fake-aws';
import { ec2Seed, warmUpEc2 } from './seed-ec2';
import { describeContract, type ContractTarget } from './targets';

/**
 * The account's AMIs and launch template versions as the housekeeper reads and removes them, held
 * to one contract on our fake and on moto server.
 */

const OURS = { [DEPLOYMENT_TAG]: 'gitlab-runners' };
/** Well-formed ids that name nothing. */
const MISSING_AMI = 'ami-0123456789abcdef0';
const MISSING_SNAPSHOT = 'snap-0123456789abcdef0';
const MISSING_TEMPLATE = 'lt-0123456789abcdef0';

/** An AMI of the account with its snapshot, put where the target keeps AMIs. */
const registerAmi = async (
  target: ContractTarget,
  name: string,
  tags: Record<string, string>,
): Promise<string> => {
  if (target.kind === 'fake') return target.world().registerImage(amiId(name), name, tags).id;
  const ec2 = new EC2Client({});
  const out = await ec2.send(new RegisterImageCommand({ Name: name, RootDeviceName: '/dev/xvda' }));
  const imageId = out.ImageId ?? '';
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  if (list.length) await ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: list }));
  return imageId;
};

const raw = (): EC2Client => new EC2Client({ maxAttempts: 1 });

describeContract(
  'images contract',
  (target) => {
    describe('DescribeImages', () => {
      it('lists our tagged AMIs with their snapshots, and not the others', async () => {
        const ours = await registerAmi(target, 'gitlab-runners-jobs-1.0.1', OURS);
        await registerAmi(target, 'someone-elses', { [DEPLOYMENT_TAG]: 'other' });

        const found = await findImagesByTag(OURS);

        expect(found.map((i) => [i.imageId, i.name, i.state, i.tags[DEPLOYMENT_TAG]])).toEqual([
          [ours, 'gitlab-runners-jobs-1.0.1', 'available', 'gitlab-runners'],
        ]);
        expect(found[0]?.snapshotIds).toHaveLength(1);
        expect(found[0]?.snapshotIds[0]).toMatch(/^snap-[0-9a-f]+$/);
      });
    });

    describe('DeregisterImage', () => {
      it('removes the AMI from the listing and keeps its snapshot', async () => {
        const imageId = await registerAmi(target, 'gitlab-runners-jobs-1.0.1', OURS);
        const [image] = await findImagesByTag(OURS);

        await deregisterImage(imageId);

        await expect(findImagesByTag(OURS)).resolves.toEqual([]);
        await expect(
          raw().send(new DeleteSnapshotCommand({ SnapshotId: image?.snapshotIds[0] })),
        ).resolves.toBeDefined();
      });

      it('refuses an AMI that does not exist (InvalidAMIID.NotFound), which the adapter counts as done', async () => {
        await expect(raw().send(new DeregisterImageCommand({ ImageId: MISSING_AMI }))).rejects.toMatchObject({
          name: 'InvalidAMIID.NotFound',
        });
        await expect(deregisterImage(MISSING_AMI)).resolves.toBeUndefined();
      });

      it('refuses an AMI deregistered already (InvalidAMIID.Unavailable), which the adapter counts as done', async () => {
        const imageId = await registerAmi(target, 'gitlab-runners-jobs-1.0.1', OURS);
        await deregisterImage(imageId);

        await expect(raw().send(new DeregisterImageCommand({ ImageId: imageId }))).rejects.toMatchObject({
          name: 'InvalidAMIID.Unavailable',
        });
        await expect(deregisterImage(imageId)).resolves.toBeUndefined();
      });
    });

    describe('DeleteSnapshot', () => {
      it('refuses the snapshot of a registered AMI (InvalidSnapshot.InUse)', async () => {
        await registerAmi(target, 'gitlab-runners-jobs-1.0.1', OURS);
        const [image] = await findImagesByTag(OURS);

        await expect(deleteSnapshot(image?.snapshotIds[0] ?? '')).rejects.toMatchObject({
          name: 'InvalidSnapshot.InUse',
        });
      });

      it('refuses a snapshot that does not exist (InvalidSnapshot.NotFound), which the adapter counts as done', async () => {
        await expect(
          raw().send(new DeleteSnapshotCommand({ SnapshotId: MISSING_SNAPSHOT })),
        ).rejects.toMatchObject({ name: 'InvalidSnapshot.NotFound' });
        await expect(deleteSnapshot(MISSING_SNAPSHOT)).resolves.toBeUndefined();
      });
    });

    describe('DescribeInstances by image', () => {
      it('finds the instances launched from an AMI, and none for an AMI no instance runs', async () => {
        const seed = ec2Seed(target);
        const used = await registerAmi(target, 'gitlab-runners-jobs-1.0.1', OURS);
        const unused = await registerAmi(target, 'gitlab-runners-jobs-1.0.2', OURS);
        const { id } = await seed.template('jobs', [used]);
        await seed.group({ name: 'jobs', templateId: id, version: '$Default', desiredCapacity: 1 });
        await target.settle();

        const found = await findInstancesUsingImages([used, unused]);

        expect(found.map((i) => i.imageId)).toEqual([used]);
      });
    });

    describe('DeleteLaunchTemplateVersions', () => {
      target.fakeOnly('ec2-delete-launch-template-versions')(
        'deletes old versions, refuses the default one and one that is gone, each on its own',
        async () => {
          const { id } = await ec2Seed(target).template('jobs', [amiId('a'), amiId('b'), amiId('c')]);

          const out = await deleteLaunchTemplateVersions(id, [1, 3, 7]);

          expect(out).toEqual({
            deleted: [1],
            failed: [
              {
                version: 3,
                code: 'unexpectedError',
                message: 'Cannot delete the default version of a launch template.',
              },
              {
                version: 7,
                code: 'launchTemplateVersionDoesNotExist',
                message: 'The specified launch template version 7 does not exist.',
              },
            ],
          });
          await expect(listLaunchTemplateVersions(id)).resolves.toMatchObject([
            { version: 2 },
            { version: 3 },
          ]);
        },
      );

      target.fakeOnly('ec2-delete-launch-template-versions')(
        'fails the call for a template that does not exist',
        async () => {
          await expect(deleteLaunchTemplateVersions(MISSING_TEMPLATE, [1])).rejects.toMatchObject({
            name: 'InvalidLaunchTemplateId.NotFound',
          });
        },
      );
    });
  },
  warmUpEc2,
);
