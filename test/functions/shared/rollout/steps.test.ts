import {
  type AutoScalingGroup,
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandInput,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  DescribeLaunchTemplatesCommand,
  type DescribeLaunchTemplatesCommandInput,
  EC2Client,
  type Instance as Ec2Instance,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  DescribeInstanceInformationCommand,
  type DescribeInstanceInformationCommandInput,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandInput,
  GetParameterCommand,
  type GetParameterCommandInput,
  ListCommandsCommand,
  type ListCommandsCommandInput,
  SendCommandCommand,
  type SendCommandCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as v from '../../../../functions/shared/valibot';
import { putBrake } from '../../../../functions/shared/ledger';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { resetAutoScalingClient } from '../../../../functions/shared/aws/autoscaling';
import { resetEc2Client } from '../../../../functions/shared/aws/ec2';
import { resetEventBridgeClient } from '../../../../functions/shared/aws/eventbridge';
import { resetSchedulerClient } from '../../../../functions/shared/aws/scheduler';
import { resetSsmClient } from '../../../../functions/shared/aws/ssm';
import type { ImageReadyDetail } from '../../../../functions/shared/events';
import type { CanaryCheck } from '../../../../functions/shared/fleet';
import { PermanentError } from '../../../../functions/shared/errors';
import { candidateIdFor } from '../../../../functions/shared/rollout/decide';
import type { ImageRollout } from '../../../../functions/shared/rollout/model';
import { RolloutSettings } from '../../../../functions/shared/rollout/settings';
import { ALL_STEPS } from '../../../../functions/shared/rollout/all-steps';
import type { Trigger } from '../../../../functions/shared/rollout/context';
import { createEngine } from '../../../../functions/shared/rollout/engine';
import { allPorts } from '../../../helpers/all-ports';
import { stageCandidates as stage } from '../../../../functions/shared/rollout/staging';
import { requestConfigApply as requestApply } from '../../../../functions/shared/runner-config/request-apply';
import { configHash, parseValues, type Values } from '../../../../functions/shared/runner-config/render';
import {
  EVENT_BUS as BUS,
  JOBS_DOCKER_FLEET,
  JOBS_INSTANCE_FLEET,
  LEDGER_TABLE as TABLE,
  MANAGER_CONFIG_PREFIX as CONFIG_PREFIX,
  MANAGER_FLEET,
  ROLLOUT_SETTINGS,
  SCHEDULER,
} from '../../../fixtures/rollout-settings';
import { output } from '../../../helpers/output';
import { fakeLedger } from './fake-ledger';
import { resetCloudWatchClient } from '../../../../functions/shared/aws/cloudwatch-client';
import { resetDocumentClient } from '../../../../functions/shared/aws/dynamodb';

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const ssm = mockClient(SSMClient);
const scheduler = mockClient(SchedulerClient);
const cloudWatch = mockClient(CloudWatchClient);
const eventBridge = mockClient(EventBridgeClient);
const ddb = mockClient(DynamoDBDocumentClient);

// The fleet of config/example.yaml (test/scenarios/fleet.ts), with a canary network and an alarm.
const {
  targetArn: TARGET,
  roleArn: SCHEDULER_ROLE,
  groupName: SCHEDULE_GROUP,
  deadLetterArn: DLQ,
} = SCHEDULER;
const ALARM = 'gitlab-runners-jobs-failed-jobs';
const SUBNET = 'subnet-0123456789abcdef0';
const SECURITY_GROUP = 'sg-0123456789abcdef0';
const DOCS = {
  smokeJobs: 'gitlab-runners-SmokeJobs',
  smokePath: 'gitlab-runners-SmokePath',
  smokeManager: 'gitlab-runners-SmokeManager',
  drainManager: 'gitlab-runners-DrainManager',
  managerHealth: 'gitlab-runners-ManagerHealth',
  restartManager: 'gitlab-runners-RestartManager',
  applyConfig: 'gitlab-runners-ApplyConfig',
};

const settings = v.parse(RolloutSettings, {
  ...ROLLOUT_SETTINGS,
  fleets: [
    MANAGER_FLEET,
    {
      ...JOBS_INSTANCE_FLEET,
      rollout: 'natural',
      freezeWindows: [{ periods: ['* 12-23 * * 5'], timeZone: 'Europe/Berlin' }],
    },
    {
      ...JOBS_DOCKER_FLEET,
      rollout: 'recycle',
      canary: { subnetId: SUBNET, securityGroupIds: [SECURITY_GROUP] },
      rollbackAlarms: [ALARM],
    },
  ],
  connectorUsers: { jobs: 'runner' },
  documents: DOCS,
});

// Tuesday 02:00 UTC: inside the manager's maintenance window (01:00-04:59 UTC), no freeze.
const NOW = new Date('2026-03-03T02:00:00.000Z');
/** The steps through the engine as the handlers build it, in front of the SDK mocks below. */
type StepContext = { readonly settings: RolloutSettings; readonly now: Date };
const engine = createEngine(ALL_STEPS);
const withPorts = (c: StepContext) => ({ ...c, ports: allPorts(c.settings.ledgerTable) });
const advance = (fleet: string, candidateId: string, trigger: Trigger, c: StepContext) =>
  engine.advance(fleet, candidateId, trigger, withPorts(c));
const stageCandidates = (detail: ImageReadyDetail, c: StepContext) =>
  stage(detail, engine.context(withPorts(c)));
const requestConfigApply = (detail: Parameters<typeof requestApply>[0], c: StepContext) =>
  requestApply(detail, engine.context(withPorts(c)));
const ctxAt = (now: Date): StepContext => ({ settings, now });
const ctx = ctxAt(NOW);
/** At NOW, with one fleet's `canary.checks` configured. */
const withCanaryChecks = (fleet: string, checks: CanaryCheck[]): StepContext => ({
  now: NOW,
  settings: {
    ...settings,
    fleets: settings.fleets.map((f) => (f.name === fleet ? { ...f, canary: { ...f.canary, checks } } : f)),
  },
});

const JOBS_TEMPLATE = { id: 'lt-0a1b2c3d4e5f60001', name: 'gitlab-runner-autoscaler' };
const MANAGER_TEMPLATE = { id: 'lt-0a1b2c3d4e5f60002', name: 'gitlab-runner-manager' };
const JOBS_IMAGE = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.4022/1';
const MANAGER_IMAGE = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-manager/1.0.17/1';
const AMI_HERE = 'ami-0000000000000a002';
const AMI_ELSEWHERE = 'ami-0000000000000e002';
const JOBS_CANDIDATE = candidateIdFor(JOBS_TEMPLATE.name, JOBS_IMAGE);
const MANAGER_CANDIDATE = candidateIdFor(MANAGER_TEMPLATE.name, MANAGER_IMAGE);
const CANARY = 'i-0ca00000000000001';
const CANARY_IP = '10.0.1.23';
const MANAGER_CANARY = 'i-0ca00000000000002';
const OLD_MANAGER = 'i-0aa00000000000001';

const imageReady: ImageReadyDetail = {
  pipeline: 'jobs',
  pipelineArn: 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs',
  imageArn: JOBS_IMAGE,
  imageVersion: '1.0.4022/1',
  // The stack's region is not the first distribution: the step must pick by region.
  amis: [
    { region: 'eu-central-1', imageId: AMI_ELSEWHERE },
    { region: 'us-east-2', imageId: AMI_HERE },
  ],
};

const jobsRollout = (over: Partial<ImageRollout> = {}): ImageRollout => ({
  kind: 'rollout',
  fleet: 'jobs-docker',
  fleets: ['jobs-docker', 'jobs-instance'],
  candidateId: JOBS_CANDIDATE,
  role: 'jobs',
  pipeline: 'jobs',
  imageArn: JOBS_IMAGE,
  amiId: AMI_HERE,
  state: 'canary-booting',
  stateSince: '2026-03-03T01:50:00.000Z',
  launchTemplateId: JOBS_TEMPLATE.id,
  candidateVersion: 7,
  previousDefault: 4,
  canaryInstanceId: CANARY,
  attempts: 0,
  deadline: '2026-03-03T02:05:00.000Z',
  history: [],
  revision: 3,
  ...over,
});

const managerRollout = (over: Partial<ImageRollout> = {}): ImageRollout => ({
  kind: 'rollout',
  fleet: 'manager',
  fleets: ['manager'],
  candidateId: MANAGER_CANDIDATE,
  role: 'manager',
  pipeline: 'manager',
  imageArn: MANAGER_IMAGE,
  amiId: 'ami-0000000000000b002',
  state: 'awaiting-maintenance',
  stateSince: '2026-03-02T22:00:00.000Z',
  launchTemplateId: MANAGER_TEMPLATE.id,
  candidateVersion: 3,
  previousDefault: 2,
  promotedAt: '2026-03-02T22:00:00.000Z',
  attempts: 0,
  dueAt: '2026-03-03T01:00:00.000Z',
  history: [],
  revision: 5,
  ...over,
});

// ---------------------------------------------------------------------------------------------
// AWS as the steps see it: small, stateful answers behind the mocks.

const templates = new Map<string, { id: string; defaultVersion: number; latestVersion: number }>();
const groups = new Map<string, AutoScalingGroup>();
const instances = new Map<string, Ec2Instance>();
const online = new Set<string>();
const invocations = new Map<string, { status: string; stdout?: string; stderr?: string }>();
const sent: { commandId: string; input: SendCommandCommandInput; requestedAt: Date }[] = [];
let ledger: ReturnType<typeof fakeLedger>;

const addGroup = (
  name: string,
  template: { id: string; name: string },
  version: string,
  members: string[],
) => {
  groups.set(name, {
    AutoScalingGroupName: name,
    MinSize: name === 'gitlab-runner-manager' ? 1 : 0,
    MaxSize: name === 'gitlab-runner-manager' ? 1 : 20,
    DesiredCapacity: members.length,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-2a'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2025-01-01T00:00:00Z'),
    LaunchTemplate: { LaunchTemplateId: template.id, LaunchTemplateName: template.name, Version: version },
    SuspendedProcesses: [{ ProcessName: 'AZRebalance' }],
    Instances: members.map((id) => ({
      InstanceId: id,
      LifecycleState: 'InService',
      HealthStatus: 'Healthy',
      AvailabilityZone: 'us-east-2a',
      ProtectedFromScaleIn: false,
    })),
  });
};

