import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DeleteLaunchTemplateVersionsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  EC2ServiceException,
  type Filter,
} from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

import { handler, resetSettings } from '../../../functions/housekeeper/handler';
import type { HousekeeperSettings } from '../../../functions/housekeeper/settings';
import { resetAutoScalingClient } from '../../../functions/shared/aws/autoscaling';
import { resetEc2Client } from '../../../functions/shared/aws/ec2';
import { TransientError } from '../../../functions/shared/errors';
import type { ImageRollout, Rollout } from '../../../functions/shared/rollout/model';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { context } from '../../../rehearsal/context';
import { fixture } from '../../helpers/fixtures';
import { logEntries, metricNames } from '../../helpers/output';
import { resetDocumentClient } from '../../../functions/shared/aws/dynamodb';

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const ddb = mockClient(DynamoDBDocumentClient);

/** Dry run and a repeated run: not one call that changes anything. */
const expectNoMutation = () => {
  expect(ec2).toHaveReceivedCommandTimes(DeleteLaunchTemplateVersionsCommand, 0);
  expect(ec2).toHaveReceivedCommandTimes(DeregisterImageCommand, 0);
  expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
};
const NOW = new Date('2026-11-30T03:30:00Z');
const daysAgo = (days: number): string => new Date(NOW.getTime() - days * 86_400_000).toISOString();

const ec2Error = (name: string) =>
  new EC2ServiceException({ name, $fault: 'client', $metadata: {}, message: name });

interface FakeTemplate {
  id: string;
  defaultVersion: number;
  /** version -> imageId */
  versions: Map<number, string>;
}
interface FakeInstance {
  id: string;
  imageId: string;
  state: string;
  tags: Record<string, string>;
}
interface FakeImage {
  id: string;
  created: string;
  state: string;
  snapshots: string[];
  tags: Record<string, string>;
}

