import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeScalingActivitiesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  type Filter,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeInstanceInformationCommand,
  GetParameterCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

import { handler, resetSettings } from '../../../functions/fleet-sweeper/handler';
import type { FleetSweeperSettings } from '../../../functions/fleet-sweeper/settings';
import { resetAutoScalingClient } from '../../../functions/shared/aws/autoscaling';
import { getMetricData } from '../../../functions/shared/aws/cloudwatch-metrics';
import { resetEc2Client } from '../../../functions/shared/aws/ec2';
import { resetSsmClient } from '../../../functions/shared/aws/ssm';
import { TransientError } from '../../../functions/shared/errors';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { DEFAULT_HEALTH, minutesAgo, NOW } from '../../arbitraries/fleet';
import { context } from '../../../rehearsal/context';
import { fixture } from '../../helpers/fixtures';
import { jsonLines } from '../../helpers/output';
import { resetCloudWatchClient } from '../../../functions/shared/aws/cloudwatch-client';
import { resetDocumentClient } from '../../../functions/shared/aws/dynamodb';

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const ssm = mockClient(SSMClient);
const cloudWatch = mockClient(CloudWatchClient);
const ddb = mockClient(DynamoDBDocumentClient);

const CONFIG = join(__dirname, '..', '..', '..', 'config', 'manager');
const PREFIX = '/runner-autopilot/gitlab-runners/manager/config';
const DOCUMENT = 'gitlab-runners-autopilot-job-check';
const MANAGER_GROUP = 'gitlab-runner-manager';
const JOBS_GROUP = 'gitlab-runner-ao-group-docker';
const GROUP_TAG = 'aws:autoscaling:groupName';

const id = (n: number, prefix = 0): string => `i-${prefix.toString(16)}${n.toString(16).padStart(16, '0')}`;

interface FakeInstance {
  id: string;
  state: string;
  launchedMinutesAgo: number;
  tags: Record<string, string>;
  /** Listed by the group (with this lifecycle state and template version). */
  member?: { lifecycle: string; version: string };
  cpu: number;
  online: boolean;
}

