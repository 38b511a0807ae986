import { resetSecretCache } from '../../../functions/shared/aws/secrets';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import {
  MESSAGE_MAX_BYTES,
  publish,
  resetSnsClient,
  snsMessage,
  snsSubject,
} from '../../../functions/shared/aws/sns';
import { SecretMissingError, TransientError } from '../../../functions/shared/errors';
import { readSecret } from '../../../functions/shared/aws/secrets';

/**
 * The two shared modules this change adds (functions/shared/aws/sns.ts, functions/shared/aws/secrets.ts),
 * tested here beside their first user; they belong in test/functions/shared/ when that tree is next touched.
 */

const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);
const secretsManager = mockClient(SecretsManagerClient);
const TOPIC = 'arn:aws:sns:us-east-2:123456789012:alerts';

beforeEach(() => {
  sns.reset();
  ssm.reset();
  secretsManager.reset();
  sns.onAnyCommand().rejects(new Error('unexpected SNS call'));
  ssm.onAnyCommand().rejects(new Error('unexpected SSM call'));
  secretsManager.onAnyCommand().rejects(new Error('unexpected Secrets Manager call'));
  resetSnsClient();
  resetSecretCache();
});

describe('sns adapter', () => {
  it('publishes the subject and message to the topic and returns the message id', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    await expect(publish({ topicArn: TOPIC, subject: 'Hello', message: 'Body' })).resolves.toBe('m-1');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'Hello',
      Message: 'Body',
    });
  });

  it('wraps any failure in a transient error, keeping the cause', async () => {
    const cause = new Error('NotFound');
    sns.on(PublishCommand).rejects(cause);

    const error = await publish({ topicArn: TOPIC, subject: 's', message: 'm' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).cause).toBe(cause);
  });

  it.each([
    ['a\nb\tc', 'a b c'],
    ['x'.repeat(150), `${'x'.repeat(96)}...`],
    ['', 'runner-autopilot alert'],
    ['Café — “ok”', 'Cafe - "ok"'],
  ])('fits the subject %j to SNS', (input, expected) => {
    expect(snsSubject(input)).toBe(expected);
  });

  it('cuts a message above 255 KiB, marking the cut', () => {
    const cut = snsMessage('é'.repeat(MESSAGE_MAX_BYTES));

    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(MESSAGE_MAX_BYTES);
    expect(cut.endsWith('\n[truncated]')).toBe(true);
    expect(snsMessage('short')).toBe('short');
  });
});

describe('readSecret', () => {
  it('reads a SecureString parameter with decryption, trimmed', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'https://hooks.example.com/x\n' } });

    await expect(readSecret({ parameter: '/a/b' })).resolves.toBe('https://hooks.example.com/x');
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/a/b', WithDecryption: true });
  });

  it('reads a Secrets Manager secret', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'value' });

    await expect(readSecret({ secretsManager: 'team/hook' })).resolves.toBe('value');
  });

  it('caches a read for maxAgeSeconds', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'v' } });

    await readSecret({ parameter: '/a/b' });
    await readSecret({ parameter: '/a/b' });

    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it('reads again once maxAgeSeconds have passed, or when forced', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_796_030_102_000);
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'old' } })
      .resolves({ Parameter: { Value: 'new' } });

    await readSecret({ parameter: '/a/b' }, { maxAgeSeconds: 60 });
    now.mockReturnValue(1_796_030_102_000 + 59_999);
    await expect(readSecret({ parameter: '/a/b' }, { maxAgeSeconds: 60 })).resolves.toBe('old');
    now.mockReturnValue(1_796_030_102_000 + 60_000);
    await expect(readSecret({ parameter: '/a/b' }, { maxAgeSeconds: 60 })).resolves.toBe('new');
    await expect(readSecret({ parameter: '/a/b' }, { forceFetch: true })).resolves.toBe('new');

    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 3);
    now.mockRestore();
  });

  it('keeps a parameter and a secret of the same name apart', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'from-ssm' } });
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'from-secrets-manager' });

    await expect(readSecret({ parameter: 'hook' })).resolves.toBe('from-ssm');
    await expect(readSecret({ secretsManager: 'hook' })).resolves.toBe('from-secrets-manager');
  });

  it.each([
    [
      'a missing parameter',
      () => ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'x', $metadata: {} })),
      { parameter: '/a/b' },
    ],
    [
      'a missing secret',
      () =>
        secretsManager
          .on(GetSecretValueCommand)
          .rejects(new ResourceNotFoundException({ message: 'x', $metadata: {} })),
      { secretsManager: 'x' },
    ],
    [
      'an empty value',
      () => ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '  \n' } }),
      { parameter: '/a/b' },
    ],
  ] as const)('throws SecretMissingError for %s', async (_case, arrange, ref) => {
    arrange();

    await expect(readSecret(ref)).rejects.toThrow(SecretMissingError);
  });

  it.each([
    [
      'SSM',
      () => ssm.on(GetParameterCommand).resolves({ Parameter: { Value: ' \n' } }),
      { parameter: '/a/b' },
    ],
    [
      'Secrets Manager',
      () => secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '\n' }),
      { secretsManager: 'team/hook' },
    ],
  ] as const)(
    'refuses a blank value from %s from the cache: one read per maxAge',
    async (_store, arrange, ref) => {
      arrange();

      await expect(readSecret(ref)).rejects.toThrow(/is empty: store the value in it/);
      await expect(readSecret(ref)).rejects.toThrow(/is empty: store the value in it/);

      expect([...ssm.calls(), ...secretsManager.calls()]).toHaveLength(1);
    },
  );

  it('rethrows other store errors (transient)', async () => {
    ssm.on(GetParameterCommand).rejects(new Error('ThrottlingException'));

    const error = await readSecret({ parameter: '/a/b' }).catch((e: unknown) => e);

    expect(error).not.toBeInstanceOf(SecretMissingError);
  });
});
