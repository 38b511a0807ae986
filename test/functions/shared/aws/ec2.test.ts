import {
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  EC2ServiceException,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';

import {
  createCandidateVersion,
  deleteLaunchTemplateVersions,
  deleteSnapshot,
  deregisterImage,
  describeImages,
  describeInstances,
  findImagesByTag,
  findInstancesByTag,
  getLaunchTemplate,
  getLaunchTemplateVersions,
  LaunchTemplateWarningError,
  listLaunchTemplateVersions,
  resetEc2Client,
  runCanary,
  setDefaultVersion,
  terminateInstances,
} from '../../../../functions/shared/aws/ec2';
import { PermanentError } from '../../../../functions/shared/errors';
import { inTurn } from '../../../helpers/in-turn';

const ec2 = mockClient(EC2Client);
const LT = 'lt-0123456789abcdef0';

/** An EC2 error as the SDK throws it: the error code is the name. */
const ec2Error = (name: string) =>
  new EC2ServiceException({ name, $fault: 'client', $metadata: {}, message: name });

const ids = (n: number, prefix = 'i-') =>
  Array.from({ length: n }, (_, i) => `${prefix}${i.toString(16).padStart(17, '0')}`);

describe('ec2 adapter', () => {
  beforeEach(() => {
    ec2.reset();
    ec2.onAnyCommand().rejects(new Error('unexpected command'));
    resetEc2Client();
  });

  describe('getLaunchTemplate', () => {
    it('describes the template by name and returns its default and latest versions', async () => {
      ec2.on(DescribeLaunchTemplatesCommand).resolves({
        LaunchTemplates: [
          {
            LaunchTemplateId: LT,
            LaunchTemplateName: 'gitlab-runner-manager',
            DefaultVersionNumber: 7,
            LatestVersionNumber: 9,
          },
        ],
      });

      const lt = await getLaunchTemplate({ launchTemplateName: 'gitlab-runner-manager' });

      expect(lt).toEqual({
        launchTemplateId: LT,
        launchTemplateName: 'gitlab-runner-manager',
        defaultVersion: 7,
        latestVersion: 9,
      });
      expect(ec2).toHaveReceivedCommandWith(DescribeLaunchTemplatesCommand, {
        LaunchTemplateNames: ['gitlab-runner-manager'],
      });
    });

    it('describes the template by id', async () => {
      ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });

      await getLaunchTemplate({ launchTemplateId: LT });

      expect(ec2).toHaveReceivedCommandWith(DescribeLaunchTemplatesCommand, { LaunchTemplateIds: [LT] });
    });

    it.each([
      ['a missing name', 'InvalidLaunchTemplateName.NotFoundException'],
      ['a missing id', 'InvalidLaunchTemplateId.NotFound'],
    ])('returns undefined for %s', async (_case, code) => {
      ec2.on(DescribeLaunchTemplatesCommand).rejects(ec2Error(code));

      await expect(getLaunchTemplate({ launchTemplateId: LT })).resolves.toBeUndefined();
    });

    it.each([{}, { LaunchTemplates: [] }, { LaunchTemplates: [{}] }])(
      'returns undefined for the empty answer %j',
      async (answer) => {
        ec2.on(DescribeLaunchTemplatesCommand).resolves(answer);

        await expect(getLaunchTemplate({ launchTemplateName: 'x' })).resolves.toBeUndefined();
      },
    );

    it('rethrows other errors unchanged', async () => {
      const error = ec2Error('InvalidLaunchTemplateId.Malformed');
      ec2.on(DescribeLaunchTemplatesCommand).rejects(error);

      await expect(getLaunchTemplate({ launchTemplateId: 'bad' })).rejects.toBe(error);
    });

    it.each([{}, { launchTemplateId: LT, launchTemplateName: 'x' }])(
      'throws without calling AWS when given %j',
      async (nameOrId) => {
        await expect(getLaunchTemplate(nameOrId)).rejects.toThrow(/exactly one/);

        expect(ec2).toHaveReceivedCommandTimes(DescribeLaunchTemplatesCommand, 0);
      },
    );
  });

  describe('launch template versions', () => {
    it('reads the named versions over every page, resolving SSM aliases', async () => {
      const { sent, fake } = inTurn([
        {
          LaunchTemplateVersions: [
            {
              VersionNumber: 7,
              DefaultVersion: true,
              VersionDescription: 'promoted',
              LaunchTemplateData: { ImageId: 'ami-1' },
            },
          ],
          NextToken: 'page-2',
        },
        { LaunchTemplateVersions: [{ VersionNumber: 9, LaunchTemplateData: {} }] },
      ]);
      ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake(fake);

      const versions = await getLaunchTemplateVersions(LT, ['$Default', '$Latest']);

      expect(versions).toEqual([
        { version: 7, imageId: 'ami-1', description: 'promoted', isDefault: true },
        { version: 9, imageId: undefined, description: undefined, isDefault: false },
      ]);
      const first = { LaunchTemplateId: LT, Versions: ['$Default', '$Latest'], ResolveAlias: true };
      expect(sent).toEqual([
        { ...first, NextToken: undefined },
        { ...first, NextToken: 'page-2' },
      ]);
    });

    it('returns nothing for no versions without asking (an empty list would mean all)', async () => {
      await expect(getLaunchTemplateVersions(LT, [])).resolves.toEqual([]);

      expect(ec2).toHaveReceivedCommandTimes(DescribeLaunchTemplateVersionsCommand, 0);
    });

    it('lists every version, 200 per page', async () => {
      const { sent, fake } = inTurn([
        { LaunchTemplateVersions: [{ VersionNumber: 1 }], NextToken: 't' },
        { LaunchTemplateVersions: [{ VersionNumber: 2 }] },
      ]);
      ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake(fake);

      const versions = await listLaunchTemplateVersions(LT);

      expect(versions.map((v) => v.version)).toEqual([1, 2]);
      expect(sent).toEqual([
        {
          LaunchTemplateId: LT,
          Versions: undefined,
          ResolveAlias: true,
          MaxResults: 200,
          NextToken: undefined,
        },
        { LaunchTemplateId: LT, Versions: undefined, ResolveAlias: true, MaxResults: 200, NextToken: 't' },
      ]);
    });

    it.each([{}, { LaunchTemplateVersions: [] }, { LaunchTemplateVersions: [{}] }])(
      'lists nothing for the empty answer %j',
      async (answer) => {
        ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(answer);

        await expect(listLaunchTemplateVersions(LT)).resolves.toEqual([]);
      },
    );
  });

  describe('createCandidateVersion', () => {
    const input = {
      launchTemplateId: LT,
      sourceVersion: 7,
      imageId: 'ami-0fedcba9876543210',
      description: 'candidate gitlab-runners-jobs/1.0.4021/1',
      clientToken: 'stage-0123456789abcdef',
    };

    it('copies the source version and overrides only the AMI', async () => {
      ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 10 } });

      await expect(createCandidateVersion(input)).resolves.toEqual({ version: 10 });

      const sent = ec2.commandCalls(CreateLaunchTemplateVersionCommand)[0]?.args[0].input;
      expect(sent).toEqual({
        LaunchTemplateId: LT,
        SourceVersion: '7',
        LaunchTemplateData: { ImageId: 'ami-0fedcba9876543210' },
        VersionDescription: input.description,
        ClientToken: input.clientToken,
      });
    });

    it('throws a permanent error carrying the created version when EC2 warns', async () => {
      ec2.on(CreateLaunchTemplateVersionCommand).resolves({
        LaunchTemplateVersion: { VersionNumber: 10 },
        Warning: { Errors: [{ Code: 'InvalidParameterCombination', Message: 'bad combo' }] },
      });

      const error = await createCandidateVersion(input).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(LaunchTemplateWarningError);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({
        version: 10,
        warnings: [{ code: 'InvalidParameterCombination', message: 'bad combo' }],
      });
    });

    it('accepts a warning without errors', async () => {
      ec2
        .on(CreateLaunchTemplateVersionCommand)
        .resolves({ LaunchTemplateVersion: { VersionNumber: 10 }, Warning: { Errors: [] } });

      await expect(createCandidateVersion(input)).resolves.toEqual({ version: 10 });
    });

    it.each([{}, { LaunchTemplateVersion: {} }])(
      'throws when the answer %j has no version',
      async (answer) => {
        ec2.on(CreateLaunchTemplateVersionCommand).resolves(answer);

        await expect(createCandidateVersion(input)).rejects.toThrow(/no version number/);
      },
    );

    it.each(['', 'x'.repeat(129), 'tökén'])(
      'throws without calling AWS for the client token %j',
      async (clientToken) => {
        await expect(createCandidateVersion({ ...input, clientToken })).rejects.toThrow(/1-128/);

        expect(ec2).toHaveReceivedCommandTimes(CreateLaunchTemplateVersionCommand, 0);
      },
    );

    it('accepts a client token of 128 ASCII characters', async () => {
      ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 10 } });

      await expect(createCandidateVersion({ ...input, clientToken: 'x'.repeat(128) })).resolves.toEqual({
        version: 10,
      });
    });
  });

  it('promotes a version with ModifyLaunchTemplate DefaultVersion', async () => {
    ec2.on(ModifyLaunchTemplateCommand).resolves({});

    await setDefaultVersion(LT, 10);

    expect(ec2).toHaveReceivedCommandWith(ModifyLaunchTemplateCommand, {
      LaunchTemplateId: LT,
      DefaultVersion: '10',
    });
  });

  describe('deleteLaunchTemplateVersions', () => {
    it('deletes in batches of 200 and returns the refused versions', async () => {
      const versions = Array.from({ length: 250 }, (_, i) => i + 1);
      ec2
        .on(DeleteLaunchTemplateVersionsCommand)
        .resolvesOnce({
          SuccessfullyDeletedLaunchTemplateVersions: [{ VersionNumber: 1 }, { VersionNumber: 2 }],
          UnsuccessfullyDeletedLaunchTemplateVersions: [
            {
              VersionNumber: 3,
              ResponseError: { Code: 'launchTemplateVersionDoesNotExist', Message: 'gone' },
            },
          ],
        })
        .resolvesOnce({ SuccessfullyDeletedLaunchTemplateVersions: [{ VersionNumber: 250 }] });

      const result = await deleteLaunchTemplateVersions(LT, versions);

      expect(result).toEqual({
        deleted: [1, 2, 250],
        failed: [{ version: 3, code: 'launchTemplateVersionDoesNotExist', message: 'gone' }],
      });
      const calls = ec2.commandCalls(DeleteLaunchTemplateVersionsCommand);
      expect(calls.map((c) => c.args[0].input.Versions?.length)).toEqual([200, 50]);
      expect(calls[1]?.args[0].input).toEqual({
        LaunchTemplateId: LT,
        Versions: versions.slice(200).map(String),
      });
    });

    it('makes no call for no versions', async () => {
      await expect(deleteLaunchTemplateVersions(LT, [])).resolves.toEqual({ deleted: [], failed: [] });

      expect(ec2).toHaveReceivedCommandTimes(DeleteLaunchTemplateVersionsCommand, 0);
    });

    it.each([{}, { UnsuccessfullyDeletedLaunchTemplateVersions: [{}] }])(
      'reports nothing for the empty answer %j',
      async (answer) => {
        ec2.on(DeleteLaunchTemplateVersionsCommand).resolves(answer);

        await expect(deleteLaunchTemplateVersions(LT, [4])).resolves.toEqual({ deleted: [], failed: [] });
      },
    );
  });

  describe('runCanary', () => {
    const input = {
      launchTemplateId: LT,
      version: 10,
      tags: { 'runner-autopilot:role': 'canary', 'runner-autopilot:candidate': '10' },
      clientToken: 'canary-0123456789abcdef',
    };

    it('launches one instance from exactly that version, terminating on shutdown, tagged', async () => {
      ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0abc' }] });

      await expect(
        runCanary({ ...input, subnetId: 'subnet-1', securityGroupIds: ['sg-1'] }),
      ).resolves.toEqual({ instanceId: 'i-0abc' });

      const tags = [
        { Key: 'runner-autopilot:role', Value: 'canary' },
        { Key: 'runner-autopilot:candidate', Value: '10' },
      ];
      expect(ec2.commandCalls(RunInstancesCommand)[0]?.args[0].input).toEqual({
        LaunchTemplate: { LaunchTemplateId: LT, Version: '10' },
        MinCount: 1,
        MaxCount: 1,
        InstanceInitiatedShutdownBehavior: 'terminate',
        SubnetId: 'subnet-1',
        SecurityGroupIds: ['sg-1'],
        TagSpecifications: [
          { ResourceType: 'instance', Tags: tags },
          { ResourceType: 'volume', Tags: tags },
        ],
        ClientToken: input.clientToken,
      });
    });

    it('leaves the network to the template when no subnet or security groups are given', async () => {
      ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0abc' }] });

      await runCanary({ ...input, securityGroupIds: [] });

      const sent = ec2.commandCalls(RunInstancesCommand)[0]?.args[0].input;
      expect(sent).not.toHaveProperty('SubnetId');
      expect(sent).not.toHaveProperty('SecurityGroupIds');
    });

    it('throws without calling AWS for a client token over 64 characters', async () => {
      await expect(runCanary({ ...input, clientToken: 'x'.repeat(65) })).rejects.toThrow(/1-64/);

      expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 0);
    });

    it.each([{}, { Instances: [] }, { Instances: [{}] }])(
      'throws when the answer %j has no instance',
      async (answer) => {
        ec2.on(RunInstancesCommand).resolves(answer);

        await expect(runCanary(input)).rejects.toThrow(/no instance/);
      },
    );
  });

  describe('describeInstances', () => {
    it('filters by instance-id in batches of 200 and reads every reservation of every page', async () => {
      const wanted = ids(250);
      const { sent, fake } = inTurn([
        {
          Reservations: [
            {
              Instances: [
                {
                  InstanceId: 'i-1',
                  State: { Name: 'running' },
                  LaunchTime: new Date('2026-11-30T02:00:00Z'),
                  ImageId: 'ami-1',
                  PrivateIpAddress: '10.0.1.23',
                  Tags: [
                    { Key: 'aws:ec2launchtemplate:version', Value: '7' },
                    { Key: 'aws:autoscaling:groupName', Value: 'runner-manager' },
                    { Key: 'Name', Value: 'manager' },
                  ],
                },
              ],
            },
            { Instances: [{ InstanceId: 'i-2', State: { Name: 'terminated' } }] },
          ],
          NextToken: 'page-2',
        },
        { Reservations: [{ Instances: [{ InstanceId: 'i-3' }] }] },
        { Reservations: [{ Instances: [{ InstanceId: 'i-4', State: { Name: 'stopped' } }] }] },
      ]);
      ec2.on(DescribeInstancesCommand).callsFake(fake);

      const found = await describeInstances(wanted);

      expect(found.map((i) => i.instanceId)).toEqual(['i-1', 'i-2', 'i-3', 'i-4']);
      expect(found[0]).toEqual({
        instanceId: 'i-1',
        state: 'running',
        launchTime: new Date('2026-11-30T02:00:00Z'),
        imageId: 'ami-1',
        privateIpAddress: '10.0.1.23',
        tags: {
          'aws:ec2launchtemplate:version': '7',
          'aws:autoscaling:groupName': 'runner-manager',
          Name: 'manager',
        },
        launchTemplateVersion: '7',
        autoScalingGroup: 'runner-manager',
      });
      expect(found[2]).toEqual({
        instanceId: 'i-3',
        state: 'unknown',
        launchTime: undefined,
        imageId: undefined,
        privateIpAddress: undefined,
        tags: {},
        launchTemplateVersion: undefined,
        autoScalingGroup: undefined,
      });
      const byId = (values: string[]) => ({
        Filters: [{ Name: 'instance-id', Values: values }],
        MaxResults: 1000,
      });
      expect(sent).toEqual([
        { ...byId(wanted.slice(0, 200)), NextToken: undefined },
        { ...byId(wanted.slice(0, 200)), NextToken: 'page-2' },
        { ...byId(wanted.slice(200)), NextToken: undefined },
      ]);
    });

    it('makes no call for no ids', async () => {
      await expect(describeInstances([])).resolves.toEqual([]);

      expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
    });

    it.each([{}, { Reservations: [] }, { Reservations: [{}] }, { Reservations: [{ Instances: [{}] }] }])(
      'finds nothing in the empty answer %j',
      async (answer) => {
        ec2.on(DescribeInstancesCommand).resolves(answer);

        await expect(describeInstances(['i-1'])).resolves.toEqual([]);
      },
    );
  });

  describe('findInstancesByTag', () => {
    it('filters on every tag and the states', async () => {
      ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });

      await findInstancesByTag({ 'runner-autopilot:role': 'canary', env: 'prod' }, ['pending', 'running']);

      expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
        Filters: [
          { Name: 'tag:runner-autopilot:role', Values: ['canary'] },
          { Name: 'tag:env', Values: ['prod'] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      });
    });

    it('leaves the state out when none is given', async () => {
      ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });

      await findInstancesByTag({ env: 'prod' });

      expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
        Filters: [{ Name: 'tag:env', Values: ['prod'] }],
      });
    });

    it('refuses an empty tag set, which would match every instance', async () => {
      await expect(findInstancesByTag({})).rejects.toThrow(/at least one tag/);

      expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
    });
  });

  describe('terminateInstances', () => {
    it('terminates in batches of 1000', async () => {
      ec2.on(TerminateInstancesCommand).resolves({});
      const wanted = ids(1001);

      await terminateInstances(wanted);

      const calls = ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds);
      expect(calls).toEqual([wanted.slice(0, 1000), wanted.slice(1000)]);
    });

    it('retries a batch EC2 answers with NotFound with only the instances still alive', async () => {
      ec2.on(TerminateInstancesCommand).rejectsOnce(ec2Error('InvalidInstanceID.NotFound')).resolvesOnce({});
      ec2.on(DescribeInstancesCommand).resolves({
        Reservations: [
          {
            Instances: [
              { InstanceId: 'i-alive', State: { Name: 'running' } },
              { InstanceId: 'i-done', State: { Name: 'terminated' } },
            ],
          },
        ],
      });

      await terminateInstances(['i-alive', 'i-done', 'i-long-gone']);

      expect(ec2).toHaveReceivedNthSpecificCommandWith(2, TerminateInstancesCommand, {
        InstanceIds: ['i-alive'],
      });
    });

    it('is done when no instance of the batch is left', async () => {
      ec2.on(TerminateInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound'));
      ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });

      await terminateInstances(['i-long-gone']);

      expect(ec2).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
    });

    it('rethrows other errors unchanged', async () => {
      const error = ec2Error('UnauthorizedOperation');
      ec2.on(TerminateInstancesCommand).rejects(error);

      await expect(terminateInstances(['i-1'])).rejects.toBe(error);
    });
  });

  describe('images', () => {
    const image = {
      ImageId: 'ami-1',
      Name: 'gitlab-runners-jobs 1.0.4021',
      CreationDate: '2026-11-30T02:40:00.000Z',
      State: 'available' as const,
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1' } },
        { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
      ],
      Tags: [{ Key: 'runner-autopilot:pipeline', Value: 'jobs' }],
    };

    it('describes our own AMIs by image-id filter, all pages, with their snapshots', async () => {
      const { sent, fake } = inTurn([
        { Images: [image], NextToken: 'p2' },
        { Images: [{ ImageId: 'ami-2' }] },
      ]);
      ec2.on(DescribeImagesCommand).callsFake(fake);

      const found = await describeImages(['ami-1', 'ami-2', 'ami-1']);

      expect(found).toEqual([
        {
          imageId: 'ami-1',
          name: 'gitlab-runners-jobs 1.0.4021',
          creationDate: '2026-11-30T02:40:00.000Z',
          state: 'available',
          snapshotIds: ['snap-1'],
          tags: { 'runner-autopilot:pipeline': 'jobs' },
        },
        {
          imageId: 'ami-2',
          name: undefined,
          creationDate: undefined,
          state: undefined,
          snapshotIds: [],
          tags: {},
        },
      ]);
      const first = {
        Owners: ['self'],
        IncludeDisabled: true,
        IncludeDeprecated: true,
        Filters: [{ Name: 'image-id', Values: ['ami-1', 'ami-2'] }],
      };
      expect(sent).toEqual([
        { ...first, NextToken: undefined },
        { ...first, NextToken: 'p2' },
      ]);
    });

    it('batches image ids by 200', async () => {
      ec2.on(DescribeImagesCommand).resolves({ Images: [] });

      await describeImages(ids(201, 'ami-'));

      expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
    });

    it('finds our own AMIs by tag', async () => {
      ec2.on(DescribeImagesCommand).resolves({ Images: [image] });

      const found = await findImagesByTag({ 'runner-autopilot:pipeline': 'jobs' });

      expect(found.map((i) => i.imageId)).toEqual(['ami-1']);
      expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
        Owners: ['self'],
        Filters: [{ Name: 'tag:runner-autopilot:pipeline', Values: ['jobs'] }],
      });
    });

    it.each([{}, { Images: [] }, { Images: [{}] }])(
      'finds nothing in the empty answer %j',
      async (answer) => {
        ec2.on(DescribeImagesCommand).resolves(answer);

        await expect(findImagesByTag({ env: 'prod' })).resolves.toEqual([]);
      },
    );

    it('deregisters an AMI', async () => {
      ec2.on(DeregisterImageCommand).resolves({ Return: true });

      await deregisterImage('ami-1');

      expect(ec2).toHaveReceivedCommandWith(DeregisterImageCommand, { ImageId: 'ami-1' });
    });

    it.each(['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable'])(
      'treats an AMI already gone (%s) as deregistered',
      async (code) => {
        ec2.on(DeregisterImageCommand).rejects(ec2Error(code));

        await expect(deregisterImage('ami-1')).resolves.toBeUndefined();
      },
    );

    it('deletes a snapshot, a missing one being done', async () => {
      ec2.on(DeleteSnapshotCommand).rejects(ec2Error('InvalidSnapshot.NotFound'));

      await expect(deleteSnapshot('snap-1')).resolves.toBeUndefined();
      expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-1' });
    });

    it('rethrows a snapshot still in use', async () => {
      const error = ec2Error('InvalidSnapshot.InUse');
      ec2.on(DeleteSnapshotCommand).rejects(error);

      await expect(deleteSnapshot('snap-1')).rejects.toBe(error);
    });
  });
});
