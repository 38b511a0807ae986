import {
  CreateEventBusCommand,
  EventBridgeClient,
  type PutEventsRequestEntry,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';

import { putEvents } from '../../functions/shared/aws/eventbridge';
import { PermanentError, TransientError } from '../../functions/shared/errors';
import type { BusEntry } from '../../functions/shared/events';
import { describeContract, type ContractTarget } from './targets';

/**
 * Our bus as the functions use it (PutEvents through the adapter), held to one contract on the
 * scenario fake and on moto server, where a rule on the bus delivers to an SQS queue.
 */

const BUS = 'autopilot-contract';
const SOURCE = 'runner-autopilot';
const KB = 1024;

const entry = (n: number, detail: Record<string, unknown> = {}): BusEntry => ({
  Source: SOURCE,
  DetailType: 'Candidate Staged',
  Detail: JSON.stringify({ n, ...detail }),
  EventBusName: BUS,
});

type Delivered = { source: string; 'detail-type': string; detail: Record<string, unknown> };

/**
 * What reaches a rule on the bus. @aws-sdk/client-sqs is not a dependency: moto's SQS is asked in
 * its JSON protocol with fetch (moto does not check signatures).
 */
interface BusSeed {
  create(): Promise<void>;
  delivered(): Promise<Delivered[]>;
}

const sqs = async (endpoint: string, action: string, body: object): Promise<Record<string, unknown>> => {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `AmazonSQS.${action}`,
      // moto routes by the credential scope's service name.
      Authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-2/sqs/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`moto SQS ${action} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
};

const busSeed = (target: ContractTarget): BusSeed => {
  if (target.kind === 'fake') {
    return {
      // The fake has every bus: AWS would accept the put even on a missing one.
      create: () => Promise.resolve(),
      delivered: () =>
        Promise.resolve(
          target
            .world()
            .outbox.filter((b) => b.bus === BUS && b.event.source === SOURCE)
            .map((b) => b.event),
        ),
    };
  }
  let queueUrl = '';
  const endpoint = (): string => process.env.AWS_ENDPOINT_URL ?? '';
  return {
    create: async () => {
      const events = new EventBridgeClient({});
      await events.send(new CreateEventBusCommand({ Name: BUS }));
      queueUrl = String((await sqs(endpoint(), 'CreateQueue', { QueueName: 'delivered' })).QueueUrl);
      const attributes = (await sqs(endpoint(), 'GetQueueAttributes', {
        QueueUrl: queueUrl,
        AttributeNames: ['QueueArn'],
      })) as { Attributes: { QueueArn: string } };
      await events.send(
        new PutRuleCommand({
          Name: 'all',
          EventBusName: BUS,
          EventPattern: JSON.stringify({ source: [SOURCE] }),
        }),
      );
      await events.send(
        new PutTargetsCommand({
          Rule: 'all',
          EventBusName: BUS,
          Targets: [{ Id: 'queue', Arn: attributes.Attributes.QueueArn }],
        }),
      );
    },
    delivered: async () => {
      const found: Delivered[] = [];
      // Bounded: moto delivers during PutEvents, so the queue is complete when asked.
      for (let round = 0; round < 20; round++) {
        const out = (await sqs(endpoint(), 'ReceiveMessage', {
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
        })) as {
          Messages?: { Body: string }[];
        };
        if (!out.Messages?.length) break;
        found.push(...out.Messages.map((m) => JSON.parse(m.Body) as Delivered));
      }
      return found;
    },
  };
};

/** moto loads EventBridge and SQS on their first request. */
const warmUp = async (): Promise<void> => {
  await new EventBridgeClient({}).send(
    new PutRuleCommand({ Name: 'warm-up', EventPattern: '{"source":["x"]}' }),
  );
  await sqs(process.env.AWS_ENDPOINT_URL ?? '', 'ListQueues', {});
};

describeContract(
  'event bus',
  (target) => {
    const bus = busSeed(target);
    const events = (): EventBridgeClient => new EventBridgeClient({});
    const raw = (entries: PutEventsRequestEntry[]) =>
      events().send(new PutEventsCommand({ Entries: entries }));

    beforeEach(async () => {
      await bus.create();
    });

    it('puts an event that a rule on the bus receives with its source, detail-type and detail', async () => {
      const [id] = await putEvents([entry(1, { pipeline: 'jobs' })]);

      const delivered = await bus.delivered();
      expect(id).toEqual(expect.any(String));
      expect(delivered).toEqual([
        expect.objectContaining({
          source: SOURCE,
          'detail-type': 'Candidate Staged',
          detail: { n: 1, pipeline: 'jobs' },
        }),
      ]);
    });

    it('puts 23 entries in calls of at most 10 and returns one id per entry', async () => {
      const ids = await putEvents(Array.from({ length: 23 }, (_, n) => entry(n)));

      const delivered = await bus.delivered();
      expect(new Set(ids).size).toBe(23);
      expect(delivered.map((e) => e.detail.n).sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: 23 }, (_, n) => n),
      );
    });

    it('splits entries whose total reaches 256 KB into several calls', async () => {
      const large = Array.from({ length: 5 }, (_, n) => entry(n, { pad: 'x'.repeat(60 * KB) }));

      const ids = await putEvents(large);

      expect(ids).toHaveLength(5);
      expect(await bus.delivered()).toHaveLength(5);
    });

    it('refuses, as permanent and before any call, an entry of 256 KB or more', async () => {
      const entries = [entry(1), entry(2, { pad: 'x'.repeat(256 * KB) })];

      await expect(putEvents(entries)).rejects.toThrow(PermanentError);
      expect(await bus.delivered()).toEqual([]);
    });

    it('refuses a request of more than 10 entries as a whole', async () => {
      await expect(raw(Array.from({ length: 11 }, (_, n) => entry(n)))).rejects.toMatchObject({
        name: 'ValidationException',
      });
    });

    target.fakeOnly('eventbridge-empty-request')('refuses a request with no entries', async () => {
      await expect(raw([])).rejects.toMatchObject({ name: 'ValidationException' });
    });

    target.fakeOnly('eventbridge-request-size')(
      'refuses a request whose entries total 256 KB or more',
      async () => {
        await expect(
          raw(Array.from({ length: 5 }, (_, n) => entry(n, { pad: 'x'.repeat(60 * KB) }))),
        ).rejects.toMatchObject({
          name: 'ValidationException',
          message: 'Total size of the entries in the request is over the limit.',
        });
      },
    );

    it('fails an entry without a source, detail-type or detail alone, with InvalidArgument', async () => {
      const out = await raw([
        entry(1),
        { ...entry(2), Source: undefined },
        { ...entry(3), Detail: undefined },
      ]);

      expect(out.FailedEntryCount).toBe(2);
      expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
        'ok',
        'InvalidArgument',
        'InvalidArgument',
      ]);
      expect((await bus.delivered()).map((e) => e.detail.n)).toEqual([1]);
    });

    it('fails an entry whose detail is not JSON with MalformedDetail, and the adapter rejects as transient', async () => {
      const bad = { ...entry(2), Detail: '{not json' };

      const out = await raw([entry(1), bad]);

      expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['ok', 'MalformedDetail']);
      await expect(putEvents([entry(3), bad])).rejects.toThrow(
        new TransientError('PutEvents failed for 1 of 2 entries: MalformedDetail'),
      );
    });

    target.fakeOnly('eventbridge-missing-bus')(
      'accepts a put on a bus that does not exist and delivers nothing',
      async () => {
        const ids = await putEvents([{ ...entry(1), EventBusName: 'no-such-bus' }]);

        expect(ids).toEqual([expect.any(String)]);
        expect(await bus.delivered()).toEqual([]);
      },
    );
  },
  warmUp,
);