/** A small stateful EC2 / Auto Scaling / ledger that answers the calls the housekeeper makes. */
const world = () => {
  const templates = new Map<string, FakeTemplate>();
  const groups = new Map<string, { version: string; instances: { id: string; version: string }[] }>();
  const instances: FakeInstance[] = [];
  const images: FakeImage[] = [];
  const ledger = new Map<string, Partial<Rollout>[]>();
  const versionPages: number[] = [];

  const tagged = (tags: Record<string, string>, filters: Filter[]) =>
    filters.every((f) => {
      if (!f.Name?.startsWith('tag:')) return true;
      return (f.Values ?? []).includes(tags[f.Name.slice(4)] ?? '\u0000');
    });
  const valuesOf = (filters: Filter[], name: string) => filters.find((f) => f.Name === name)?.Values;

  ec2.on(DescribeLaunchTemplatesCommand).callsFake((input: { LaunchTemplateNames: string[] }) => {
    const name = input.LaunchTemplateNames[0] as string;
    const t = templates.get(name);
    if (!t) throw ec2Error('InvalidLaunchTemplateName.NotFoundException');
    return {
      LaunchTemplates: [
        {
          LaunchTemplateId: t.id,
          LaunchTemplateName: name,
          DefaultVersionNumber: t.defaultVersion,
          LatestVersionNumber: Math.max(...t.versions.keys()),
        },
      ],
    };
  });
  ec2
    .on(DescribeLaunchTemplateVersionsCommand)
    .callsFake((input: { LaunchTemplateId: string; MaxResults: number; NextToken?: string }) => {
      const t = [...templates.values()].find((x) => x.id === input.LaunchTemplateId);
      if (!t) throw ec2Error('InvalidLaunchTemplateId.NotFound');
      const all = [...t.versions.entries()].sort(([a], [b]) => b - a);
      const start = Number(input.NextToken ?? 0);
      const page = all.slice(start, start + input.MaxResults);
      versionPages.push(page.length);
      return {
        LaunchTemplateVersions: page.map(([v, imageId]) => ({
          VersionNumber: v,
          DefaultVersion: v === t.defaultVersion,
          LaunchTemplateData: { ImageId: imageId },
        })),
        NextToken: start + input.MaxResults < all.length ? String(start + input.MaxResults) : undefined,
      };
    });
  ec2
    .on(DeleteLaunchTemplateVersionsCommand)
    .callsFake((input: { LaunchTemplateId: string; Versions: string[] }) => {
      const t = [...templates.values()].find((x) => x.id === input.LaunchTemplateId);
      if (!t) throw ec2Error('InvalidLaunchTemplateId.NotFound');
      const ok: { VersionNumber: number }[] = [];
      const ko: { VersionNumber: number; ResponseError: { Code: string; Message: string } }[] = [];
      for (const v of input.Versions.map(Number)) {
        if (v === t.defaultVersion)
          ko.push({
            VersionNumber: v,
            ResponseError: { Code: 'unexpectedError', Message: 'default version' },
          });
        else if (!t.versions.delete(v))
          ko.push({
            VersionNumber: v,
            ResponseError: { Code: 'launchTemplateVersionDoesNotExist', Message: 'gone' },
          });
        else ok.push({ VersionNumber: v });
      }
      return {
        SuccessfullyDeletedLaunchTemplateVersions: ok,
        UnsuccessfullyDeletedLaunchTemplateVersions: ko,
      };
    });
  ec2.on(DescribeInstancesCommand).callsFake((input: { Filters: Filter[] }) => {
    const states = valuesOf(input.Filters, 'instance-state-name');
    const imageIds = valuesOf(input.Filters, 'image-id');
    const found = instances.filter(
      (i) =>
        tagged(i.tags, input.Filters) &&
        (!states || states.includes(i.state)) &&
        (!imageIds || imageIds.includes(i.imageId)),
    );
    return {
      Reservations: [
        {
          Instances: found.map((i) => ({
            InstanceId: i.id,
            ImageId: i.imageId,
            State: { Name: i.state },
            Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
          })),
        },
      ],
    };
  });
  ec2.on(DescribeImagesCommand).callsFake((input: { Filters: Filter[]; Owners: string[] }) => ({
    Images: images
      .filter((i) => input.Owners.includes('self') && tagged(i.tags, input.Filters))
      .map((i) => ({
        ImageId: i.id,
        CreationDate: i.created,
        State: i.state,
        Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
        BlockDeviceMappings: i.snapshots.map((s) => ({ DeviceName: '/dev/sda1', Ebs: { SnapshotId: s } })),
      })),
  }));
  ec2.on(DeregisterImageCommand).callsFake((input: { ImageId: string }) => {
    const at = images.findIndex((i) => i.id === input.ImageId);
    if (at < 0) throw ec2Error('InvalidAMIID.NotFound');
    images.splice(at, 1);
    return {};
  });
  ec2.on(DeleteSnapshotCommand).callsFake((input: { SnapshotId: string }) => {
    if (images.some((i) => i.snapshots.includes(input.SnapshotId))) throw ec2Error('InvalidSnapshot.InUse');
    return {};
  });
  autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake((input: { AutoScalingGroupNames: string[] }) => {
    const name = input.AutoScalingGroupNames[0] as string;
    const g = groups.get(name);
    if (!g) return { AutoScalingGroups: [] };
    return {
      AutoScalingGroups: [
        {
          AutoScalingGroupName: name,
          MinSize: 0,
          MaxSize: 10,
          DesiredCapacity: g.instances.length,
          LaunchTemplate: { LaunchTemplateName: 'gitlab-runner-autoscaler', Version: g.version },
          Instances: g.instances.map((i) => ({
            InstanceId: i.id,
            LifecycleState: 'InService',
            HealthStatus: 'Healthy',
            LaunchTemplate: { LaunchTemplateName: 'gitlab-runner-autoscaler', Version: i.version },
            ProtectedFromScaleIn: true,
          })),
        },
      ],
    };
  });
  ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
    const fleet = (input.ExpressionAttributeValues[':pk'] as string).replace(/^FLEET#/, '');
    return {
      Items: (ledger.get(fleet) ?? []).map((r) => ({
        ...r,
        pk: `FLEET#${fleet}`,
        sk: `ROLLOUT#${r.candidateId}`,
      })),
    };
  });

  return { templates, groups, instances, images, ledger, versionPages };
};

