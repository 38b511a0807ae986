import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  InvalidDocument,
  InvalidInstanceId,
  InvalidParameters,
  InvocationDoesNotExist,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import { isPermanentSdkError, PermanentError } from '../../../../functions/shared/errors';
import {
  CommandRefusedError,
  findCommands,
  getInvocation,
  getParameterValue,
  onlineInstances,
  resetSsmClient,
  sendCommand,
} from '../../../../functions/shared/aws/ssm';
import { inTurn } from '../../../helpers/in-turn';

const ssm = mockClient(SSMClient);

const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);

describe('ssm adapter', () => {
  beforeEach(() => {
    ssm.reset();
    ssm.onAnyCommand().rejects(new Error('unexpected command'));
    resetSsmClient();
  });

  describe('onlineInstances', () => {
    it('filters on the ids and PingStatus Online, all pages', async () => {
      const { sent, fake } = inTurn([
        {
          InstanceInformationList: [
            { InstanceId: 'i-1', PingStatus: 'Online' },
            { InstanceId: 'i-2', PingStatus: 'ConnectionLost' },
          ],
          NextToken: 'p2',
        },
        { InstanceInformationList: [{ InstanceId: 'i-3', PingStatus: 'Online' }] },
      ]);
      ssm.on(DescribeInstanceInformationCommand).callsFake(fake);

      const online = await onlineInstances(['i-1', 'i-2', 'i-3', 'i-4']);

      expect(online).toEqual(new Set(['i-1', 'i-3']));
      const first = {
        Filters: [
          { Key: 'InstanceIds', Values: ['i-1', 'i-2', 'i-3', 'i-4'] },
          { Key: 'PingStatus', Values: ['Online'] },
        ],
        MaxResults: 50,
      };
      expect(sent).toEqual([
        { ...first, NextToken: undefined },
        { ...first, NextToken: 'p2' },
      ]);
    });

    it('asks for at most 100 ids per call', async () => {
      const { sent, fake } = inTurn([{}, {}]);
      ssm.on(DescribeInstanceInformationCommand).callsFake(fake);
      const wanted = ids(150);

      await onlineInstances(wanted);

      expect(sent).toEqual([
        expect.objectContaining({
          Filters: expect.arrayContaining([{ Key: 'InstanceIds', Values: wanted.slice(0, 100) }]),
        }),
        expect.objectContaining({
          Filters: expect.arrayContaining([{ Key: 'InstanceIds', Values: wanted.slice(100) }]),
        }),
      ]);
    });

    it('asks id by id when SSM rejects a batch, counting rejected ids as not online', async () => {
      const invalid = () => new InvalidInstanceId({ message: 'bad id', $metadata: {} });
      ssm
        .on(DescribeInstanceInformationCommand)
        .rejects(invalid())
        .on(DescribeInstanceInformationCommand, {
          Filters: [
            { Key: 'InstanceIds', Values: ['i-1'] },
            { Key: 'PingStatus', Values: ['Online'] },
          ],
        })
        .resolves({ InstanceInformationList: [{ InstanceId: 'i-1', PingStatus: 'Online' }] });

      const online = await onlineInstances(['i-1', 'i-gone']);

      expect(online).toEqual(new Set(['i-1']));
      expect(ssm).toHaveReceivedCommandTimes(DescribeInstanceInformationCommand, 3);
    });

    it('makes no call for no ids', async () => {
      await expect(onlineInstances([])).resolves.toEqual(new Set());

      expect(ssm).toHaveReceivedCommandTimes(DescribeInstanceInformationCommand, 0);
    });

    it.each([
      {},
      { InstanceInformationList: [] },
      { InstanceInformationList: [{ PingStatus: 'Online' as const }] },
    ])('finds nothing online in the answer %j', async (answer) => {
      ssm.on(DescribeInstanceInformationCommand).resolves(answer);

      await expect(onlineInstances(['i-1'])).resolves.toEqual(new Set());
    });
  });

  describe('sendCommand', () => {
    const input = {
      documentName: 'runner-autopilot-job-probe',
      instanceIds: ['i-1', 'i-2'],
      parameters: { executionTimeout: ['600'], samples: ['2'] },
      timeoutSeconds: 120,
      comment: 'probe key-0123',
    };

    it('sends the document with the delivery timeout and the parameters as given', async () => {
      ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'c-1' } });

      await expect(sendCommand(input)).resolves.toEqual({ commandId: 'c-1' });
      expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input).toEqual({
        DocumentName: 'runner-autopilot-job-probe',
        InstanceIds: ['i-1', 'i-2'],
        Parameters: { executionTimeout: ['600'], samples: ['2'] },
        TimeoutSeconds: 120,
        Comment: 'probe key-0123',
      });
    });

    it('accepts 50 instances', async () => {
      ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'c-1' } });

      await sendCommand({ ...input, instanceIds: ids(50) });

      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    });

    it.each([
      ['60 instances', ids(60)],
      ['no instance', []],
    ])('throws without sending for %s', async (_case, instanceIds) => {
      await expect(sendCommand({ ...input, instanceIds })).rejects.toThrow(/takes 1-50/);

      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    });

    it.each([29, 2_592_001, 1.5])('throws without sending for the timeout %d', async (timeoutSeconds) => {
      await expect(sendCommand({ ...input, timeoutSeconds })).rejects.toThrow(/timeoutSeconds/);

      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    });

    it('throws without sending for a comment over 100 characters', async () => {
      await expect(sendCommand({ ...input, comment: 'x'.repeat(101) })).rejects.toThrow(/at most 100/);

      expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    });

    it.each([{}, { Command: {} }])('throws when the answer %j has no command id', async (answer) => {
      ssm.on(SendCommandCommand).resolves(answer);

      await expect(sendCommand(input)).rejects.toThrow(/no command id/);
    });

    it('throws a permanent CommandRefusedError, keeping the cause, when SSM refuses the parameters', async () => {
      const refusal = new InvalidParameters({ message: 'executionTimeout does not match', $metadata: {} });
      ssm.on(SendCommandCommand).rejects(refusal);

      const sent = sendCommand(input);

      await expect(sent).rejects.toThrow(CommandRefusedError);
      await expect(sent).rejects.toBeInstanceOf(PermanentError);
      await expect(sent).rejects.toMatchObject({
        message: expect.stringContaining('runner-autopilot-job-probe: executionTimeout does not match'),
        cause: refusal,
      });
    });

    it('rethrows an unknown document unchanged, as transient', async () => {
      const missing = new InvalidDocument({ message: 'no such document', $metadata: {} });
      ssm.on(SendCommandCommand).rejects(missing);

      await expect(sendCommand(input)).rejects.toBe(missing);
      expect(isPermanentSdkError(missing)).toBe(false);
    });
  });

  describe('findCommands', () => {
    it('lists the commands of a document on an instance since a time, all pages', async () => {
      const { sent, fake } = inTurn([
        {
          Commands: [
            {
              CommandId: 'c-2',
              Status: 'InProgress',
              RequestedDateTime: new Date('2026-11-30T03:01:00Z'),
              Comment: 'drain key-2',
            },
          ],
          NextToken: 'p2',
        },
        { Commands: [{ CommandId: 'c-1' }, {}] },
      ]);
      ssm.on(ListCommandsCommand).callsFake(fake);

      const found = await findCommands({
        instanceId: 'i-1',
        documentName: 'runner-autopilot-drain',
        after: new Date('2026-11-30T03:00:00.250Z'),
      });

      expect(found).toEqual([
        {
          commandId: 'c-2',
          status: 'InProgress',
          requestedAt: new Date('2026-11-30T03:01:00Z'),
          comment: 'drain key-2',
        },
        { commandId: 'c-1', status: 'unknown', requestedAt: undefined, comment: undefined },
      ]);
      const first = {
        InstanceId: 'i-1',
        Filters: [
          { key: 'DocumentName', value: 'runner-autopilot-drain' },
          { key: 'InvokedAfter', value: '2026-11-30T03:00:00Z' },
        ],
      };
      expect(sent).toEqual([
        { ...first, NextToken: undefined },
        { ...first, NextToken: 'p2' },
      ]);
    });

    it('leaves InvokedAfter out when no time is given', async () => {
      ssm.on(ListCommandsCommand).resolves({});

      await expect(findCommands({ instanceId: 'i-1', documentName: 'd' })).resolves.toEqual([]);
      expect(ssm).toHaveReceivedCommandWith(ListCommandsCommand, {
        InstanceId: 'i-1',
        Filters: [{ key: 'DocumentName', value: 'd' }],
      });
    });
  });

  describe('getInvocation', () => {
    it('returns status, response code and output', async () => {
      ssm.on(GetCommandInvocationCommand).resolves({
        Status: 'Success',
        StatusDetails: 'Success',
        ResponseCode: 0,
        StandardOutputContent: 'containers=0\n',
        StandardErrorContent: '',
      });

      await expect(getInvocation('c-1', 'i-1')).resolves.toEqual({
        status: 'Success',
        statusDetails: 'Success',
        responseCode: 0,
        stdout: 'containers=0\n',
        stderr: '',
      });
      expect(ssm).toHaveReceivedCommandWith(GetCommandInvocationCommand, {
        CommandId: 'c-1',
        InstanceId: 'i-1',
      });
    });

    it('fills in what an unfinished invocation leaves out', async () => {
      ssm.on(GetCommandInvocationCommand).resolves({});

      await expect(getInvocation('c-1', 'i-1')).resolves.toEqual({
        status: 'unknown',
        statusDetails: undefined,
        responseCode: undefined,
        stdout: '',
        stderr: '',
      });
    });

    it('returns undefined when the invocation does not exist (yet)', async () => {
      ssm
        .on(GetCommandInvocationCommand)
        .rejects(new InvocationDoesNotExist({ message: 'no', $metadata: {} }));

      await expect(getInvocation('c-1', 'i-1')).resolves.toBeUndefined();
    });

    it('rethrows other errors unchanged', async () => {
      const error = new InvalidInstanceId({ message: 'bad', $metadata: {} });
      ssm.on(GetCommandInvocationCommand).rejects(error);

      await expect(getInvocation('c-1', 'i-1')).rejects.toBe(error);
    });
  });
});

describe('ssm adapter: getParameterValue', () => {
  beforeEach(() => {
    ssm.reset();
    ssm.onAnyCommand().rejects(new Error('unexpected command'));
    resetSsmClient();
  });

  it('reads a String parameter without decryption', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"hash":"abc"}' } });

    await expect(getParameterValue('/runner-autopilot/x/manifest')).resolves.toBe('{"hash":"abc"}');
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/runner-autopilot/x/manifest',
      WithDecryption: false,
    });
  });

  it('answers undefined for a parameter that does not exist', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('nope'), { name: 'ParameterNotFound' }));

    await expect(getParameterValue('/missing')).resolves.toBeUndefined();
  });
});
