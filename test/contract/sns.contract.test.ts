import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';

import { publish } from '../../functions/shared/aws/sns';
import { TransientError } from '../../functions/shared/errors';
import { ACCOUNT, REGION, SNS_MESSAGE_MAX_BYTES } from '../../rehearsal/fake-aws';
import { describeContract, type ContractTarget } from './targets';

/**
 * SNS Publish as the alert function uses it (its adapter fits subject and message to the limits),
 * and the limits themselves (raw Publish), held to one contract on our fake and on moto server.
 */

const TOPIC = 'gitlab-runners-alerts';
const MISSING_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:no-such-topic`;

/** The topic, created where the target keeps topics: the fake's world, or moto through the SDK. */
const createTopic = async (target: ContractTarget): Promise<string> => {
  if (target.kind === 'fake') {
    const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${TOPIC}`;
    target.world().topics.add(arn);
    return arn;
  }
  const out = await new SNSClient({}).send(new CreateTopicCommand({ Name: TOPIC }));
  return out.TopicArn ?? '';
};

const rawPublish = (topicArn: string, message: string, subject?: string) =>
  new SNSClient({ maxAttempts: 1 }).send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: message,
      ...(subject === undefined ? {} : { Subject: subject }),
    }),
  );

describeContract('sns publish contract', (target) => {
  it('publishes to a topic and answers a message id', async () => {
    const topicArn = await createTopic(target);

    const messageId = await publish({ topicArn, subject: '[WARNING] bake failed', message: 'text' });

    expect(messageId).not.toBe('');
  });

  it('refuses a topic that does not exist (NotFound), a transient failure for the adapter', async () => {
    await createTopic(target);

    const sent = publish({ topicArn: MISSING_TOPIC, subject: 'x', message: 'text' });

    await expect(sent).rejects.toThrow(TransientError);
    await expect(sent).rejects.toMatchObject({ cause: { name: 'NotFoundException' } });
  });

  it('accepts a message of 262,144 bytes and refuses one byte more', async () => {
    const topicArn = await createTopic(target);

    await expect(rawPublish(topicArn, 'x'.repeat(SNS_MESSAGE_MAX_BYTES))).resolves.toHaveProperty(
      'MessageId',
    );
    await expect(rawPublish(topicArn, 'x'.repeat(SNS_MESSAGE_MAX_BYTES + 1))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  it('accepts a subject of 99 characters and refuses one of 101', async () => {
    const topicArn = await createTopic(target);

    await expect(rawPublish(topicArn, 'text', 's'.repeat(99))).resolves.toHaveProperty('MessageId');
    await expect(rawPublish(topicArn, 'text', 's'.repeat(101))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  target.fakeOnly('sns-subject-rules')(
    'refuses a subject of 100 characters, with a line break, or with non-ASCII characters',
    async () => {
      const topicArn = await createTopic(target);

      for (const subject of ['s'.repeat(100), 'bake\nfailed', 'Bake fehlgeschlagen: Größe'])
        await expect(rawPublish(topicArn, 'text', subject)).rejects.toMatchObject({
          name: 'InvalidParameterException',
        });
    },
  );

  it("fits a long subject with line breaks and non-ASCII characters to Publish's rules", async () => {
    const topicArn = await createTopic(target);
    const subject = `[CRITICAL] Größe – ${'rollout failed\n'.repeat(20)}`;

    const messageId = await publish({ topicArn, subject, message: 'ü'.repeat(SNS_MESSAGE_MAX_BYTES) });

    expect(messageId).not.toBe('');
  });
});