const rollout = (over: Partial<ImageRollout>): Partial<ImageRollout> => ({
  kind: 'rollout',
  fleet: 'jobs-instance',
  fleets: ['jobs-docker', 'jobs-instance'],
  role: 'jobs',
  pipeline: 'jobs',
  imageArn: 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.0/1',
  attempts: 0,
  history: [],
  revision: 1,
  ...over,
});

const LT_JOBS = 'lt-0aaaaaaaaaaaaaaaa';
const DEPLOYMENT = { 'runner-autopilot:deployment': 'gitlab-runners' };

/**
 * The jobs template as a year of rollouts leaves it: versions 1-8 (version n runs `ami-n`),
 * default 7 (promoted from 5), a live rollout staging 8, a job instance on 3, a standalone canary
 * on 1. With keepVersions 2, versions 2, 4 and 6 go.
 */
const jobsFleet = () => {
  const w = world();
  w.templates.set('gitlab-runner-autoscaler', {
    id: LT_JOBS,
    defaultVersion: 7,
    versions: new Map(Array.from({ length: 8 }, (_, i) => [i + 1, `ami-${i + 1}`])),
  });
  w.ledger.set('jobs-instance', [
    rollout({
      candidateId: 'c7',
      state: 'done',
      stateSince: '2026-11-20T04:00:00Z',
      promotedAt: '2026-11-20T03:00:00Z',
      candidateVersion: 7,
      previousDefault: 5,
      amiId: 'ami-7',
    }),
    rollout({
      candidateId: 'c8',
      state: 'canary-testing',
      stateSince: '2026-11-30T02:40:00Z',
      candidateVersion: 8,
      previousDefault: 7,
      amiId: 'ami-8',
    }),
  ]);
  w.groups.set('gitlab-runner-ao-group', {
    version: '$Default',
    instances: [{ id: 'i-job3', version: '3' }],
  });
  w.groups.set('gitlab-runner-ao-group-docker', { version: '$Default', instances: [] });
  w.instances.push(
    {
      id: 'i-job3',
      imageId: 'ami-3',
      state: 'running',
      tags: { 'aws:ec2launchtemplate:id': LT_JOBS, 'aws:ec2launchtemplate:version': '3' },
    },
    {
      id: 'i-canary1',
      imageId: 'ami-1',
      state: 'stopped',
      tags: { 'aws:ec2launchtemplate:id': LT_JOBS, 'aws:ec2launchtemplate:version': '1' },
    },
    // Launched by hand from an old AMI, outside any template.
    { id: 'i-manual', imageId: 'ami-old-in-use', state: 'stopped', tags: {} },
  );
  for (let v = 1; v <= 8; v++) {
    w.images.push({
      id: `ami-${v}`,
      created: daysAgo(v === 8 ? 1 : 90 - v),
      state: 'available',
      snapshots: [`snap-${v}`],
      tags: DEPLOYMENT,
    });
  }
  w.images.push(
    { id: 'ami-old', created: daysAgo(120), state: 'available', snapshots: ['snap-old'], tags: DEPLOYMENT },
    {
      id: 'ami-old-in-use',
      created: daysAgo(120),
      state: 'available',
      snapshots: ['snap-oiu'],
      tags: DEPLOYMENT,
    },
    { id: 'ami-fresh', created: daysAgo(3), state: 'available', snapshots: ['snap-fresh'], tags: DEPLOYMENT },
    { id: 'ami-baking', created: daysAgo(200), state: 'pending', snapshots: [], tags: DEPLOYMENT },
    { id: 'ami-other-team', created: daysAgo(300), state: 'available', snapshots: ['snap-x'], tags: {} },
  );
  return w;
};

