import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetParameterCommand,
  type GetParameterCommandInput,
  ListCommandsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { handler, resetSettings } from '../../../functions/apply-config/handler';
import { resetAutoScalingClient } from '../../../functions/shared/aws/autoscaling';
import { resetEc2Client } from '../../../functions/shared/aws/ec2';
import { resetEventBridgeClient } from '../../../functions/shared/aws/eventbridge';
import { resetSsmClient } from '../../../functions/shared/aws/ssm';
import { candidateIdFor } from '../../../functions/shared/rollout/decide';
import { configHash, parseValues } from '../../../functions/shared/runner-config/render';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import {
  LEDGER_TABLE as TABLE,
  MANAGER_CONFIG_PREFIX as PREFIX,
  ROLLOUT_SETTINGS,
} from '../../fixtures/rollout-settings';
import { context } from '../../../rehearsal/context';
import { fixture } from '../../helpers/fixtures';
import { metricNames, output } from '../../helpers/output';
import { fakeLedger } from '../shared/rollout/fake-ledger';
import { resetDocumentClient } from '../../../functions/shared/aws/dynamodb';

const ssm = mockClient(SSMClient);
const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const eventBridge = mockClient(EventBridgeClient);
const ddb = mockClient(DynamoDBDocumentClient);

const APPLY_DOC = 'gitlab-runners-autopilot-apply-config';
const MANAGER = 'i-0aa00000000000001';
const CONFIG_DIR = join(__dirname, '..', '..', '..', 'config', 'manager');
const TEMPLATE = readFileSync(join(CONFIG_DIR, 'config.toml.tmpl'), 'utf8');
const VALUES = parseValues(JSON.parse(readFileSync(join(CONFIG_DIR, 'values.json'), 'utf8')));
const HASH = configHash(TEMPLATE, VALUES);
/** What the SecureString parameters named in values.json hold. */
const SECRETS: Record<string, string> = {
  '/runner-autopilot/gitlab-runners/manager/instance-runner-token': 'glrt-instance-SECRET-a1b2c3d4e5',
  '/runner-autopilot/gitlab-runners/manager/docker-runner-token': 'glrt-docker-SECRET-f6e7d8c9b0',
};

// The rollout slice of config/example.yaml, as the stack passes it to apply-config.
const SETTINGS = {
  ...ROLLOUT_SETTINGS,
  connectorUsers: { jobs: 'ubuntu' },
  documents: {
    smokeJobs: 'gitlab-runners-autopilot-smoke-jobs',
    smokePath: 'gitlab-runners-autopilot-smoke-path',
    smokeManager: 'gitlab-runners-autopilot-smoke-manager',
    drainManager: 'gitlab-runners-autopilot-drain-manager',
    managerHealth: 'gitlab-runners-autopilot-manager-health',
    restartManager: 'gitlab-runners-autopilot-restart-manager',
    applyConfig: APPLY_DOC,
  },
};

const parameters = new Map<string, string>();
const sent: SendCommandCommandInput[] = [];
let ledger: ReturnType<typeof fakeLedger>;

const fakeAws = () => {
  parameters.set(`${PREFIX}/template`, TEMPLATE);
  parameters.set(`${PREFIX}/values`, JSON.stringify(VALUES));
  parameters.set(`${PREFIX}/manifest`, JSON.stringify({ hash: HASH }));
  ssm.on(GetParameterCommand).callsFake((input: GetParameterCommandInput) => {
    if (input.Name && input.Name in SECRETS)
      return {
        Parameter: {
          Name: input.Name,
          Type: 'SecureString',
          Value: input.WithDecryption ? SECRETS[input.Name] : 'AQICAH==',
        },
      };
    const value = parameters.get(input.Name ?? '');
    if (value === undefined) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
    return { Parameter: { Name: input.Name, Type: 'String', Value: value } };
  });
  ssm.on(ListCommandsCommand).callsFake(() => ({
    Commands: sent.map((c, i) => ({ CommandId: `cmd-${i + 1}`, Comment: c.Comment, Status: 'InProgress' })),
  }));
  ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
    sent.push(input);
    return { Command: { CommandId: `cmd-${sent.length}`, Comment: input.Comment } };
  });
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'gitlab-runner-manager',
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 1,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-2a'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date('2025-01-01T00:00:00Z'),
        Instances: [
          {
            InstanceId: MANAGER,
            LifecycleState: 'InService',
            HealthStatus: 'Healthy',
            AvailabilityZone: 'us-east-2a',
            ProtectedFromScaleIn: false,
          },
        ],
      },
    ],
  });
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: [{ InstanceId: MANAGER, State: { Name: 'running', Code: 16 }, Tags: [] }] }],
  });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
};

