import {
  CommandInvocationStatus,
  CommandStatus,
  CreateDocumentCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import {
  CommandRefusedError,
  findCommands,
  getInvocation,
  resetSsmClient,
  sendCommand,
} from '../../functions/shared/aws/ssm';
import { PermanentError } from '../../functions/shared/errors';
import { drainBoundSeconds } from '../../functions/shared/rollout/commands';
import { drainCommandSeconds } from '../../functions/shared/rollout/decide';
import { RolloutDocuments } from '../../infra/rollout/documents';
import { documentsOfResources, sendCommandRefusal } from '../../rehearsal/command-documents';
import { testApp } from '../helpers/app';
import { installFakeAws, restoreFakeAws, World } from '../../rehearsal/fake-aws';
import { type MotoDivergence, MOTO_DIVERGENCES } from './divergences';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * The SSM command sender port (functions/shared/aws/ssm.ts) as the rollout uses it: sendCommand,
 * then findCommands (is it sent already?) and getInvocation (how did it end?). The same cases run
 * against the scenario fake and against moto; what moto cannot check runs against the fake only
 * and names its divergence. The documents are the synthesized ones, so a parameter the rollout
 * sends that AWS would refuse fails here.
 */

const DEPLOYMENT = 'gitlab-runners';
const stack = new Stack(testApp(), 'Documents', { env: { account: '123456789012', region: 'us-east-2' } });
const rollout = new RolloutDocuments(stack, 'Documents', {
  deployment: DEPLOYMENT,
  drainTimeoutSeconds: 8100,
});
const DOCUMENTS = documentsOfResources(Template.fromStack(stack).findResources('AWS::SSM::Document'));

/** What the rollout sends to drain a manager fleet whose jobs last at most 30 minutes. */
const drainInput = (instanceId: string, comment = 'runner-autopilot 0a1b2c draining') => ({
  documentName: rollout.drainManager.name,
  instanceIds: [instanceId],
  parameters: {
    Fleet: ['manager'],
    CandidateId: ['0a1b2c'],
    DrainTimeoutSeconds: [String(drainBoundSeconds({ maxJobMinutes: 30 }))],
    executionTimeout: [String(drainCommandSeconds({ maxJobMinutes: 30 }, 'rollout'))],
  },
  timeoutSeconds: 600,
  comment,
});

const divergence = (id: MotoDivergence): string => `${id}: ${MOTO_DIVERGENCES[id].split(':')[0]}`;

const INVOCATION_STATUSES: readonly string[] = Object.values(CommandInvocationStatus);
const COMMAND_STATUSES: readonly string[] = Object.values(CommandStatus);

/** The cases both AWS stand-ins must pass; `instanceId` is a managed instance of the target. */
const sharedCases = (instanceId: () => string): void => {
  it('sends a command with the parameters a fleet sends, and finds it by document, instance and comment', async () => {
    const { commandId } = await sendCommand(drainInput(instanceId()));

    const found = await findCommands({ instanceId: instanceId(), documentName: rollout.drainManager.name });

    expect(found).toEqual([
      expect.objectContaining({ commandId, comment: 'runner-autopilot 0a1b2c draining' }),
    ]);
    expect(COMMAND_STATUSES).toContain(found[0]?.status);
  });

  it('reads the invocation of a sent command with an invocation status', async () => {
    const { commandId } = await sendCommand(drainInput(instanceId()));

    const invocation = await getInvocation(commandId, instanceId());

    expect(INVOCATION_STATUSES).toContain(invocation?.status);
  });

  it('accepts the live apply of any fleet: a short execution timeout and its own drain bound', async () => {
    const { commandId } = await sendCommand({
      documentName: rollout.applyConfig.name,
      instanceIds: [instanceId()],
      parameters: {
        Fleet: ['manager-b'],
        CandidateId: ['0a1b2c'],
        ConfigPrefix: [`/runner-autopilot/${DEPLOYMENT}/manager-b/config`],
        ExpectedHash: ['a'.repeat(64)],
        Mode: ['apply'],
        AllowRestart: ['false'],
        DrainTimeoutSeconds: [String(drainBoundSeconds({ maxJobMinutes: 480 }))],
        executionTimeout: ['600'],
      },
      timeoutSeconds: 600,
      comment: 'runner-autopilot 0a1b2c applying',
    });

    expect(commandId).toMatch(/\S/);
  });
};

describe('SSM command sender port: fake', () => {
  let world: World;
  let instanceId = '';
  beforeEach(() => {
    world = new World();
    world.documents = DOCUMENTS;
    const lt = world.addLaunchTemplate('lt-contract', ['ami-0000000000000c001']);
    const group = world.addGroup(
      {
        name: 'contract',
        minSize: 1,
        maxSize: 1,
        desiredCapacity: 1,
        launchTemplate: { id: lt.id, version: '$Default' },
        suspendedProcesses: [],
        warmPool: false,
        runsRunner: false,
      },
      1,
    );
    instanceId = group.instances[0]!.id;
    installFakeAws(world, 'contract-ledger');
    resetSsmClient();
  });
  afterAll(() => {
    restoreFakeAws();
    resetSsmClient();
  });

  sharedCases(() => instanceId);

  describe(divergence('ssm-send-command-unchecked'), () => {
    it.each([
      ['a value outside allowedPattern', { executionTimeout: ['600'] }, /executionTimeout="600"/],
      ['an unknown parameter', { Samples: ['2'] }, /Samples is not a parameter/],
      ['two values for one String parameter', { Fleet: ['a', 'b'] }, /Fleet of type String takes one value/],
    ])(
      'refuses %s with InvalidParameters, a permanent CommandRefusedError',
      async (_case, change, message) => {
        const input = drainInput(instanceId);

        const sent = sendCommand({ ...input, parameters: { ...input.parameters, ...change } });

        await expect(sent).rejects.toThrow(CommandRefusedError);
        await expect(sent).rejects.toBeInstanceOf(PermanentError);
        await expect(sent).rejects.toMatchObject({ cause: { name: 'InvalidParameters', message } });
      },
    );

    it('refuses a command without a required parameter', async () => {
      const input = drainInput(instanceId);
      const { Fleet, CandidateId, executionTimeout } = input.parameters;

      const sent = sendCommand({
        ...input,
        documentName: rollout.applyConfig.name,
        parameters: { Fleet, CandidateId, executionTimeout },
      });

      await expect(sent).rejects.toMatchObject({
        cause: {
          name: 'InvalidParameters',
          message: expect.stringMatching(/required parameter ConfigPrefix/),
        },
      });
    });

    it('refuses an unknown document with InvalidDocument, left transient', async () => {
      const sent = sendCommand({
        ...drainInput(instanceId),
        documentName: `${DEPLOYMENT}-autopilot-nothing`,
      });

      await expect(sent).rejects.toMatchObject({ name: 'InvalidDocument' });
      await expect(sent).rejects.not.toBeInstanceOf(PermanentError);
    });
  });

  describe(divergence('ssm-command-outcome'), () => {
    it('reports a command in progress without output, then its end with the output', async () => {
      world.scripts['drain-manager'] = () => ({
        kind: 'pass',
        afterMinutes: 0,
        output: 'RESULT pass: drained',
      });
      const { commandId } = await sendCommand(drainInput(instanceId, 'runner-autopilot outcome'));

      const running = await getInvocation(commandId, instanceId);
      world.fireDueTimers();
      const ended = await getInvocation(commandId, instanceId);

      expect(running).toMatchObject({ status: 'InProgress', responseCode: -1, stdout: '' });
      expect(ended).toMatchObject({ status: 'Success', responseCode: 0, stdout: 'RESULT pass: drained' });
    });
  });

  describe(divergence('ssm-list-commands-document-filter'), () => {
    it("finds only the document's own commands on an instance", async () => {
      await sendCommand(drainInput(instanceId, 'runner-autopilot filter'));

      const found = await findCommands({ instanceId, documentName: rollout.managerHealth.name });

      expect(found).toEqual([]);
    });
  });
});

describe('synthesized rollout documents', () => {
  it.each([...DOCUMENTS.keys()])(
    'gives every parameter of %s a default its own allowedPattern accepts',
    (name) => {
      const doc = DOCUMENTS.get(name)!;
      const defaults = Object.entries(doc.parameters).flatMap(([p, d]) =>
        d.default === undefined
          ? []
          : [[p, d.default, new RegExp(d.allowedPattern).test(d.default)] as const],
      );

      expect(defaults.filter(([, , ok]) => !ok)).toEqual([]);
    },
  );

  it.each([...DOCUMENTS.keys()])(
    'lets a command of %s leave out every parameter that has a default',
    (name) => {
      const required = Object.entries(DOCUMENTS.get(name)!.parameters).filter(
        ([, d]) => d.default === undefined,
      );

      const refusal = sendCommandRefusal(DOCUMENTS, name, {});

      expect(refusal?.message.match(/required parameter \w+/g) ?? []).toEqual(
        required.map(([p]) => `required parameter ${p}`),
      );
    },
  );
});

describeWithMoto('SSM command sender port: moto', () => {
  useMotoServer({
    resetClients: resetSsmClient,
    afterReset: async (moto) => {
      const client = new SSMClient({ endpoint: moto.endpoint });
      for (const [name, content] of DOCUMENTS)
        await client.send(
          new CreateDocumentCommand({
            Name: name,
            DocumentType: 'Command',
            DocumentFormat: 'JSON',
            Content: JSON.stringify(content),
          }),
        );
    },
  });

  sharedCases(() => 'i-0123456789abcdef0');
});