/** A small stateful AWS that answers every call the sweeper makes; `calls` counts them. */
const world = () => {
  const instances: FakeInstance[] = [];
  const commands: { id: string; at: Date; outputs: Record<string, string>; status?: string }[] = [];
  const lease: { action?: string } = {};
  const heldByGroup = new Set<string>();

  const add = (over: Partial<FakeInstance> & { id: string; group?: string }): FakeInstance => {
    const { group, ...rest } = over;
    const i: FakeInstance = {
      state: 'running',
      launchedMinutesAgo: 600,
      tags: group ? { [GROUP_TAG]: group } : {},
      ...(group ? { member: { lifecycle: 'InService', version: '7' } } : {}),
      cpu: 0.5,
      online: true,
      ...rest,
    };
    instances.push(i);
    return i;
  };
  const valuesOf = (filters: Filter[] | undefined, name: string) =>
    filters?.find((f) => f.Name === name)?.Values;

  ec2
    .on(DescribeInstancesCommand)
    .callsFake((input: { Filters: Filter[]; MaxResults: number; NextToken?: string }) => {
      const states = valuesOf(input.Filters, 'instance-state-name');
      const found = instances.filter(
        (i) =>
          (!states || states.includes(i.state)) &&
          input.Filters.every(
            (f) => !f.Name?.startsWith('tag:') || (f.Values ?? []).includes(i.tags[f.Name.slice(4)] ?? '\0'),
          ),
      );
      const start = Number(input.NextToken ?? 0);
      const page = found.slice(start, start + input.MaxResults);
      return {
        Reservations: [
          {
            Instances: page.map((i) => ({
              InstanceId: i.id,
              State: { Name: i.state },
              LaunchTime: minutesAgo(i.launchedMinutesAgo),
              Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
            })),
          },
        ],
        NextToken: start + input.MaxResults < found.length ? String(start + input.MaxResults) : undefined,
      };
    });
  ec2.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [] });
  ec2.on(DescribeLaunchTemplatesCommand).resolves({
    LaunchTemplates: [
      {
        LaunchTemplateId: 'lt-0abc',
        LaunchTemplateName: 'x',
        DefaultVersionNumber: 7,
        LatestVersionNumber: 8,
      },
    ],
  });
  ec2.on(TerminateInstancesCommand).resolves({});
  autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake((input: { AutoScalingGroupNames: string[] }) => {
    const name = input.AutoScalingGroupNames[0] as string;
    return {
      AutoScalingGroups: [
        {
          AutoScalingGroupName: name,
          MinSize: 0,
          MaxSize: 5000,
          DesiredCapacity: 0,
          LaunchTemplate: { LaunchTemplateName: 'x', Version: '$Default' },
          Instances: instances
            .filter((i) => i.member && i.tags[GROUP_TAG] === name)
            .map((i) => ({
              InstanceId: i.id,
              LifecycleState: i.member!.lifecycle,
              HealthStatus: 'Healthy',
              LaunchTemplate: { LaunchTemplateName: 'x', Version: i.member!.version },
              ProtectedFromScaleIn: true,
            })),
        },
      ],
    };
  });
  autoScaling.on(DescribeAutoScalingInstancesCommand).callsFake((input: { InstanceIds: string[] }) => ({
    AutoScalingInstances: input.InstanceIds.filter((i) => heldByGroup.has(i)).map((InstanceId) => ({
      InstanceId,
    })),
  }));
  autoScaling.on(DescribeScalingActivitiesCommand).resolves({ Activities: [] });
  ssm
    .on(DescribeInstanceInformationCommand)
    .callsFake((input: { Filters: { Key: string; Values: string[] }[] }) => ({
      InstanceInformationList: instances
        .filter((i) => input.Filters[0]!.Values.includes(i.id))
        .map((i) => ({
          InstanceId: i.id,
          PingStatus: i.online ? 'Online' : 'ConnectionLost',
          LastPingDateTime: minutesAgo(i.online ? 1 : 60),
        })),
    }));
  ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => {
    const file =
      input.Name === `${PREFIX}/template`
        ? 'config.toml.tmpl'
        : input.Name === `${PREFIX}/values`
          ? 'values.json'
          : undefined;
    if (!file) throw Object.assign(new Error('ParameterNotFound'), { name: 'ParameterNotFound' });
    const text = readFileSync(join(CONFIG, file), 'utf8');
    return { Parameter: { Value: file === 'values.json' ? JSON.stringify(JSON.parse(text)) : text } };
  });
  ssm.on(ListCommandsCommand).callsFake(() => ({
    Commands: commands.map((c) => ({ CommandId: c.id, RequestedDateTime: c.at, DocumentName: DOCUMENT })),
  }));
  ssm.on(ListCommandInvocationsCommand).callsFake((input: { CommandId: string }) => {
    const c = commands.find((x) => x.id === input.CommandId)!;
    return {
      CommandInvocations: Object.entries(c.outputs).map(([InstanceId, Output]) => ({
        InstanceId,
        Status: c.status ?? 'Success',
        CommandPlugins: [{ Output }],
      })),
    };
  });
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-new' } });
  cloudWatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => ({
    MetricDataResults: input.MetricDataQueries.map((q) => {
      const instanceId = q.MetricStat?.Metric?.Dimensions?.[0]?.Value;
      const cpu = instances.find((i) => i.id === instanceId)?.cpu ?? 0;
      const value = q.MetricStat?.Metric?.MetricName === 'CPUUtilization' ? cpu : 1000;
      return {
        Id: q.Id,
        StatusCode: 'Complete',
        Timestamps: Array.from({ length: 8 }, (_, n) => minutesAgo(5 * (n + 1))),
        Values: Array.from({ length: 8 }, () => value),
      };
    }),
  }));
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(GetCommand).callsFake(() =>
    lease.action
      ? {
          Item: {
            pk: 'FLEET#manager',
            sk: 'LEASE',
            fleet: 'manager',
            holder: 'c1',
            action: lease.action,
            acquiredAt: minutesAgo(10).toISOString(),
            expiresAt: minutesAgo(-60).toISOString(),
          },
        }
      : {},
  );

  const calls = () => ({
    ec2: ec2.calls().length,
    autoScaling: autoScaling.calls().length,
    ssm: ssm.calls().length,
    cloudWatch: cloudWatch.calls().length,
    ddb: ddb.calls().length,
  });
  add({ id: 'i-0aaaaaaaaaaaaaaa1', group: MANAGER_GROUP });
  return { instances, commands, lease, heldByGroup, add, calls };
};