const SETTINGS: HousekeeperSettings = {
  ledgerTable: 'gitlab-runners-ledger',
  region: 'us-east-2',
  deployment: 'gitlab-runners',
  keepVersions: 2,
  amiRetentionDays: 30,
  dryRun: false,
  fleets: [
    {
      name: 'jobs-instance',
      autoScalingGroup: 'gitlab-runner-ao-group',
      launchTemplate: 'gitlab-runner-autoscaler',
    },
    {
      name: 'jobs-docker',
      autoScalingGroup: 'gitlab-runner-ao-group-docker',
      launchTemplate: 'gitlab-runner-autoscaler',
    },
  ],
};
const configure = (over: Partial<HousekeeperSettings> = {}) => {
  process.env[CONFIG_ENV] = JSON.stringify({ ...SETTINGS, ...over });
};
const run = () => handler(fixture('scheduler/housekeeping.json'), context('housekeeper'));

describe('housekeeper handler', () => {
  const env = { ...process.env };
  beforeEach(() => {
    ec2.reset();
    ec2.onAnyCommand().rejects(new Error('unexpected command'));
    autoScaling.reset();
    autoScaling.onAnyCommand().rejects(new Error('unexpected command'));
    ddb.reset();
    ddb.onAnyCommand().rejects(new Error('unexpected command'));
    resetEc2Client();
    resetAutoScalingClient();
    resetDocumentClient();
    resetSettings();
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    configure();
  });
  afterEach(() => {
    jest.useRealTimers();
    process.env = { ...env };
  });

  it('deletes old versions, keeping the default, the previous default, versions in use and the live rollout', async () => {
    const w = jobsFleet();

    const result = await run();

    expect(ec2).toHaveReceivedCommandTimes(DeleteLaunchTemplateVersionsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DeleteLaunchTemplateVersionsCommand, {
      LaunchTemplateId: LT_JOBS,
      Versions: ['2', '4', '6'],
    });
    expect([...(w.templates.get('gitlab-runner-autoscaler')?.versions.keys() ?? [])].sort()).toEqual([
      1, 3, 5, 7, 8,
    ]);
    expect(result).toMatchObject({ outcome: 'cleaned', versionsDeleted: 3 });
  });

  it('deregisters only our old AMIs that nothing references, then deletes their snapshots', async () => {
    jobsFleet();

    const result = await run();

    const deregistered = ec2.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input.ImageId);
    const snapshots = ec2.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId);
    expect(deregistered.sort()).toEqual(['ami-2', 'ami-4', 'ami-6', 'ami-old']);
    expect(snapshots.sort()).toEqual(['snap-2', 'snap-4', 'snap-6', 'snap-old']);
    expect(result).toMatchObject({ imagesDeregistered: 4, snapshotsDeleted: 4 });
  });

  it('looks only at AMIs tagged with our deployment, and asks which instances use the candidates', async () => {
    jobsFleet();

    await run();

    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [{ Name: 'tag:runner-autopilot:deployment', Values: ['gitlab-runners'] }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'image-id', Values: ['ami-2', 'ami-4', 'ami-6', 'ami-old', 'ami-old-in-use'] },
        {
          Name: 'instance-state-name',
          Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'],
        },
      ],
    });
  });

  it('counts standalone instances launched from the template (canaries) as using their version', async () => {
    jobsFleet();

    await run();

    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'tag:aws:ec2launchtemplate:id', Values: [LT_JOBS] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
    });
    expect(ec2.commandCalls(DeleteLaunchTemplateVersionsCommand)[0]?.args[0].input.Versions).not.toContain(
      '1',
    );
  });

  it('dry run (the default) reports what it would delete and deletes nothing', async () => {
    jobsFleet();
    const withoutDryRun: Partial<HousekeeperSettings> = { ...SETTINGS };
    delete withoutDryRun.dryRun;
    process.env[CONFIG_ENV] = JSON.stringify(withoutDryRun);

    const result = await run();

    expectNoMutation();
    expect(result).toEqual({
      outcome: 'dry-run',
      templateCount: 1,
      versionsDeleted: 0,
      imagesDeregistered: 0,
      snapshotsDeleted: 0,
      wouldDeleteVersions: [
        { launchTemplate: 'gitlab-runner-autoscaler', launchTemplateId: LT_JOBS, versions: [2, 4, 6] },
      ],
      wouldDeregisterImages: ['ami-2', 'ami-4', 'ami-6', 'ami-old'],
      wouldDeleteSnapshots: ['snap-2', 'snap-4', 'snap-6', 'snap-old'],
    });
    expect(logEntries()).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'dry-run',
        dryRun: true,
        correlation_id: '2026-11-30T03:30:00Z',
      }),
    );
  });

  it('changes nothing more when run again (Scheduler or Lambda retried it)', async () => {
    jobsFleet();
    await run();
    ec2.resetHistory();

    const again = await run();

    expectNoMutation();
    expect(again).toMatchObject({ versionsDeleted: 0, imagesDeregistered: 0, snapshotsDeleted: 0 });
  });

  it('reads every page of versions before deciding', async () => {
    const w = jobsFleet();
    w.templates.set('gitlab-runner-autoscaler', {
      id: LT_JOBS,
      defaultVersion: 450,
      versions: new Map(Array.from({ length: 450 }, (_, i) => [i + 1, `ami-${(i % 8) + 1}`])),
    });
    w.ledger.clear();

    const result = await run();

    expect(w.versionPages).toEqual([200, 200, 50]);
    expect(result).toMatchObject({ versionsDeleted: 446 });
    expect(ec2).toHaveReceivedCommandTimes(DeleteLaunchTemplateVersionsCommand, 3);
  });

  it('keeps a version a group is pinned to', async () => {
    const w = jobsFleet();
    w.groups.set('gitlab-runner-ao-group-docker', { version: '4', instances: [] });

    await run();

    expect(ec2).toHaveReceivedCommandWith(DeleteLaunchTemplateVersionsCommand, {
      LaunchTemplateId: LT_JOBS,
      Versions: ['2', '6'],
    });
  });

  it('counts a version already gone as done', async () => {
    jobsFleet();
    ec2.on(DeleteLaunchTemplateVersionsCommand).resolves({
      SuccessfullyDeletedLaunchTemplateVersions: [{ VersionNumber: 2 }, { VersionNumber: 4 }],
      UnsuccessfullyDeletedLaunchTemplateVersions: [
        { VersionNumber: 6, ResponseError: { Code: 'launchTemplateVersionDoesNotExist', Message: 'gone' } },
      ],
    });

    const result = await run();

    expect(result).toMatchObject({ outcome: 'cleaned', versionsDeleted: 3 });
  });

  it('reports a refused deletion, keeps that version’s AMI, finishes the rest and fails the run', async () => {
    jobsFleet();
    ec2.on(DeleteLaunchTemplateVersionsCommand).resolves({
      SuccessfullyDeletedLaunchTemplateVersions: [{ VersionNumber: 2 }, { VersionNumber: 6 }],
      UnsuccessfullyDeletedLaunchTemplateVersions: [
        { VersionNumber: 4, ResponseError: { Code: 'unexpectedError', Message: 'try later' } },
      ],
    });

    await expect(run()).rejects.toThrow(/version 4: unexpectedError try later.*2 versions deleted, 3 images/);
    const deregistered = ec2.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input.ImageId);
    expect(deregistered.sort()).toEqual(['ami-2', 'ami-6', 'ami-old']);
    expect(metricNames()).toContain('TransientFailure');
  });

  it('deletes the snapshots of an AMI only after its deregistration succeeded', async () => {
    jobsFleet();
    ec2.on(DeregisterImageCommand, { ImageId: 'ami-4' }).rejects(ec2Error('UnauthorizedOperation'));

    await expect(run()).rejects.toThrow(TransientError);
    const snapshots = ec2.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId);
    expect(snapshots.sort()).toEqual(['snap-2', 'snap-6', 'snap-old']);
  });

  it('keeps the error of a failed snapshot as the cause', async () => {
    jobsFleet();
    ec2.on(DeleteSnapshotCommand, { SnapshotId: 'snap-old' }).rejects(ec2Error('UnauthorizedOperation'));

    const failure = run();

    await expect(failure).rejects.toThrow(/snapshot snap-old of ami-old: UnauthorizedOperation/);
    await expect(failure).rejects.toHaveProperty('cause.errors', [
      expect.objectContaining({ name: 'UnauthorizedOperation' }),
    ]);
  });

  describe('with two launch templates', () => {
    const LT_MANAGER = 'lt-0bbbbbbbbbbbbbbbb';
    const twoTemplates = () => {
      const w = jobsFleet();
      w.templates.set('gitlab-runner-manager', {
        id: LT_MANAGER,
        defaultVersion: 4,
        versions: new Map([1, 2, 3, 4].map((v) => [v, `ami-m${v}`])),
      });
      w.groups.set('gitlab-runner-manager', { version: '$Default', instances: [] });
      configure({
        fleets: [
          {
            name: 'manager',
            autoScalingGroup: 'gitlab-runner-manager',
            launchTemplate: 'gitlab-runner-manager',
          },
          ...SETTINGS.fleets,
        ],
      });
      return w;
    };

    it('cleans each template on its own', async () => {
      twoTemplates();

      const result = await run();

      expect(ec2).toHaveReceivedCommandWith(DeleteLaunchTemplateVersionsCommand, {
        LaunchTemplateId: LT_MANAGER,
        Versions: ['1', '2'],
      });
      expect(result).toMatchObject({ templateCount: 2, versionsDeleted: 5 });
    });

    it('goes on with the other templates when one fails, skips AMIs (any could be in use) and fails the run', async () => {
      twoTemplates();
      ec2
        .on(DescribeLaunchTemplatesCommand, { LaunchTemplateNames: ['gitlab-runner-manager'] })
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' }));

      await expect(run()).rejects.toThrow(/launch template gitlab-runner-manager: Rate exceeded/);
      expect(ec2).toHaveReceivedCommandWith(DeleteLaunchTemplateVersionsCommand, {
        LaunchTemplateId: LT_JOBS,
      });
      expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 0);
      expect(ec2).toHaveReceivedCommandTimes(DeregisterImageCommand, 0);
    });

    it('skips a template whose rollouts it cannot read, and the AMIs', async () => {
      twoTemplates();
      ddb
        .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'FLEET#manager' } })
        .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

      await expect(run()).rejects.toThrow(/ledger of fleet manager: throttled/);
      expect(ec2).not.toHaveReceivedCommandWith(DeleteLaunchTemplateVersionsCommand, {
        LaunchTemplateId: LT_MANAGER,
      });
      expect(ec2).toHaveReceivedCommandWith(DeleteLaunchTemplateVersionsCommand, {
        LaunchTemplateId: LT_JOBS,
      });
      expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 0);
    });

    it('reports a template that does not exist without failing', async () => {
      const w = twoTemplates();
      w.templates.delete('gitlab-runner-manager');

      const result = await run();

      expect(result).toMatchObject({ outcome: 'cleaned', missingTemplates: ['gitlab-runner-manager'] });
    });
  });

  it('rejects a malformed input without calling AWS', async () => {
    const result = await handler({ scheduledTime: 'yesterday' }, context('housekeeper'));

    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(ec2.calls()).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('fails (transient, so it reaches the failure queue) when its config slice is missing', async () => {
    delete process.env[CONFIG_ENV];

    await expect(run()).rejects.toThrow(CONFIG_ENV);
  });
});