const addInstance = (id: string, privateIp: string, tags: Record<string, string> = {}) => {
  instances.set(id, {
    InstanceId: id,
    State: { Name: 'running', Code: 16 },
    PrivateIpAddress: privateIp,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  });
};

/** The standard fleet: both templates on $Default, one live manager, empty job groups. */
const standardFleet = () => {
  templates.set(JOBS_TEMPLATE.name, { id: JOBS_TEMPLATE.id, defaultVersion: 4, latestVersion: 6 });
  templates.set(MANAGER_TEMPLATE.name, { id: MANAGER_TEMPLATE.id, defaultVersion: 2, latestVersion: 2 });
  addGroup('gitlab-runner-manager', MANAGER_TEMPLATE, '$Default', [OLD_MANAGER]);
  addGroup('gitlab-runner-ao-group', JOBS_TEMPLATE, '$Default', []);
  addGroup('gitlab-runner-ao-group-docker', JOBS_TEMPLATE, '$Default', []);
  addInstance(OLD_MANAGER, '10.0.0.10', { 'aws:autoscaling:groupName': 'gitlab-runner-manager' });
  online.add(OLD_MANAGER);
  addInstance(CANARY, CANARY_IP, {
    'runner-autopilot:canary': 'true',
    'runner-autopilot:fleet': 'jobs-docker',
    'runner-autopilot:candidate': JOBS_CANDIDATE,
  });
};

const fakeAws = () => {
  ec2.on(DescribeLaunchTemplatesCommand).callsFake((input: DescribeLaunchTemplatesCommandInput) => ({
    LaunchTemplates: [
      ...(input.LaunchTemplateNames ?? []),
      ...[...templates].filter(([, t]) => input.LaunchTemplateIds?.includes(t.id)).map(([name]) => name),
    ].flatMap((name) => {
      const t = templates.get(name);
      return t
        ? [
            {
              LaunchTemplateId: t.id,
              LaunchTemplateName: name,
              DefaultVersionNumber: t.defaultVersion,
              LatestVersionNumber: t.latestVersion,
            },
          ]
        : [];
    }),
  }));
  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    const ids = input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];
    return { Reservations: [{ Instances: ids.flatMap((id) => instances.get(id) ?? []) }] };
  });
  ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 7 } });
  ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: CANARY }] });
  ec2.on(ModifyLaunchTemplateCommand).resolves({});
  ec2.on(TerminateInstancesCommand).resolves({});
  autoScaling
    .on(DescribeAutoScalingGroupsCommand)
    .callsFake((input: DescribeAutoScalingGroupsCommandInput) => ({
      AutoScalingGroups: (input.AutoScalingGroupNames ?? []).flatMap((n) => groups.get(n) ?? []),
    }));
  autoScaling.on(TerminateInstanceInAutoScalingGroupCommand).resolves({ Activity: undefined });
  ssm.on(DescribeInstanceInformationCommand).callsFake((input: DescribeInstanceInformationCommandInput) => {
    const ids = input.Filters?.find((f) => f.Key === 'InstanceIds')?.Values ?? [];
    return {
      InstanceInformationList: ids
        .filter((id) => online.has(id))
        .map((id) => ({ InstanceId: id, PingStatus: 'Online' })),
    };
  });
  ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
    const commandId = `cmd-${sent.length + 1}`;
    sent.push({ commandId, input, requestedAt: NOW });
    return { Command: { CommandId: commandId, Comment: input.Comment } };
  });
  ssm.on(ListCommandsCommand).callsFake((input: ListCommandsCommandInput) => {
    const filter = (key: string) => input.Filters?.find((f) => f.key === key)?.value;
    const after = filter('InvokedAfter');
    return {
      Commands: sent
        .filter(
          (c) =>
            c.input.InstanceIds?.includes(input.InstanceId ?? '') &&
            c.input.DocumentName === filter('DocumentName') &&
            (after === undefined || c.requestedAt.getTime() >= Date.parse(after)),
        )
        .map((c) => ({ CommandId: c.commandId, Comment: c.input.Comment, Status: 'InProgress' })),
    };
  });
  ssm.on(GetCommandInvocationCommand).callsFake((input: GetCommandInvocationCommandInput) => {
    const found = invocations.get(`${input.CommandId}/${input.InstanceId}`);
    if (!found) throw Object.assign(new Error('not yet'), { name: 'InvocationDoesNotExist' });
    return {
      CommandId: input.CommandId,
      InstanceId: input.InstanceId,
      Status: found.status,
      StandardOutputContent: found.stdout ?? '',
      StandardErrorContent: found.stderr ?? '',
    };
  });
  scheduler.on(CreateScheduleCommand).callsFake((input: { Name: string }) => ({
    ScheduleArn: `arn:aws:scheduler:us-east-2:123456789012:schedule/${SCHEDULE_GROUP}/${input.Name}`,
  }));
  eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
  }));
};

// ---------------------------------------------------------------------------------------------
// The manager's config source as the stack publishes it (config/manager), and the SecureString
// parameters its values name: only the instance may read those.

const CONFIG_DIR = join(__dirname, '..', '..', '..', '..', 'config', 'manager');
const CONFIG_TEMPLATE = readFileSync(join(CONFIG_DIR, 'config.toml.tmpl'), 'utf8');
const CONFIG_VALUES = parseValues(JSON.parse(readFileSync(join(CONFIG_DIR, 'values.json'), 'utf8')));
const CONFIG_HASH = configHash(CONFIG_TEMPLATE, CONFIG_VALUES);
const SECRETS: Record<string, string> = {
  '/runner-autopilot/gitlab-runners/manager/instance-runner-token': 'glrt-instance-SECRET-t0k3n-0123456789',
  '/runner-autopilot/gitlab-runners/manager/docker-runner-token': 'glrt-docker-SECRET-t0k3n-9876543210',
};
const parameters = new Map<string, { value: string; secure: boolean }>();

/** Template, values and (last) the manifest with their hash, as RunnerConfigParameters writes them. */
const publishConfig = (template = CONFIG_TEMPLATE, values: Values = CONFIG_VALUES) => {
  parameters.set(`${CONFIG_PREFIX}/template`, { value: template, secure: false });
  parameters.set(`${CONFIG_PREFIX}/values`, { value: JSON.stringify(values), secure: false });
  parameters.set(`${CONFIG_PREFIX}/manifest`, {
    value: JSON.stringify({ hash: configHash(template, values) }),
    secure: false,
  });
  for (const [name, value] of Object.entries(SECRETS)) parameters.set(name, { value, secure: true });
};

/** GetParameter as SSM answers it: a SecureString stays ciphertext without decryption. */
const getParameter = (input: GetParameterCommandInput) => {
  const found = parameters.get(input.Name ?? '');
  if (!found) throw Object.assign(new Error(`${input.Name} not found`), { name: 'ParameterNotFound' });
  return {
    Parameter: {
      Name: input.Name,
      Type: found.secure ? 'SecureString' : 'String',
      Value: found.secure && !input.WithDecryption ? 'AQICAHiCIPHERTEXT==' : found.value,
    },
  };
};