const SETTINGS: FleetSweeperSettings = {
  region: 'us-east-2',
  ledgerTable: 'gitlab-runners-autopilot-ledger',
  jobCheckDocument: DOCUMENT,
  sweepEveryMinutes: 5,
  fleets: [
    {
      name: 'manager',
      role: 'manager',
      autoScalingGroup: MANAGER_GROUP,
      launchTemplate: 'gitlab-runner-manager',
      health: DEFAULT_HEALTH,
      canaryLifetimeMinutes: 35,
    },
    {
      name: 'jobs-docker',
      role: 'jobs',
      autoScalingGroup: JOBS_GROUP,
      launchTemplate: 'gitlab-runner-autoscaler',
      manager: 'manager',
      health: DEFAULT_HEALTH,
      canaryLifetimeMinutes: 35,
      connectorUser: 'ubuntu',
    },
  ],
  configPrefixes: { manager: PREFIX },
};
const configure = (over: Partial<FleetSweeperSettings> = {}) => {
  process.env[CONFIG_ENV] = JSON.stringify({ ...SETTINGS, ...over });
};
const withHealth = (health: Partial<typeof DEFAULT_HEALTH>) =>
  configure({
    fleets: SETTINGS.fleets.map((f) =>
      f.role === 'jobs' ? { ...f, health: { ...DEFAULT_HEALTH, ...health } } : f,
    ),
  });
const run = () => handler(fixture('scheduler/fleet-sweep.json'), context('fleet-sweeper'));

/** The EMF blob of one fleet: its dimension sets and its values by metric name. */
const blobOf = (fleet: string) => {
  const blobs = jsonLines().filter((l) => l.fleet === fleet && '_aws' in l);
  expect(blobs).toHaveLength(1);
  const blob = blobs[0] as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  };
  return blob;
};

/** Six quiet job instances: the office-hours policy (12 slots, 4 per instance) keeps three. */
const sixQuiet = (w: ReturnType<typeof world>) =>
  Array.from({ length: 6 }, (_, n) =>
    w.add({ id: id(n, 1), group: JOBS_GROUP, launchedMinutesAgo: 600 - n }),
  );

