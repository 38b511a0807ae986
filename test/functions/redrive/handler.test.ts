import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';

import { handler, resetSettings } from '../../../functions/redrive/handler';
import type { SqsEvent } from '../../../functions/redrive/schema';
import { resetEventBridgeClient } from '../../../functions/shared/aws/eventbridge';
import { busEntry, DetailType } from '../../../functions/shared/events';
import { MESSAGE_MAX_BYTES } from '../../../functions/shared/aws/sns';
import { REDRIVE_MESSAGE_MAX_BYTES, redriveMessage } from '../../../functions/shared/redrive';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { context } from '../../../rehearsal/context';
import { fixture } from '../../helpers/fixtures';
import { logEntries, metricNames } from '../../helpers/output';

const eventBridge = mockClient(EventBridgeClient);

const BUS = 'runner-autopilot-gitlab-runners';
const ENV = { ...process.env };

beforeEach(() => {
  process.env = { ...ENV, [CONFIG_ENV]: JSON.stringify({ eventBusName: BUS }) };
  eventBridge.reset();
  eventBridge.onAnyCommand().rejects(new Error('unexpected EventBridge call'));
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `event-${i + 1}` })),
  }));
  resetEventBridgeClient();
  resetSettings();
});

afterAll(() => {
  process.env = ENV;
});

const record = (messageId: string, body: string): SqsEvent['Records'][number] => ({ messageId, body });
const sqsEvent = (...records: SqsEvent['Records']): SqsEvent => ({ Records: records });

const putEntries = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);

describe('redrive handler', () => {
  it('puts, on its own bus, the very entries the webhook could not put: same detail, same idempotency key', async () => {
    const original = ['jobs', 'manager'].map((pipeline) =>
      busEntry(
        DetailType.BakeRequested,
        { pipeline, idempotencyKey: `gitlab:delivery-1:${pipeline}`, reason: 'push to a/b main (1234abcd)' },
        'the-bus-the-webhook-saw',
      ),
    );

    const result = await handler(
      sqsEvent(record('m-1', redriveMessage(original, 'gitlab:delivery-1'))),
      context(),
    );

    expect(result).toEqual({
      outcome: 'redriven',
      itemCount: 1,
      redrivenCount: 1,
      refusedCount: 0,
      batchItemFailures: [],
    });
    expect(putEntries()).toEqual(original.map((e) => ({ ...e, EventBusName: BUS })));
  });

  it('redrives the sample fallback message with the keys of its GitLab delivery', async () => {
    await handler(fixture('sqs/webhook-fallback.json'), context());

    expect(
      putEntries().map((e) => (JSON.parse(e.Detail ?? '') as { idempotencyKey: string }).idempotencyKey),
    ).toEqual([
      'gitlab:b1e4f7a2-6c3d-4e5f-8a9b-0c1d2e3f4a5b:jobs',
      'gitlab:b1e4f7a2-6c3d-4e5f-8a9b-0c1d2e3f4a5b:manager',
    ]);
  });

  it('leaves a message whose PutEvents fails in the queue, and puts the others', async () => {
    const good = redriveMessage(
      [busEntry(DetailType.BakeRequested, { pipeline: 'jobs', idempotencyKey: 'k-1' }, BUS)],
      'gitlab:d-1',
    );
    const failing = redriveMessage(
      [busEntry(DetailType.BakeRequested, { pipeline: 'manager', idempotencyKey: 'k-2' }, BUS)],
      'gitlab:d-2',
    );
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: { Detail: string }[] }) => {
      if (input.Entries.some((e) => e.Detail.includes('k-2')))
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return { FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] };
    });

    const result = await handler(sqsEvent(record('m-1', good), record('m-2', failing)), context());

    expect(result).toMatchObject({
      outcome: 'retrying',
      redrivenCount: 1,
      batchItemFailures: [{ itemIdentifier: 'm-2' }],
    });
    expect(logEntries()).toContainEqual(
      expect.objectContaining({ level: 'WARN', messageId: 'm-2', origin: 'gitlab:d-2' }),
    );
    expect(metricNames()).not.toContain('PermanentFailure');
  });

  it.each([
    ['not JSON', '{'],
    ['not a redrive message', JSON.stringify({ entries: [] })],
    [
      'a detail its schema refuses',
      JSON.stringify({
        origin: 'x',
        entries: [{ detailType: 'Bake Requested', detail: { pipeline: 'Jobs!' } }],
      }),
    ],
  ])('refuses a message that is %s for good: logged, counted, deleted', async (_name, body) => {
    const result = await handler(sqsEvent(record('m-9', body)), context());

    expect(result).toMatchObject({ outcome: 'redriven', refusedCount: 1, batchItemFailures: [] });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    expect(metricNames()).toContain('PermanentFailure');
    expect(logEntries()).toContainEqual(
      expect.objectContaining({ level: 'ERROR', errorKind: 'permanent', messageId: 'm-9' }),
    );
  });

  it("refuses to hand off a message SNS would cut (a cut one is no longer JSON), with SNS's own limit", () => {
    const big = busEntry(
      DetailType.BakeRequested,
      { pipeline: 'jobs', idempotencyKey: 'k', reason: 'r'.repeat(1000) },
      BUS,
    );

    expect(REDRIVE_MESSAGE_MAX_BYTES).toBe(MESSAGE_MAX_BYTES);
    expect(() =>
      redriveMessage(
        Array.from({ length: 300 }, () => big),
        'gitlab:d',
      ),
    ).toThrow(/exceeds SNS's limit/);
  });
});
