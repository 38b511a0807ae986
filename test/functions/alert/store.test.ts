import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

import {
  claimDelivery,
  deliveryKey,
  getMemory,
  putMemory,
  saveDelivery,
} from '../../../functions/alert/store';
import { TransientError } from '../../../functions/shared/errors';
import { resetDocumentClient } from '../../../functions/shared/aws/dynamodb';

const TABLE = 'gitlab-runners-autopilot-ledger';
const KEY = 'alarm|gitlab-runners-autopilot-x|ALARM|2026-11-30T03:15:00.130Z';
const NOW = new Date('2026-11-30T03:15:05Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const ddb = mockClient(DynamoDBDocumentClient);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

beforeEach(() => {
  ddb.reset();
  ddb.onAnyCommand().rejects(new Error('unexpected command'));
  resetDocumentClient();
});

describe('deliveryKey', () => {
  it('keys deliveries under ALERT#, by a hash of the content key', () => {
    expect(deliveryKey(KEY)).toEqual({
      pk: expect.stringMatching(/^ALERT#DELIVERY#[0-9a-f]{40}$/),
      sk: 'DELIVERY',
    });
    expect(deliveryKey(KEY)).toEqual(deliveryKey(KEY));
    expect(deliveryKey(`${KEY}x`).pk).not.toBe(deliveryKey(KEY).pk);
  });
});

describe('claimDelivery', () => {
  const claim = () =>
    claimDelivery(TABLE, KEY, { eventId: 'e-1', holder: 'req-1', now: NOW, leaseSeconds: 45 });

  it('claims a new message with a conditional update and a TTL', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { channels: {} } });

    await expect(claim()).resolves.toEqual({ kind: 'claimed', channels: {} });

    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      TableName: TABLE,
      Key: deliveryKey(KEY),
      ConditionExpression:
        'attribute_not_exists(#pk) OR (#status = :pending AND (#leaseUntil < :now OR #holder = :holder))',
      ReturnValues: 'ALL_NEW',
    });
    expect(input.ExpressionAttributeValues).toMatchObject({
      ':holder': 'req-1',
      ':now': NOW_S,
      ':leaseUntil': NOW_S + 45,
      ':ttl': NOW_S + 7 * 86_400,
      ':eventId': 'e-1',
    });
  });

  it('hands a retry the channels an earlier attempt settled', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { channels: { sns: 'sent', 'chat:ops': 'failed' } } });

    await expect(claim()).resolves.toEqual({
      kind: 'claimed',
      channels: { sns: 'sent', 'chat:ops': 'failed' },
    });
  });

  it('answers "done" for a message already delivered (a duplicate)', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { status: 'done', outcome: 'sent' } });

    await expect(claim()).resolves.toEqual({ kind: 'done', outcome: 'sent' });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: deliveryKey(KEY), ConsistentRead: true });
  });

  it('answers "busy" while another invocation holds the lease', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { status: 'pending', holder: 'req-2', leaseUntil: NOW_S + 30 } });

    await expect(claim()).resolves.toEqual({ kind: 'busy' });
  });

  it('rethrows other errors', async () => {
    ddb.on(UpdateCommand).rejects(new Error('throttled'));

    await expect(claim()).rejects.toThrow('throttled');
  });
});

describe('saveDelivery', () => {
  it('records each channel, closes the message and releases the lease, as the holder only', async () => {
    ddb.on(UpdateCommand).resolves({});

    await saveDelivery(TABLE, KEY, {
      holder: 'req-1',
      channels: { sns: 'sent', 'chat:ops': 'failed' },
      done: true,
      outcome: 'sent',
    });

    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: deliveryKey(KEY),
      UpdateExpression:
        'SET #channels.#c0 = :c0, #channels.#c1 = :c1, #status = :done, #outcome = :outcome, #leaseUntil = :released',
      ConditionExpression: '#holder = :holder',
    });
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.ExpressionAttributeNames).toMatchObject({ '#c0': 'sns', '#c1': 'chat:ops' });
    expect(input.ExpressionAttributeValues).toMatchObject({
      ':c0': 'sent',
      ':c1': 'failed',
      ':done': 'done',
      ':released': 0,
    });
  });

  it('leaves an unfinished message pending', async () => {
    ddb.on(UpdateCommand).resolves({});

    await saveDelivery(TABLE, KEY, {
      holder: 'req-1',
      channels: { sns: 'sent' },
      done: false,
      outcome: 'partly-sent',
    });

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.UpdateExpression).not.toContain('#status');
  });

  it('is a transient error when another invocation took the message over', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());

    await expect(
      saveDelivery(TABLE, KEY, { holder: 'req-1', channels: {}, done: true, outcome: 'sent' }),
    ).rejects.toThrow(TransientError);
  });
});

describe('memory', () => {
  const memory = { lastTransitionAt: '2026-11-30T03:15:00.130Z', held: 0 };

  it('reads the memory and its version, consistently', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'ALERT#ALARM#x', sk: 'STATE', memory, version: 3 } });

    await expect(getMemory(TABLE, 'ALARM#x')).resolves.toEqual({ memory, version: 3 });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: 'ALERT#ALARM#x', sk: 'STATE' },
      ConsistentRead: true,
    });
  });

  it('has none for an alarm never seen', async () => {
    ddb.on(GetCommand).resolves({});

    await expect(getMemory(TABLE, 'ALARM#x')).resolves.toBeUndefined();
  });

  it.each([
    [0, 'attribute_not_exists(#pk)'],
    [3, '#version = :expected'],
  ])('writes after version %d under the condition %s', async (version, condition) => {
    ddb.on(PutCommand).resolves({});

    await putMemory(TABLE, 'BAKE#jobs', memory, version, NOW);

    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: {
        pk: 'ALERT#BAKE#jobs',
        sk: 'STATE',
        memory,
        version: version + 1,
        updatedAt: NOW.toISOString(),
        ttl: NOW_S + 30 * 86_400,
      },
      ConditionExpression: condition,
    });
  });

  it('is a transient error when another invocation wrote it first', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());

    await expect(putMemory(TABLE, 'ALARM#x', memory, 1, NOW)).rejects.toThrow(TransientError);
  });
});