describe('apply-config handler', () => {
  const env = { ...process.env };
  beforeEach(() => {
    ssm.reset().onAnyCommand().rejects(new Error('unexpected command'));
    ec2.reset().onAnyCommand().rejects(new Error('unexpected command'));
    autoScaling.reset().onAnyCommand().rejects(new Error('unexpected command'));
    eventBridge.reset().onAnyCommand().rejects(new Error('unexpected command'));
    ddb.reset().onAnyCommand().rejects(new Error('unexpected command'));
    resetSsmClient();
    resetEc2Client();
    resetAutoScalingClient();
    resetEventBridgeClient();
    resetDocumentClient();
    resetSettings();
    parameters.clear();
    sent.length = 0;
    ledger = fakeLedger(ddb, TABLE);
    fakeAws();
    process.env[CONFIG_ENV] = JSON.stringify(SETTINGS);
  });
  afterEach(() => {
    process.env = { ...env };
  });

  it('maps a deploy of the manifest parameter to its manager fleet and sends one apply', async () => {
    const event = fixture<{ id: string }>('ssm/parameter-store-change.manifest.json');

    const result = await handler(event, context('apply-config'));

    const applyId = candidateIdFor('config:manager', `deploy:${event.id}`);
    expect(result).toMatchObject({ fleet: 'manager', candidateId: applyId, mode: 'apply', to: 'applying' });
    expect(sent).toEqual([
      expect.objectContaining({
        DocumentName: APPLY_DOC,
        InstanceIds: [MANAGER],
        Parameters: expect.objectContaining({
          ConfigPrefix: [PREFIX],
          ExpectedHash: [HASH],
          Mode: ['apply'],
          AllowRestart: ['false'],
        }),
      }),
    ]);
    expect(ledger.rollout('manager', applyId)).toMatchObject({
      kind: 'config',
      trigger: `deploy updated ${PREFIX}/manifest`,
      state: 'applying',
    });
  });

  it('sends one command when the same Parameter Store Change is delivered twice', async () => {
    const event = fixture('ssm/parameter-store-change.manifest.json');

    await handler(event, context('apply-config'));
    const again = await handler(fixture('ssm/parameter-store-change.manifest.json'), context('apply-config'));

    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(again).toMatchObject({ outcome: 'unchanged', note: 'apply already requested' });
  });

  it('starts another apply for another deploy (a new event id)', async () => {
    await handler(fixture('ssm/parameter-store-change.manifest.json'), context('apply-config'));

    await handler(
      { ...fixture('ssm/parameter-store-change.manifest.json'), id: '9a8b7c6d-0000-4000-8000-000000000002' },
      context('apply-config'),
    );

    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 2);
  });

  it('refuses a parameter that is no manager fleet manifest: rejected, nothing read or sent', async () => {
    const event = fixture<{ detail: { name: string } }>('ssm/parameter-store-change.manifest.json');
    event.detail.name = '/runner-autopilot/gitlab-runners/other/config/manifest';

    const result = await handler(event, context('apply-config'));

    expect(result).toEqual({
      outcome: 'rejected',
      reason: `parameter ${event.detail.name} is no manager fleet's config manifest`,
    });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    expect(metricNames()).toContain('PermanentFailure');
  });

  it('applies on a Config Apply Requested keyed by its idempotency key', async () => {
    const event = fixture<{ id: string; detail: { idempotencyKey: string } }>(
      'runner-autopilot/config-apply-requested.json',
    );

    const result = await handler(event, context('apply-config'));
    const redelivered = await handler({ ...event, id: 'another-delivery' }, context('apply-config'));

    expect(result).toMatchObject({
      candidateId: candidateIdFor('config:manager', event.detail.idempotencyKey),
      mode: 'apply',
    });
    expect(redelivered).toMatchObject({ outcome: 'unchanged' });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
  });

  it('refuses a Config Apply Requested for a fleet that is not a manager with a runner config', async () => {
    const event = fixture<{ detail: { fleet: string } }>('runner-autopilot/config-apply-requested.json');
    event.detail.fleet = 'jobs-docker';

    const result = await handler(event, context('apply-config'));

    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('"jobs-docker"') });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
  });

  it('runs the nightly drift check as a drift-mode command, once per scheduled time', async () => {
    const schedule = fixture('scheduler/drift-check.json');

    const result = await handler(schedule, context('apply-config'));
    await handler(fixture('scheduler/drift-check.json'), context('apply-config'));

    expect(result).toMatchObject({
      mode: 'drift',
      candidateId: candidateIdFor('config:manager', 'drift:2026-11-30T03:15:00Z'),
    });
    expect(sent).toEqual([
      expect.objectContaining({
        Parameters: expect.objectContaining({ Mode: ['drift'], AllowRestart: ['false'] }),
      }),
    ]);
  });

  it('rethrows a transient failure so Lambda retries it', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(
      handler(fixture('ssm/parameter-store-change.manifest.json'), context('apply-config')),
    ).rejects.toThrow('Rate exceeded');
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
  });

  it('never reads a SecureString, and logs and sends no secret', async () => {
    await handler(fixture('ssm/parameter-store-change.manifest.json'), context('apply-config'));

    const read = ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input);
    expect(read.every((i) => i.WithDecryption === false && !(String(i.Name) in SECRETS))).toBe(true);
    for (const [path, secret] of Object.entries(SECRETS)) {
      expect(output()).not.toContain(secret);
      expect(JSON.stringify(sent)).not.toContain(secret);
      expect(JSON.stringify(sent)).not.toContain(path);
    }
  });
});