describe('fleet-sweeper handler', () => {
  const env = { ...process.env };
  beforeEach(() => {
    ec2.reset();
    ec2.onAnyCommand().rejects(new Error('unexpected command'));
    autoScaling.reset();
    autoScaling.onAnyCommand().rejects(new Error('unexpected command'));
    ssm.reset();
    ssm.onAnyCommand().rejects(new Error('unexpected command'));
    cloudWatch.reset();
    cloudWatch.onAnyCommand().rejects(new Error('unexpected command'));
    ddb.reset();
    ddb.onAnyCommand().rejects(new Error('unexpected command'));
    resetEc2Client();
    resetAutoScalingClient();
    resetSsmClient();
    resetCloudWatchClient();
    resetDocumentClient();
    resetSettings();
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    configure();
  });
  afterEach(() => {
    jest.useRealTimers();
    process.env = { ...env };
  });

  it('asks quiet instances whether they run a job, oldest first, and keeps the policy’s idle capacity', async () => {
    const w = world();
    const quiet = sixQuiet(w);

    const result = await run();

    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, {
      DocumentName: DOCUMENT,
      InstanceIds: quiet.map((i) => i.id),
      Parameters: { ConnectorUser: ['ubuntu'], Fleet: ['jobs-docker'] },
    });
    expect(result).toMatchObject({ outcome: 'swept', idle: 0, unknown: 3, jobChecksSent: 6 });
    expect(blobOf('jobs-docker')).toMatchObject({
      IdleInstances: 0,
      UnknownInstances: 3,
      FleetSize: 6,
      ManagerAbsent: 0,
    });
  });

  it('counts idle the quiet instances that answered idle in an earlier sweep, beyond the kept capacity', async () => {
    const w = world();
    const quiet = sixQuiet(w);
    w.commands.push({
      id: 'cmd-1',
      at: minutesAgo(5),
      outputs: Object.fromEntries(quiet.map((i) => [i.id, 'sample 1: ...\nJOBS 0\nRESULT idle\n'])),
    });

    const result = await run();

    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    expect(result).toMatchObject({ idle: 3, unknown: 0 });
    expect(blobOf('jobs-docker')).toMatchObject({ IdleInstances: 3 });
  });

  it('never calls idle an instance that answered busy, and counts its spare slots', async () => {
    const w = world();
    const quiet = sixQuiet(w);
    w.commands.push({
      id: 'cmd-1',
      at: minutesAgo(5),
      outputs: Object.fromEntries(
        quiet.map((i, n) => [i.id, n === 0 ? 'JOBS 1\nRESULT busy' : 'JOBS 0\nRESULT idle']),
      ),
    });

    const result = await run();

    // 12 idle slots wanted (0.5 x 1 in use is below idle_count), 3 spare on the busy one: 9 slots, 3 instances kept.
    expect(result).toMatchObject({ idle: 2 });
  });

  it('publishes one EMF blob per fleet, under the dimensions service and fleet', async () => {
    const w = world();
    sixQuiet(w);

    await run();

    for (const fleet of ['manager', 'jobs-docker']) {
      const blob = blobOf(fleet);
      expect(blob._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: 'RunnerAutopilot',
          Dimensions: [['service', 'fleet']],
          Metrics: expect.arrayContaining(
            [
              'IdleInstances',
              'StuckInstances',
              'OrphanedInstances',
              'OutdatedInstances',
              'UnknownInstances',
              'FleetSize',
              'InstanceHours',
              'ManagerAbsent',
            ].map((Name): unknown => expect.objectContaining({ Name })),
          ),
        },
      ]);
      expect(blob.service).toBe('fleet-sweeper');
    }
  });

  it('reports "manager absent", not idle, while the manager holds a replace lease, and asks nobody', async () => {
    const w = world();
    sixQuiet(w);
    w.lease.action = 'replace';

    const result = await run();

    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    expect(result).toMatchObject({ idle: 0, unknown: 0, managersAbsent: ['manager', 'jobs-docker'] });
    expect(blobOf('jobs-docker')).toMatchObject({ ManagerAbsent: 1, IdleInstances: 0 });
  });

  it('reports stuck and outdated instances', async () => {
    const w = world();
    w.add({
      id: id(1, 2),
      group: JOBS_GROUP,
      state: 'pending',
      member: { lifecycle: 'Pending', version: '7' },
      launchedMinutesAgo: 40,
    });
    w.add({ id: id(2, 2), group: JOBS_GROUP, online: false, cpu: 50 });
    w.add({
      id: id(3, 2),
      group: JOBS_GROUP,
      cpu: 50,
      member: { lifecycle: 'InService', version: '6' },
      launchedMinutesAgo: 3000,
    });

    const result = await run();

    expect(result).toMatchObject({ stuck: 2, outdatedTooLong: 1 });
    expect(blobOf('jobs-docker')).toMatchObject({ StuckInstances: 2, OutdatedInstances: 1 });
  });

  it('counts an instance outdated from the promotion of the current version, found under the lead fleet', async () => {
    const w = world();
    w.add({
      id: id(3, 2),
      group: JOBS_GROUP,
      cpu: 50,
      member: { lifecycle: 'InService', version: '6' },
      launchedMinutesAgo: 3000,
    });
    ddb.on(QueryCommand).resolves({
      Items: [
        {
          pk: 'FLEET#manager',
          sk: 'ROLLOUT#c7',
          kind: 'rollout',
          fleet: 'jobs-aaa',
          fleets: ['jobs-aaa', 'jobs-docker'],
          candidateVersion: 7,
          promotedAt: minutesAgo(60).toISOString(),
          stateSince: minutesAgo(60).toISOString(),
        },
      ],
    });

    const result = await run();

    expect(result).toMatchObject({ outdatedTooLong: 0 });
  });

  it('terminates, when allowed, only idle orphans that no group holds', async () => {
    withHealth({ terminateOrphans: true });
    const w = world();
    const orphan = w.add({ id: id(1, 3), tags: { [GROUP_TAG]: JOBS_GROUP } });
    const attached = w.add({ id: id(2, 3), tags: { [GROUP_TAG]: JOBS_GROUP } });
    const busy = w.add({ id: id(3, 3), tags: { [GROUP_TAG]: JOBS_GROUP } });
    w.heldByGroup.add(attached.id);
    w.commands.push({
      id: 'cmd-1',
      at: minutesAgo(5),
      outputs: {
        [orphan.id]: 'JOBS 0\nRESULT idle',
        [attached.id]: 'JOBS 0\nRESULT idle',
        [busy.id]: 'JOBS 2\nRESULT busy',
      },
    });

    const result = await run();

    expect(autoScaling).toHaveReceivedCommandWith(DescribeAutoScalingInstancesCommand, {
      InstanceIds: [orphan.id, attached.id],
    });
    expect(ec2).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: [orphan.id] });
    expect(result).toMatchObject({ orphaned: 3, terminated: [orphan.id] });
  });

  it('terminates nothing by default', async () => {
    const w = world();
    const orphan = w.add({ id: id(1, 3), tags: { [GROUP_TAG]: JOBS_GROUP } });
    w.commands.push({ id: 'cmd-1', at: minutesAgo(5), outputs: { [orphan.id]: 'JOBS 0\nRESULT idle' } });

    const result = await run();

    expect(ec2).toHaveReceivedCommandTimes(TerminateInstancesCommand, 0);
    expect(result).toMatchObject({ orphaned: 1, terminated: [] });
  });

  it('classifies a 2,000-instance fleet with a number of calls that follows pages, not instances', async () => {
    const w = world();
    for (let n = 0; n < 2000; n++) w.add({ id: id(n, 4), group: JOBS_GROUP, cpu: n % 2 ? 0.5 : 60 });

    const result = await run();

    const calls = w.calls();
    // EC2: 2 pages of 1000 for the jobs group, 1 for the manager group, 1 for canaries, 2 status
    // listings, 2 launch templates. Auto Scaling: 2 groups. SSM: 2001 running / 50 = 41 pings,
    // 2 parameters, 1 ListCommands, 1 SendCommand. CloudWatch: 2000 x 3 queries / 500 = 12.
    // Ledger: 2 rollout queries, 1 lease.
    expect(calls).toEqual({ ec2: 8, autoScaling: 2, ssm: 45, cloudWatch: 12, ddb: 3 });
    for (const call of cloudWatch.commandCalls(GetMetricDataCommand))
      expect(call.args[0].input.MetricDataQueries?.length).toBeLessThanOrEqual(500);
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, { InstanceIds: expect.any(Array) });
    expect((ssm.commandCalls(SendCommandCommand)[0]?.args[0].input.InstanceIds ?? []).length).toBe(10);
    // 1000 busy by CPU count as full: scale_factor 0.5 x 4000 slots, capped at 16, keeps 4 instances.
    expect(result).toMatchObject({ instanceCount: 2001, unknown: 996 });
  }, 30_000);

  it('fails the run (transient) when a fleet cannot be read, after publishing the others', async () => {
    world();
    autoScaling
      .on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: [JOBS_GROUP] })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    await expect(run()).rejects.toThrow(TransientError);
    expect(blobOf('manager')).toMatchObject({ FleetSize: 1 });
    expect(jsonLines().some((l) => l.fleet === 'jobs-docker' && '_aws' in l)).toBe(false);
  });

  it('refuses an input that is not the schedule’s, calling nothing', async () => {
    world();

    const result = await handler({ hello: 'world' }, context('fleet-sweeper'));

    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(ec2.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });
});