// ---------------------------------------------------------------------------------------------
// What was sent

const busEvents = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((e) => ({
      source: e.Source,
      detailType: e.DetailType,
      bus: e.EventBusName,
      detail: JSON.parse(e.Detail ?? '{}') as Record<string, unknown>,
    })),
  );
const schedules = () =>
  scheduler.commandCalls(CreateScheduleCommand).map((call) => {
    const input = call.args[0].input;
    return { ...input, targetInput: JSON.parse(input.Target?.Input ?? '{}') as unknown };
  });
const sentCommand = (documentName: string) => {
  const found = sent.find((c) => c.input.DocumentName === documentName);
  if (!found) throw new Error(`no command ${documentName} was sent`);
  return found;
};

describe('rollout steps', () => {
  beforeEach(() => {
    ec2.reset().onAnyCommand().rejects(new Error('unexpected'));
    autoScaling.reset().onAnyCommand().rejects(new Error('unexpected'));
    ssm.reset().onAnyCommand().rejects(new Error('unexpected'));
    scheduler.reset().onAnyCommand().rejects(new Error('unexpected'));
    cloudWatch.reset().onAnyCommand().rejects(new Error('unexpected'));
    eventBridge.reset().onAnyCommand().rejects(new Error('unexpected'));
    ddb.reset().onAnyCommand().rejects(new Error('unexpected'));
    resetEc2Client();
    resetAutoScalingClient();
    resetSsmClient();
    resetSchedulerClient();
    resetCloudWatchClient();
    resetEventBridgeClient();
    resetDocumentClient();
    templates.clear();
    groups.clear();
    instances.clear();
    online.clear();
    invocations.clear();
    sent.length = 0;
    ledger = fakeLedger(ddb, TABLE);
    fakeAws();
    standardFleet();
    // Drains suspend health replacement around them; no rollback alarm fires unless a test says so.
    autoScaling.on(SuspendProcessesCommand).resolves({}).on(ResumeProcessesCommand).resolves({});
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  });

  describe('stageCandidates', () => {
    it('copies the current default version with only the AMI of the stack region replaced', async () => {
      const result = await stageCandidates(imageReady, ctx);

      expect(result).toEqual([
        expect.objectContaining({ fleet: 'jobs-docker', from: 'staged', to: 'canary-booting' }),
      ]);
      expect(ec2).toHaveReceivedCommandTimes(CreateLaunchTemplateVersionCommand, 1);
      expect(ec2.commandCalls(CreateLaunchTemplateVersionCommand)[0]!.args[0].input).toEqual({
        LaunchTemplateId: JOBS_TEMPLATE.id,
        // The default (4), not the latest (6), and as a string.
        SourceVersion: '4',
        LaunchTemplateData: { ImageId: AMI_HERE },
        VersionDescription: expect.stringContaining(JOBS_CANDIDATE),
        ClientToken: `${JOBS_CANDIDATE}-version`,
      });
    });

    it('launches one canary from exactly the candidate version, tagged, terminating on shutdown', async () => {
      await stageCandidates(imageReady, ctx);

      expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
      const input = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
      expect(input).toMatchObject({
        LaunchTemplate: { LaunchTemplateId: JOBS_TEMPLATE.id, Version: '7' },
        MinCount: 1,
        MaxCount: 1,
        InstanceInitiatedShutdownBehavior: 'terminate',
        SubnetId: SUBNET,
        SecurityGroupIds: [SECURITY_GROUP],
        ClientToken: `${JOBS_CANDIDATE}-canary`,
      });
      for (const resourceType of ['instance', 'volume']) {
        expect(input.TagSpecifications?.find((t) => t.ResourceType === resourceType)?.Tags).toEqual(
          expect.arrayContaining([
            { Key: 'runner-autopilot:canary', Value: 'true' },
            { Key: 'runner-autopilot:fleet', Value: 'jobs-docker' },
            { Key: 'runner-autopilot:candidate', Value: JOBS_CANDIDATE },
          ]),
        );
      }
    });

    it('schedules the canary check once, deleted after it ran, targeting the step function', async () => {
      await stageCandidates(imageReady, ctx);

      expect(schedules()).toHaveLength(1);
      const [schedule] = schedules();
      expect(schedule).toMatchObject({
        Name: expect.stringMatching(/^[0-9a-zA-Z_.-]{1,64}$/),
        GroupName: SCHEDULE_GROUP,
        // Two minutes (checkIntervalMinutes) after now.
        ScheduleExpression: 'at(2026-03-03T02:02:00)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: expect.objectContaining({
          Arn: TARGET,
          RoleArn: SCHEDULER_ROLE,
          DeadLetterConfig: { Arn: DLQ },
        }),
      });
      expect(schedule?.targetInput).toEqual({
        fleet: 'jobs-docker',
        candidateId: JOBS_CANDIDATE,
        step: 'canary-check',
      });
    });

    it('writes the ledger item with the rollback target and the candidate before launching the canary', async () => {
      await stageCandidates(imageReady, ctx);

      const [created] = ddb.commandCalls(PutCommand);
      expect(created!.args[0].input.Item).toMatchObject({
        pk: 'FLEET#jobs-docker',
        sk: `ROLLOUT#${JOBS_CANDIDATE}`,
        state: 'staged',
        fleets: ['jobs-docker', 'jobs-instance'],
        launchTemplateId: JOBS_TEMPLATE.id,
        previousDefault: 4,
        candidateVersion: 7,
        amiId: AMI_HERE,
      });
      expect(created!.calledBefore(ec2.commandCalls(RunInstancesCommand)[0]!)).toBe(true);
      expect(ledger.rollout('jobs-docker', JOBS_CANDIDATE)).toMatchObject({
        state: 'canary-booting',
        previousDefault: 4,
        candidateVersion: 7,
        canaryInstanceId: CANARY,
        // onlineTimeoutMinutes (15) after now.
        deadline: '2026-03-03T02:15:00.000Z',
        revision: 1,
      });
    });

    it('refuses a template whose group launches $Latest: no version, no canary, a Rollout Failed event', async () => {
      addGroup('gitlab-runner-ao-group', JOBS_TEMPLATE, '$Latest', []);

      const result = await stageCandidates(imageReady, ctx);

      expect(result).toEqual([expect.objectContaining({ to: 'refused' })]);
      expect(ec2).toHaveReceivedCommandTimes(CreateLaunchTemplateVersionCommand, 0);
      expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 0);
      expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
      expect(busEvents()).toEqual([
        {
          source: 'runner-autopilot',
          detailType: 'Rollout Failed',
          bus: BUS,
          detail: expect.objectContaining({
            fleet: 'jobs-docker',
            candidateId: JOBS_CANDIDATE,
            stage: 'staged',
            outcome: 'refused',
            reason: expect.stringContaining('group gitlab-runner-ao-group launches version "$Latest"'),
          }),
        },
      ]);
      expect(ledger.rollout('jobs-docker', JOBS_CANDIDATE)).toMatchObject({ state: 'refused' });
    });

    it('refuses an image without an AMI in the stack region', async () => {
      const elsewhere = { ...imageReady, amis: [{ region: 'eu-central-1', imageId: AMI_ELSEWHERE }] };

      const result = await stageCandidates(elsewhere, ctx);

      expect(result).toEqual([expect.objectContaining({ to: 'refused' })]);
      expect(ec2).toHaveReceivedCommandTimes(CreateLaunchTemplateVersionCommand, 0);
      expect(busEvents()[0]?.detail).toMatchObject({
        outcome: 'refused',
        reason: expect.stringContaining('has no AMI in us-east-2'),
      });
    });
  });

  describe('canary check', () => {
    it('sends the smoke test to the canary and the SSH path check to the manager once the canary is online', async () => {
      ledger.seed(jobsRollout());
      online.add(CANARY);

      const result = await advance('jobs-docker', JOBS_CANDIDATE, { kind: 'canary-check' }, ctx);

      expect(result).toMatchObject({ from: 'canary-booting', to: 'canary-testing' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 2);
      expect(sentCommand(DOCS.smokeJobs).input).toEqual({
        DocumentName: DOCS.smokeJobs,
        InstanceIds: [CANARY],
        Parameters: {
          Fleet: ['jobs-docker'],
          CandidateId: [JOBS_CANDIDATE],
          RunnerVersion: ['18.6.2'],
          GitlabUrl: ['https://gitlab.example.com'],
          ConnectorUser: ['runner'],
          MinFreeGiB: ['10'],
          // Every check of a jobs fleet by default; ssh-path is the smoke-path command below.
          Checks: ['docker,git,gitlab-runner,tools,disk,gitlab-url'],
          // smokeTimeoutMinutes (20) bounds the run; TimeoutSeconds only bounds delivery.
          executionTimeout: ['1200'],
        },
        TimeoutSeconds: 600,
        Comment: `runner-autopilot ${JOBS_CANDIDATE} canary-testing`,
      });
      expect(sentCommand(DOCS.smokePath).input).toMatchObject({
        InstanceIds: [OLD_MANAGER],
        Parameters: {
          Fleet: ['jobs-docker'],
          CandidateId: [JOBS_CANDIDATE],
          CanaryInstanceId: [CANARY],
          CanaryPrivateIp: [CANARY_IP],
          ConnectorUser: ['runner'],
          executionTimeout: ['300'],
        },
      });
      expect(ledger.rollout('jobs-docker', JOBS_CANDIDATE)).toMatchObject({
        state: 'canary-testing',
        commands: [
          { commandId: sentCommand(DOCS.smokeJobs).commandId, instanceId: CANARY },
          { commandId: sentCommand(DOCS.smokePath).commandId, instanceId: OLD_MANAGER },
        ],
        revision: 4,
      });
    });

    it('sends only the configured checks, and no SSH path check to the manager when ssh-path is not one', async () => {
      ledger.seed(jobsRollout());
      online.add(CANARY);

      const result = await advance(
        'jobs-docker',
        JOBS_CANDIDATE,
        { kind: 'canary-check' },
        withCanaryChecks('jobs-docker', ['gitlab-url', 'docker']),
      );

      expect(result).toMatchObject({
        to: 'canary-testing',
        note: 'smoke test sent; the SSH path check is not configured',
      });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
      expect(sentCommand(DOCS.smokeJobs).input.Parameters).toMatchObject({ Checks: ['docker,gitlab-url'] });
      expect(autoScaling).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 0);
      expect(ledger.rollout('jobs-docker', JOBS_CANDIDATE)?.commands).toEqual([
        { commandId: sentCommand(DOCS.smokeJobs).commandId, instanceId: CANARY },
      ]);
    });

    it('sends the manager smoke test with every check of a manager fleet by default', async () => {
      addInstance(MANAGER_CANARY, '10.0.1.24', { 'runner-autopilot:canary': 'true' });
      online.add(MANAGER_CANARY);
      ledger.seed(
        managerRollout({
          state: 'canary-booting',
          stateSince: '2026-03-03T01:50:00.000Z',
          canaryInstanceId: MANAGER_CANARY,
          deadline: '2026-03-03T02:05:00.000Z',
          promotedAt: undefined,
          dueAt: undefined,
        }),
      );

      const result = await advance('manager', MANAGER_CANDIDATE, { kind: 'canary-check' }, ctx);

      expect(result).toMatchObject({ to: 'canary-testing' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
      expect(sentCommand(DOCS.smokeManager).input).toMatchObject({
        InstanceIds: [MANAGER_CANARY],
        Parameters: {
          JobGroups: ['gitlab-runner-ao-group,gitlab-runner-ao-group-docker'],
          FleetingPluginVersion: ['1.0.0'],
          Checks: ['gitlab-runner,fleeting-plugin,job-groups,gitlab-url'],
        },
      });
    });

    it('schedules another check and sends nothing while the canary is not online before its deadline', async () => {
      ledger.seed(jobsRollout());

      const result = await advance('jobs-docker', JOBS_CANDIDATE, { kind: 'canary-check' }, ctx);

      expect(result).toMatchObject({ from: 'canary-booting', to: 'canary-booting' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
      expect(ec2).toHaveReceivedCommandTimes(TerminateInstancesCommand, 0);
      expect(schedules()).toEqual([
        expect.objectContaining({
          ScheduleExpression: 'at(2026-03-03T02:02:00)',
          ActionAfterCompletion: 'DELETE',
          targetInput: { fleet: 'jobs-docker', candidateId: JOBS_CANDIDATE, step: 'canary-check' },
        }),
      ]);
      expect(ledger.rollout('jobs-docker', JOBS_CANDIDATE)).toMatchObject({
        state: 'canary-booting',
        attempts: 1,
      });
    });

    it('terminates the canary and rejects the candidate when it is not online by the deadline', async () => {
      ledger.seed(jobsRollout({ deadline: '2026-03-03T01:59:00.000Z' }));

      const result = await advance('jobs-docker', JOBS_CANDIDATE, { kind: 'canary-check' }, ctx);

      expect(result).toMatchObject({ to: 'rejected' });
      expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: [CANARY] });
      expect(ec2).toHaveReceivedCommandTimes(ModifyLaunchTemplateCommand, 0);
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
      expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
      expect(busEvents()).toEqual([
        expect.objectContaining({
          detailType: 'Rollout Failed',
          detail: expect.objectContaining({
            stage: 'canary-booting',
            outcome: 'rejected',
            reason: expect.stringContaining(`canary ${CANARY} did not come online in SSM within 15 minutes`),
          }),
        }),
      ]);
      expect(ledger.rollout('jobs-docker', JOBS_CANDIDATE)?.state).toBe('rejected');
    });
  });

  describe('canary verdict', () => {
    const testing = () =>
      jobsRollout({
        state: 'canary-testing',
        stateSince: '2026-03-03T01:58:00.000Z',
        deadline: '2026-03-03T02:28:00.000Z',
        commands: [
          { commandId: 'cmd-smoke', instanceId: CANARY },
          { commandId: 'cmd-path', instanceId: OLD_MANAGER },
        ],
      });

    it('promotes the candidate when both smoke commands succeeded', async () => {
      ledger.seed(testing());
      invocations.set(`cmd-smoke/${CANARY}`, { status: 'Success' });
      invocations.set(`cmd-path/${OLD_MANAGER}`, { status: 'Success' });

      const result = await advance(
        'jobs-docker',
        JOBS_CANDIDATE,
        { kind: 'command', commandId: 'cmd-path' },
        ctx,
      );

      expect(result).toMatchObject({ from: 'canary-testing', to: 'baking' });
      expect(ssm).toHaveReceivedCommandWith(GetCommandInvocationCommand, {
        CommandId: 'cmd-smoke',
        InstanceId: CANARY,
      });
      expect(ssm).toHaveReceivedCommandWith(GetCommandInvocationCommand, {
        CommandId: 'cmd-path',
        InstanceId: OLD_MANAGER,
      });
      expect(ec2).toHaveReceivedCommandTimes(ModifyLaunchTemplateCommand, 1);
      expect(ec2).toHaveReceivedCommandWith(ModifyLaunchTemplateCommand, {
        LaunchTemplateId: JOBS_TEMPLATE.id,
        DefaultVersion: '7',
      });
      expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: [CANARY] });
      expect(busEvents()).toContainEqual({
        source: 'runner-autopilot',
        detailType: 'Candidate Promoted',
        bus: BUS,
        detail: {
          fleet: 'jobs-docker',
          fleets: ['jobs-docker', 'jobs-instance'],
          candidateId: JOBS_CANDIDATE,
          imageArn: JOBS_IMAGE,
          amiId: AMI_HERE,
          launchTemplateId: JOBS_TEMPLATE.id,
          version: 7,
          previousVersion: 4,
        },
      });
      expect(ledger.rollout('jobs-docker', JOBS_CANDIDATE)).toMatchObject({
        state: 'baking',
        promotedAt: NOW.toISOString(),
      });
    });

    it('rejects the candidate with the output excerpt when one smoke command failed', async () => {
      ledger.seed(testing());
      invocations.set(`cmd-smoke/${CANARY}`, { status: 'Success', stdout: 'all checks passed\n' });
      invocations.set(`cmd-path/${OLD_MANAGER}`, {
        status: 'Failed',
        stdout: 'pushing key to runner@10.0.1.23\n',
        stderr: 'ssh: connect to host 10.0.1.23 port 22: Connection refused\n',
      });

      const result = await advance(
        'jobs-docker',
        JOBS_CANDIDATE,
        { kind: 'command', commandId: 'cmd-path' },
        ctx,
      );

      expect(result).toMatchObject({ to: 'rejected' });
      expect(ec2).toHaveReceivedCommandTimes(ModifyLaunchTemplateCommand, 0);
      expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: [CANARY] });
      expect(busEvents()).toEqual([
        expect.objectContaining({
          detailType: 'Rollout Failed',
          detail: expect.objectContaining({
            stage: 'canary-testing',
            outcome: 'rejected',
            reason: 'smoke test failed: command cmd-path ended Failed',
            excerpt:
              'pushing key to runner@10.0.1.23\nssh: connect to host 10.0.1.23 port 22: Connection refused',
          }),
        }),
      ]);
      expect(ledger.rollout('jobs-docker', JOBS_CANDIDATE)).toMatchObject({
        state: 'rejected',
        excerpt: expect.stringContaining('Connection refused'),
      });
    });

    // Bug: `promote` reports and keeps `previousDefault` as read at staging time. When the
    // default moved in between (another candidate of the same template promoted first, e.g. two
    // candidates deferred by the same freeze window), the rollback target is that older version.
    it('keeps as rollback target the default that the promotion replaced', async () => {
      ledger.seed(testing());
      invocations.set(`cmd-smoke/${CANARY}`, { status: 'Success' });
      invocations.set(`cmd-path/${OLD_MANAGER}`, { status: 'Success' });
      templates.set(JOBS_TEMPLATE.name, { id: JOBS_TEMPLATE.id, defaultVersion: 5, latestVersion: 7 });

      await advance('jobs-docker', JOBS_CANDIDATE, { kind: 'command', commandId: 'cmd-path' }, ctx);

      expect(busEvents().find((e) => e.detailType === 'Candidate Promoted')?.detail).toMatchObject({
        previousVersion: 5,
      });
      expect(
        (ledger.rollout('jobs-docker', JOBS_CANDIDATE) as ImageRollout | undefined)?.previousDefault,
      ).toBe(5);
    });

    it('never moves the default backwards: a candidate older than the default is rejected as superseded', async () => {
      ledger.seed(testing());
      invocations.set(`cmd-smoke/${CANARY}`, { status: 'Success' });
      invocations.set(`cmd-path/${OLD_MANAGER}`, { status: 'Success' });
      templates.set(JOBS_TEMPLATE.name, { id: JOBS_TEMPLATE.id, defaultVersion: 8, latestVersion: 8 });

      const result = await advance(
        'jobs-docker',
        JOBS_CANDIDATE,
        { kind: 'command', commandId: 'cmd-path' },
        ctx,
      );

      expect(result).toMatchObject({ to: 'rejected' });
      expect(ec2).toHaveReceivedCommandTimes(ModifyLaunchTemplateCommand, 0);
      expect(busEvents().find((e) => e.detailType === 'Rollout Failed')?.detail).toMatchObject({
        reason: expect.stringContaining('superseded'),
      });
    });
  });

  describe('manager replacement', () => {
    it('drains the live manager through the drain document inside the window with the lease free', async () => {
      ledger.seed(managerRollout());

      const result = await advance('manager', MANAGER_CANDIDATE, { kind: 'maintenance' }, ctx);

      expect(result).toMatchObject({ from: 'awaiting-maintenance', to: 'draining' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
      const { input, commandId } = sentCommand(DOCS.drainManager);
      expect(input).toMatchObject({
        InstanceIds: [OLD_MANAGER],
        Parameters: expect.objectContaining({ Fleet: ['manager'], CandidateId: [MANAGER_CANDIDATE] }),
        Comment: `runner-autopilot ${MANAGER_CANDIDATE} draining`,
      });
      const drainSeconds = Number(input.Parameters?.DrainTimeoutSeconds?.[0]);
      const executionSeconds = Number(input.Parameters?.executionTimeout?.[0]);
      // The SIGQUIT drain waits for the longest job (maxJobMinutes 120); the command outlasts it.
      expect(drainSeconds).toBeGreaterThanOrEqual(120 * 60);
      expect(executionSeconds).toBeGreaterThan(drainSeconds);
      expect(ledger.lease('manager')).toMatchObject({ holder: MANAGER_CANDIDATE, action: 'replace' });
      expect(ledger.rollout('manager', MANAGER_CANDIDATE)).toMatchObject({
        state: 'draining',
        managerInstanceId: OLD_MANAGER,
        commands: [{ commandId, instanceId: OLD_MANAGER }],
      });
    });

    it('terminates only the old manager through its group, without decrementing desired capacity, once drained', async () => {
      ledger.seedLease({
        fleet: 'manager',
        holder: MANAGER_CANDIDATE,
        action: 'replace',
        acquiredAt: NOW.toISOString(),
        expiresAt: '2026-03-03T05:15:00.000Z',
      });
      ledger.seed(
        managerRollout({
          state: 'draining',
          stateSince: '2026-03-03T01:00:00.000Z',
          managerInstanceId: OLD_MANAGER,
          commands: [{ commandId: 'cmd-drain', instanceId: OLD_MANAGER }],
          deadline: '2026-03-03T03:25:00.000Z',
        }),
      );
      invocations.set(`cmd-drain/${OLD_MANAGER}`, { status: 'Success' });

      const result = await advance(
        'manager',
        MANAGER_CANDIDATE,
        { kind: 'command', commandId: 'cmd-drain' },
        ctx,
      );

      expect(result).toMatchObject({ from: 'draining', to: 'replacing' });
      expect(autoScaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 1);
      expect(autoScaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand)[0]!.args[0].input).toEqual({
        InstanceId: OLD_MANAGER,
        ShouldDecrementDesiredCapacity: false,
      });
      expect(ec2).toHaveReceivedCommandTimes(TerminateInstancesCommand, 0);
      expect(schedules()).toEqual([
        expect.objectContaining({
          targetInput: { fleet: 'manager', candidateId: MANAGER_CANDIDATE, step: 'health-check' },
        }),
      ]);
    });

    it('waits for the window start outside the maintenance window and sends nothing', async () => {
      ledger.seed(managerRollout());

      const result = await advance(
        'manager',
        MANAGER_CANDIDATE,
        { kind: 'maintenance' },
        ctxAt(new Date('2026-03-03T10:00:00.000Z')),
      );

      expect(result).toMatchObject({ to: 'awaiting-maintenance' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
      expect(ledger.lease('manager')).toBeUndefined();
      expect(schedules()).toEqual([
        expect.objectContaining({
          ScheduleExpression: 'at(2026-03-04T01:00:00)',
          ActionAfterCompletion: 'DELETE',
          targetInput: { fleet: 'manager', candidateId: MANAGER_CANDIDATE, step: 'maintenance' },
        }),
      ]);
      expect(ledger.rollout('manager', MANAGER_CANDIDATE)).toMatchObject({
        dueAt: '2026-03-04T01:00:00.000Z',
      });
    });

    it('sends nothing and schedules a retry while another holds the lease', async () => {
      const held = {
        fleet: 'manager',
        holder: 'restart-0123456789abcdef',
        action: 'restart',
        acquiredAt: '2026-03-03T01:30:00.000Z',
        expiresAt: '2026-03-03T06:45:00.000Z',
      };
      ledger.seedLease(held);
      ledger.seed(managerRollout());

      const result = await advance('manager', MANAGER_CANDIDATE, { kind: 'maintenance' }, ctx);

      expect(result).toMatchObject({
        to: 'awaiting-maintenance',
        note: expect.stringContaining(held.holder),
      });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
      expect(autoScaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 0);
      expect(ledger.lease('manager')).toEqual(held);
      expect(schedules()).toEqual([
        expect.objectContaining({
          ScheduleExpression: 'at(2026-03-03T02:10:00)',
          targetInput: { fleet: 'manager', candidateId: MANAGER_CANDIDATE, step: 'maintenance' },
        }),
      ]);
      expect(ledger.rollout('manager', MANAGER_CANDIDATE)).toMatchObject({
        attempts: 1,
        dueAt: '2026-03-03T02:10:00.000Z',
      });
    });

    it('sends the drain once when the same trigger is delivered twice on the same stored item', async () => {
      // Health replacement's suspension already recorded: the next save is the drain's.
      ledger.seed(managerRollout({ suspendedReplaceUnhealthy: true }));
      // The first delivery times out after SendCommand, before its ledger save.
      ledger.crashOnNextSave();
      await expect(advance('manager', MANAGER_CANDIDATE, { kind: 'maintenance' }, ctx)).rejects.toThrow(
        'Task timed out',
      );

      const result = await advance('manager', MANAGER_CANDIDATE, { kind: 'maintenance' }, ctx);

      expect(result).toMatchObject({ from: 'awaiting-maintenance', to: 'draining' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
      expect(ssm).toHaveReceivedCommandTimes(ListCommandsCommand, 2);
      expect(ssm.commandCalls(ListCommandsCommand)[1]!.args[0].input).toEqual({
        InstanceId: OLD_MANAGER,
        Filters: [
          { key: 'DocumentName', value: DOCS.drainManager },
          { key: 'InvokedAfter', value: '2026-03-02T22:00:00Z' },
        ],
      });
      expect(ledger.rollout('manager', MANAGER_CANDIDATE)?.commands).toEqual([
        { commandId: sentCommand(DOCS.drainManager).commandId, instanceId: OLD_MANAGER },
      ]);
    });
  });

  describe('rollback', () => {
    // The candidate is the default while it bakes: a rollback restores only that.
    beforeEach(() => {
      templates.set(JOBS_TEMPLATE.name, { id: JOBS_TEMPLATE.id, defaultVersion: 7, latestVersion: 7 });
    });

    it('restores the previous default from baking and reports it rolled back', async () => {
      ledger.seed(
        jobsRollout({
          state: 'baking',
          promotedAt: '2026-03-03T01:30:00.000Z',
          deadline: '2026-03-03T02:30:00.000Z',
        }),
      );

      const result = await advance(
        'jobs-docker',
        JOBS_CANDIDATE,
        { kind: 'rollback', reason: 'requested by alice' },
        ctx,
      );

      expect(result).toMatchObject({ from: 'baking', to: 'rolled-back' });
      expect(ec2).toHaveReceivedCommandTimes(ModifyLaunchTemplateCommand, 1);
      expect(ec2).toHaveReceivedCommandWith(ModifyLaunchTemplateCommand, {
        LaunchTemplateId: JOBS_TEMPLATE.id,
        DefaultVersion: '4',
      });
      expect(busEvents()).toEqual([
        expect.objectContaining({
          detailType: 'Rollout Failed',
          detail: expect.objectContaining({
            fleet: 'jobs-docker',
            stage: 'baking',
            outcome: 'rolled-back',
            reason: 'requested by alice',
          }),
        }),
      ]);
      expect(ledger.rollout('jobs-docker', JOBS_CANDIDATE)).toMatchObject({
        state: 'rolled-back',
        reason: 'requested by alice',
      });
    });

    it('rolls back at the end of the bake period when a rollback alarm is in ALARM', async () => {
      ledger.seed(jobsRollout({ state: 'baking', deadline: NOW.toISOString() }));
      cloudWatch
        .on(DescribeAlarmsCommand)
        .resolves({ MetricAlarms: [{ AlarmName: ALARM, StateValue: 'ALARM' }] });

      const result = await advance('jobs-docker', JOBS_CANDIDATE, { kind: 'bake-end' }, ctx);

      expect(result).toMatchObject({ to: 'rolled-back' });
      expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
        AlarmNames: [ALARM],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      });
      expect(ec2).toHaveReceivedCommandWith(ModifyLaunchTemplateCommand, {
        LaunchTemplateId: JOBS_TEMPLATE.id,
        DefaultVersion: '4',
      });
    });

    it('finishes the bake without touching the default when the rollback alarm is OK', async () => {
      ledger.seed(jobsRollout({ state: 'baking', deadline: NOW.toISOString() }));
      cloudWatch
        .on(DescribeAlarmsCommand)
        .resolves({ MetricAlarms: [{ AlarmName: ALARM, StateValue: 'OK' }] });

      const result = await advance('jobs-docker', JOBS_CANDIDATE, { kind: 'bake-end' }, ctx);

      expect(result).toMatchObject({ to: 'done' });
      expect(ec2).toHaveReceivedCommandTimes(ModifyLaunchTemplateCommand, 0);
      expect(busEvents()).toEqual([]);
    });
  });

  describe('manager config', () => {
    const DEPLOY_KEY = 'deploy:3f1c9d2e-8a7b-4c6d-b5e4-1a2b3c4d5e6f';
    const APPLY_ID = candidateIdFor('config:manager', DEPLOY_KEY);
    const deploy = {
      fleet: 'manager',
      mode: 'apply' as const,
      reason: `deploy updated ${CONFIG_PREFIX}/manifest`,
      idempotencyKey: DEPLOY_KEY,
    };
    const DRAIN_SECONDS = 120 * 60 + 900;

    const historyOf = (applyId: string): string[] =>
      (ledger.rollout('manager', applyId)?.history ?? []).map((h) => `${h.state}: ${h.note}`);
    /** The apply command the item waits for ends with this output; its status event arrives. */
    const finishApply = async (
      stdout: string,
      status: 'Success' | 'Failed' = 'Success',
      applyId = APPLY_ID,
      at: StepContext = ctx,
    ) => {
      const [command] = ledger.rollout('manager', applyId)?.commands ?? [];
      if (!command) throw new Error(`apply ${applyId} waits for no command`);
      invocations.set(`${command.commandId}/${command.instanceId}`, { status, stdout });
      return advance('manager', applyId, { kind: 'command', commandId: command.commandId }, at);
    };

    beforeEach(() => {
      parameters.clear();
      ssm.on(GetParameterCommand).callsFake(getParameter);
      publishConfig();
    });

    it('sends nothing when the published template does not lint, and records the lint failure', async () => {
      publishConfig(
        CONFIG_TEMPLATE.replace(
          'name = "gitlab-runner-ao-group-docker"',
          'name = "gitlab-runner-ao-group-dokcer"',
        ),
      );

      const result = await requestConfigApply(deploy, ctx);

      expect(result).toMatchObject({ fleet: 'manager', candidateId: APPLY_ID, from: 'new', to: 'failed' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
      const item = ledger.rollout('manager', APPLY_ID);
      expect(item).toMatchObject({
        kind: 'config',
        state: 'failed',
        result: 'lint',
        reason: expect.stringMatching(/^lint: line 84: .*"gitlab-runner-ao-group-dokcer" is not a job group/),
      });
      expect(item?.history.map((h) => `${h.state}: ${h.note}`)).toEqual([`failed: ${item?.reason}`]);
      expect(busEvents()).toEqual([
        {
          source: 'runner-autopilot',
          detailType: 'Config Apply Failed',
          bus: BUS,
          detail: { fleet: 'manager', applyId: APPLY_ID, stage: 'lint', reason: item?.reason },
        },
      ]);
    });

    it('sends nothing and records why when a config parameter is missing', async () => {
      parameters.delete(`${CONFIG_PREFIX}/manifest`);

      const result = await requestConfigApply(deploy, ctx);

      expect(result).toMatchObject({ to: 'failed' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
      expect(ledger.rollout('manager', APPLY_ID)?.reason).toBe(
        'lint: the config template, values or manifest parameter is missing: deploy the stack',
      );
    });

    it('sends the apply-config document to the live manager: where the config lives, its hash, no restart', async () => {
      const result = await requestConfigApply(deploy, ctx);

      expect(result).toMatchObject({ from: 'applying', to: 'applying' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
      const { input, commandId } = sentCommand(DOCS.applyConfig);
      expect(input).toMatchObject({
        DocumentName: DOCS.applyConfig,
        InstanceIds: [OLD_MANAGER],
        Comment: `runner-autopilot ${APPLY_ID} applying`,
      });
      expect(input.Parameters).toEqual({
        Fleet: ['manager'],
        CandidateId: [APPLY_ID],
        ConfigPrefix: [CONFIG_PREFIX],
        ExpectedHash: [CONFIG_HASH],
        Mode: ['apply'],
        AllowRestart: ['false'],
        DrainTimeoutSeconds: [String(DRAIN_SECONDS)],
        executionTimeout: ['600'],
      });
      expect(ledger.rollout('manager', APPLY_ID)).toMatchObject({
        kind: 'config',
        mode: 'apply',
        state: 'applying',
        configHash: CONFIG_HASH,
        managerInstanceId: OLD_MANAGER,
        commands: [{ commandId, instanceId: OLD_MANAGER }],
      });
      expect(historyOf(APPLY_ID)).toEqual([
        `applying: apply requested: ${deploy.reason}`,
        `applying: applying to ${OLD_MANAGER} (config ${CONFIG_HASH.slice(0, 12)})`,
      ]);
    });

    it('puts no secret in a command, the ledger, an event or a log line, and never reads a SecureString', async () => {
      await requestConfigApply(deploy, ctx);
      await finishApply(
        ['TOKEN_ROTATED=aws-instance', `CONFIG_HASH=${CONFIG_HASH}`, 'RESULT drift: runners.0.limit'].join(
          '\n',
        ),
      );

      const sentText = JSON.stringify(sent.map((c) => c.input));
      for (const [path, secret] of Object.entries(SECRETS)) {
        expect(sentText).not.toContain(secret);
        // Not even the parameter's name: the instance reads the names from the values parameter.
        expect(sentText).not.toContain(path);
        expect(JSON.stringify(ledger.rollout('manager', APPLY_ID))).not.toContain(secret);
        expect(JSON.stringify(busEvents())).not.toContain(secret);
        expect(output()).not.toContain(secret);
      }
      expect(Object.keys(sent[0]?.input.Parameters ?? {}).sort()).toEqual(
        [
          'AllowRestart',
          'CandidateId',
          'ConfigPrefix',
          'DrainTimeoutSeconds',
          'ExpectedHash',
          'Fleet',
          'Mode',
          'executionTimeout',
        ].sort(),
      );
      expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual(
        ['template', 'values', 'manifest'].map((part) => ({
          Name: `${CONFIG_PREFIX}/${part}`,
          WithDecryption: false,
        })),
      );
    });

    it.each([
      ['in-sync', 'RESULT in-sync', 'done: in-sync'],
      ['applied-live', 'RESULT applied-live', 'done: applied-live'],
      [
        'applied-live',
        'RESULT applied-live: 2 change(s) reloaded',
        'done: applied-live: 2 change(s) reloaded',
      ],
    ])(
      'records %s (%s) in the item and its history, with no lease and no event',
      async (outcome, last, line) => {
        await requestConfigApply(deploy, ctx);

        await finishApply(
          `3 change(s): concurrent, runners.0.limit\napplies live\nCONFIG_HASH=${CONFIG_HASH}\n${last}`,
        );

        expect(ledger.rollout('manager', APPLY_ID)).toMatchObject({ state: 'done', result: outcome });
        expect(historyOf(APPLY_ID).at(-1)).toBe(line);
        expect(ledger.lease('manager')).toBeUndefined();
        expect(busEvents()).toEqual([]);
      },
    );

    it('reports drift found by a drift check as Config Drift Detected and changes nothing', async () => {
      const check = {
        ...deploy,
        mode: 'drift' as const,
        reason: 'nightly',
        idempotencyKey: 'drift:2026-03-03T03:15:00Z',
      };
      const applyId = candidateIdFor('config:manager', check.idempotencyKey);
      await requestConfigApply(check, ctx);

      const result = await finishApply(
        `CONFIG_HASH=${CONFIG_HASH}\nRESULT drift: concurrent, runners.0.limit`,
        'Success',
        applyId,
      );

      expect(sent[0]?.input.Parameters).toMatchObject({ Mode: ['drift'], AllowRestart: ['false'] });
      expect(result).toMatchObject({ to: 'done', note: 'drift: concurrent, runners.0.limit' });
      expect(ledger.rollout('manager', applyId)).toMatchObject({ result: 'drift', mode: 'drift' });
      expect(historyOf(applyId)).toEqual([
        'applying: drift requested: nightly',
        `applying: checking drift on ${OLD_MANAGER} (config ${CONFIG_HASH.slice(0, 12)})`,
        'done: drift: concurrent, runners.0.limit',
      ]);
      expect(busEvents()).toEqual([
        expect.objectContaining({
          detailType: 'Config Drift Detected',
          detail: {
            fleet: 'manager',
            applyId,
            instanceId: OLD_MANAGER,
            changes: 'concurrent, runners.0.limit',
            configHash: CONFIG_HASH,
          },
        }),
      ]);
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    });

    it('applies a deferred restart inside the window with the lease: a restart-allowed command that outlasts the drain', async () => {
      await requestConfigApply(deploy, ctx);

      const result = await finishApply(`CONFIG_HASH=${CONFIG_HASH}\nRESULT deferred-restart: listen_address`);

      expect(result).toMatchObject({ to: 'draining' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 2);
      const second = sent[1]!;
      expect(second.input).toMatchObject({
        DocumentName: DOCS.applyConfig,
        InstanceIds: [OLD_MANAGER],
        Comment: `runner-autopilot ${APPLY_ID} draining`,
      });
      expect(second.input.Parameters).toMatchObject({
        ConfigPrefix: [CONFIG_PREFIX],
        ExpectedHash: [CONFIG_HASH],
        Mode: ['apply'],
        AllowRestart: ['true'],
        DrainTimeoutSeconds: [String(DRAIN_SECONDS)],
      });
      expect(Number(second.input.Parameters?.executionTimeout?.[0])).toBeGreaterThan(DRAIN_SECONDS);
      expect(ledger.lease('manager')).toMatchObject({ holder: APPLY_ID });
      expect(historyOf(APPLY_ID).slice(2)).toEqual([
        'awaiting-maintenance: needs a restart (listen_address): waits for the maintenance window',
        'awaiting-maintenance: suspending ReplaceUnhealthy for the drain',
        `draining: applying with a restart ${OLD_MANAGER} (running jobs finish first, up to 120 min)`,
      ]);
    });

    // BUG: the lease lasts leaseMinutes (maxJobMinutes + healthTimeoutMinutes + 60 = 195 min here),
    // but a restarting apply may run drainCommandSeconds(manager, 'config') = 17400 s (290 min: it
    // drains, and when unhealthy drains again to restore). A manager rollout waiting for the lease
    // takes the expired lease and drains the manager while the apply still runs.
    it('holds the manager lease for as long as the restarting apply command may run', async () => {
      await requestConfigApply(deploy, ctx);

      await finishApply(`CONFIG_HASH=${CONFIG_HASH}\nRESULT deferred-restart: listen_address`);

      const runsUntil = NOW.getTime() + Number(sent[1]?.input.Parameters?.executionTimeout?.[0]) * 1000;
      expect(Date.parse(ledger.lease('manager')?.expiresAt ?? '')).toBeGreaterThanOrEqual(runsUntil);
    });

    it('ends done and releases the lease when the restarting apply succeeds', async () => {
      await requestConfigApply(deploy, ctx);
      await finishApply(`CONFIG_HASH=${CONFIG_HASH}\nRESULT deferred-restart: listen_address`);

      const result = await finishApply(`CONFIG_HASH=${CONFIG_HASH}\nRESULT applied-restart`);

      expect(result).toMatchObject({ from: 'draining', to: 'done', note: 'applied-restart' });
      expect(ledger.rollout('manager', APPLY_ID)).toMatchObject({ state: 'done', result: 'applied-restart' });
      expect(ledger.lease('manager')).toBeUndefined();
      expect(busEvents()).toEqual([]);
    });

    it('never applies an identity change outside the window: it waits for the window, then restarts', async () => {
      const outside = ctxAt(new Date('2026-03-03T10:00:00.000Z'));
      await requestConfigApply(deploy, outside);

      const deferred = await finishApply(
        `CONFIG_HASH=${CONFIG_HASH}\nRESULT deferred-restart: runner aws-instance identity (url/id) changed`,
        'Success',
        APPLY_ID,
        outside,
      );

      expect(deferred).toMatchObject({ to: 'awaiting-maintenance' });
      expect(sent.map((c) => c.input.Parameters?.AllowRestart)).toEqual([['false']]);
      expect(ledger.lease('manager')).toBeUndefined();
      expect(schedules()).toEqual([
        expect.objectContaining({
          ScheduleExpression: 'at(2026-03-04T01:00:00)',
          targetInput: { fleet: 'manager', candidateId: APPLY_ID, step: 'maintenance' },
        }),
      ]);
      expect(historyOf(APPLY_ID).slice(2)).toEqual([
        'awaiting-maintenance: needs a restart (runner aws-instance identity (url/id) changed): waits for the maintenance window',
        'awaiting-maintenance: waiting for the maintenance window at 2026-03-04T01:00:00.000Z',
      ]);

      const inWindow = await advance(
        'manager',
        APPLY_ID,
        { kind: 'maintenance' },
        ctxAt(new Date('2026-03-04T01:00:00.000Z')),
      );

      expect(inWindow).toMatchObject({ from: 'awaiting-maintenance', to: 'draining' });
      expect(sent.map((c) => c.input.Parameters?.AllowRestart)).toEqual([['false'], ['true']]);
    });

    it('waits and schedules a retry while a rollout holds the manager lease', async () => {
      const held = {
        fleet: 'manager',
        holder: MANAGER_CANDIDATE,
        action: 'replace',
        acquiredAt: '2026-03-03T01:30:00.000Z',
        expiresAt: '2026-03-03T06:45:00.000Z',
      };
      ledger.seedLease(held);
      await requestConfigApply(deploy, ctx);

      const result = await finishApply(`CONFIG_HASH=${CONFIG_HASH}\nRESULT deferred-restart: listen_address`);

      expect(result).toMatchObject({
        to: 'awaiting-maintenance',
        note: `lease of manager held by ${MANAGER_CANDIDATE} (replace); retry at 2026-03-03T02:10:00.000Z`,
      });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
      expect(ledger.lease('manager')).toEqual(held);
      expect(schedules()).toEqual([
        expect.objectContaining({
          ScheduleExpression: 'at(2026-03-03T02:10:00)',
          targetInput: { fleet: 'manager', candidateId: APPLY_ID, step: 'maintenance' },
        }),
      ]);
      expect(ledger.rollout('manager', APPLY_ID)).toMatchObject({
        attempts: 1,
        dueAt: '2026-03-03T02:10:00.000Z',
      });
    });

    it('records a failed-and-restored restart as failed, with the excerpt, and releases the lease', async () => {
      await requestConfigApply(deploy, ctx);
      await finishApply(`CONFIG_HASH=${CONFIG_HASH}\nRESULT deferred-restart: listen_address`);
      const stdout = [
        'gitlab-runner not healthy after the restart: restoring config.toml.bak-20260303T020500Z',
        `CONFIG_HASH=${CONFIG_HASH}`,
        'RESULT failed-restored: gitlab-runner unhealthy with the new config',
      ].join('\n');

      const result = await finishApply(stdout, 'Failed');

      expect(result).toMatchObject({ from: 'draining', to: 'failed' });
      expect(ledger.rollout('manager', APPLY_ID)).toMatchObject({
        state: 'failed',
        result: 'failed',
        reason: 'failed-restored: gitlab-runner unhealthy with the new config',
        excerpt: expect.stringContaining('RESULT failed-restored'),
      });
      expect(ledger.lease('manager')).toBeUndefined();
      expect(busEvents()).toEqual([
        expect.objectContaining({
          detailType: 'Config Apply Failed',
          detail: {
            fleet: 'manager',
            applyId: APPLY_ID,
            stage: 'failed-restored',
            reason: 'failed-restored: gitlab-runner unhealthy with the new config',
            excerpt: expect.stringContaining('RESULT failed-restored: gitlab-runner unhealthy'),
          },
        }),
      ]);
    });

    it('records a failed apply (RESULT fail, exit 1) as failed with a Config Apply Failed event', async () => {
      await requestConfigApply(deploy, ctx);

      const result = await finishApply(
        `CONFIG_HASH=${CONFIG_HASH}\nRESULT fail: the rendered config does not parse (line 12)`,
        'Failed',
      );

      expect(result).toMatchObject({ from: 'applying', to: 'failed' });
      expect(ledger.rollout('manager', APPLY_ID)).toMatchObject({
        result: 'failed',
        reason: 'fail: the rendered config does not parse (line 12)',
      });
      expect(busEvents()).toEqual([
        expect.objectContaining({
          detailType: 'Config Apply Failed',
          detail: expect.objectContaining({
            stage: 'fail',
            reason: 'fail: the rendered config does not parse (line 12)',
          }),
        }),
      ]);
    });

    it('ends an apply overtaken by a newer deploy (stale) as superseded, without an alert', async () => {
      await requestConfigApply(deploy, ctx);

      const result = await finishApply(
        `CONFIG_HASH=${CONFIG_HASH}\nRESULT fail: stale (nothing changed)`,
        'Failed',
      );

      expect(result).toMatchObject({ from: 'applying', to: 'done' });
      expect(ledger.rollout('manager', APPLY_ID)).toMatchObject({ result: 'superseded' });
      expect(busEvents()).toEqual([]);
    });

    it('records the runners whose rotated token the apply wrote back', async () => {
      await requestConfigApply(deploy, ctx);

      await finishApply(
        [
          'TOKEN_ROTATED=aws-instance',
          '  rotated token of aws-instance kept and written back to /runner-autopilot/gitlab-runners/manager/instance-runner-token',
          'TOKEN_ROTATED=aws-docker-autoscaler',
          `CONFIG_HASH=${CONFIG_HASH}`,
          'RESULT in-sync',
        ].join('\n'),
      );

      expect(historyOf(APPLY_ID).at(-1)).toBe(
        'done: in-sync; rotated token written back for aws-instance, aws-docker-autoscaler',
      );
    });

    it('sends one command when the same trigger is delivered twice', async () => {
      const first = await requestConfigApply(deploy, ctx);
      const again = await requestConfigApply(deploy, ctx);

      expect(first).toMatchObject({ to: 'applying' });
      expect(again).toMatchObject({ from: 'applying', to: 'applying', note: 'apply already requested' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    });

    it('adopts the sent command after a crash before the save instead of sending another', async () => {
      ledger.crashOnNextSave();
      await expect(requestConfigApply(deploy, ctx)).rejects.toThrow('Task timed out');
      await requestConfigApply(deploy, ctx);

      const result = await advance(
        'manager',
        APPLY_ID,
        { kind: 'reconcile' },
        ctxAt(new Date('2026-03-03T02:15:00.000Z')),
      );

      expect(result).toMatchObject({ from: 'applying', to: 'applying' });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
      expect(ledger.rollout('manager', APPLY_ID)?.commands).toEqual([
        { commandId: sent[0]?.commandId, instanceId: OLD_MANAGER },
      ]);
    });

    it('ends done with no command when no manager is live: the next one renders the config at boot', async () => {
      groups.get('gitlab-runner-manager')!.Instances = [];

      const result = await requestConfigApply(deploy, ctx);

      expect(result).toMatchObject({
        to: 'done',
        note: 'no live manager: the next one renders this config at boot',
      });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
      expect(ledger.rollout('manager', APPLY_ID)).toMatchObject({ result: 'no-manager' });
    });

    it('refuses a fleet that is no manager with a runner config', async () => {
      await expect(requestConfigApply({ ...deploy, fleet: 'jobs-docker' }, ctx)).rejects.toThrow(
        PermanentError,
      );

      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
    });
  });

  describe('the emergency brake', () => {
    const UNTIL = '2026-03-03T06:00:00.000Z';
    const NOTE = `held by the emergency brake until ${UNTIL}: INC-42`;
    const freezeAll = () =>
      putBrake(TABLE, { scope: '*', until: UNTIL, reason: 'INC-42', who: 'alice', setAt: NOW.toISOString() });
    const heldEvents = () => busEvents().filter((e) => e.detail.outcome === 'held');

    it('holds a drain at its deadline instead of failing it, and alerts once', async () => {
      await freezeAll();
      ledger.seed(managerRollout({ deadline: '2026-03-03T01:59:00.000Z' }));

      const result = await advance('manager', MANAGER_CANDIDATE, { kind: 'reconcile' }, ctx);

      expect(result).toMatchObject({ from: 'awaiting-maintenance', to: 'awaiting-maintenance', note: NOTE });
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
      expect(ledger.lease('manager')).toBeUndefined();
      expect(ledger.rollout('manager', MANAGER_CANDIDATE)).toMatchObject({
        dueAt: '2026-03-03T02:15:00.000Z',
        history: [expect.objectContaining({ note: NOTE })],
      });
      expect(Date.parse(ledger.rollout('manager', MANAGER_CANDIDATE)?.deadline ?? '')).toBeGreaterThan(
        Date.parse('2026-03-03T02:15:00.000Z'),
      );
      expect(heldEvents()).toEqual([
        expect.objectContaining({
          detail: expect.objectContaining({ stage: 'awaiting-maintenance', outcome: 'held', reason: NOTE }),
        }),
      ]);
    });

    it('looks again later without a new history entry or a second alert', async () => {
      await freezeAll();
      ledger.seed(managerRollout());
      await advance('manager', MANAGER_CANDIDATE, { kind: 'maintenance' }, ctx);

      const later = ctxAt(new Date('2026-03-03T02:15:00.000Z'));
      await advance('manager', MANAGER_CANDIDATE, { kind: 'maintenance' }, later);

      expect(ledger.rollout('manager', MANAGER_CANDIDATE)).toMatchObject({
        dueAt: '2026-03-03T02:30:00.000Z',
        history: [expect.objectContaining({ note: NOTE })],
      });
      expect(heldEvents()).toHaveLength(1);
      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    });

    it('holds a promotion at the end of its hold instead of rejecting it', async () => {
      await freezeAll();
      ledger.seed(
        jobsRollout({
          state: 'promotion-deferred',
          canaryInstanceId: undefined,
          dueAt: '2026-03-03T01:00:00.000Z',
          deadline: '2026-03-03T01:30:00.000Z',
        }),
      );

      const result = await advance('jobs-docker', JOBS_CANDIDATE, { kind: 'promote' }, ctx);

      expect(result).toMatchObject({ to: 'promotion-deferred', note: NOTE });
      expect(ec2).toHaveReceivedCommandTimes(ModifyLaunchTemplateCommand, 0);
      expect(schedules()).toEqual([
        expect.objectContaining({
          targetInput: { fleet: 'jobs-docker', candidateId: JOBS_CANDIDATE, step: 'promote' },
        }),
      ]);
    });

    it('never holds a rollback', async () => {
      await freezeAll();
      ledger.seed(managerRollout({ state: 'rollback-draining', dueAt: undefined, immediate: true }));

      const result = await advance('manager', MANAGER_CANDIDATE, { kind: 'maintenance' }, ctx);

      expect(result.note).not.toContain('emergency brake');
      expect(heldEvents()).toEqual([]);
    });
  });
});