describe('getMetricData', () => {
  beforeEach(() => {
    cloudWatch.reset();
    resetCloudWatchClient();
  });

  const queries = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      key: `q${i}`,
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensions: { InstanceId: id(i) },
      stat: 'Maximum',
      periodSeconds: 300,
    }));
  const window = { start: minutesAgo(30), end: NOW };

  it('sends at most 500 queries per call and reads every page', async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .callsFake((input: { MetricDataQueries: MetricDataQuery[]; NextToken?: string }) => ({
        MetricDataResults: input.MetricDataQueries.map((q) => ({
          Id: q.Id,
          StatusCode: input.NextToken ? 'Complete' : 'PartialData',
          Timestamps: [input.NextToken ? minutesAgo(10) : minutesAgo(5)],
          Values: [input.NextToken ? 2 : 1],
        })),
        NextToken: input.NextToken ? undefined : 'more',
      }));

    const series = await getMetricData(queries(1200), window);

    const sizes = cloudWatch
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input.MetricDataQueries?.length);
    expect(sizes).toEqual([500, 500, 500, 500, 200, 200]);
    expect(series.get('q1199')?.values).toEqual([1, 2]);
  });

  it('throws when CloudWatch could not answer a query, so missing data never reads as quiet', async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'm0', StatusCode: 'InternalError' }] });

    await expect(getMetricData(queries(1), window)).rejects.toThrow(TransientError);
  });

  it('refuses two queries with one key before calling', async () => {
    await expect(getMetricData([...queries(1), ...queries(1)], window)).rejects.toThrow(/own key/);
    expect(cloudWatch.calls()).toHaveLength(0);
  });
});
