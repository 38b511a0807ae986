import { resetSecretCache } from '../../../functions/shared/aws/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import { tokenReader } from '../../../functions/gitlab-webhook/ports';
import {
  REFETCH_INTERVAL_MS,
  resetSecretState,
  tokenMatches,
  verifyToken,
} from '../../../functions/gitlab-webhook/secret';

const ssm = mockClient(SSMClient);
const secretsManager = mockClient(SecretsManagerClient);

const PARAMETER = { parameter: '/runner-autopilot/gitlab-webhook-token' };
const TOKEN = 'test-webhook-token';
const T0 = 1_796_030_102_000;

const storeHolds = (value: string): void => {
  ssm
    .on(GetParameterCommand)
    .resolves({ Parameter: { Name: PARAMETER.parameter, Type: 'SecureString', Value: value } });
};

beforeEach(() => {
  ssm.reset();
  secretsManager.reset();
  ssm.onAnyCommand().rejects(new Error('unexpected SSM call'));
  secretsManager.onAnyCommand().rejects(new Error('unexpected Secrets Manager call'));
  resetSecretCache();
  resetSecretState();
});

describe('tokenMatches', () => {
  it.each([
    [TOKEN, TOKEN, true],
    [TOKEN, `${TOKEN}x`, false],
    ['', TOKEN, false],
    [TOKEN.toUpperCase(), TOKEN, false],
  ])('%j against %j is %s', (presented, secret, expected) => {
    expect(tokenMatches(presented, secret)).toBe(expected);
  });
});

describe('verifyToken', () => {
  it('accepts the token stored in a SecureString parameter, read with decryption', async () => {
    storeHolds(TOKEN);

    await expect(verifyToken(TOKEN, tokenReader(PARAMETER), T0)).resolves.toBe(true);

    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: PARAMETER.parameter,
      WithDecryption: true,
    });
  });

  it('ignores the trailing newline of a secret written from a file', async () => {
    storeHolds(`${TOKEN}\n`);

    await expect(verifyToken(TOKEN, tokenReader(PARAMETER), T0)).resolves.toBe(true);
  });

  it('reads the secret once across invocations while it is cached', async () => {
    storeHolds(TOKEN);

    await verifyToken(TOKEN, tokenReader(PARAMETER), T0);
    await verifyToken(TOKEN, tokenReader(PARAMETER), T0 + 1000);

    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it.each([undefined, ''])('refuses a missing token (%j) without reading the secret', async (presented) => {
    await expect(verifyToken(presented, tokenReader(PARAMETER), T0)).resolves.toBe(false);

    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
  });

  it('refuses a wrong token on a cold start without a second read (the value is fresh)', async () => {
    storeHolds(TOKEN);

    await expect(verifyToken('wrong', tokenReader(PARAMETER), T0)).resolves.toBe(false);

    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it('re-reads at most once a minute on wrong tokens, however many arrive', async () => {
    storeHolds(TOKEN);
    await verifyToken(TOKEN, tokenReader(PARAMETER), T0);

    for (let i = 0; i < 10; i += 1)
      await verifyToken('wrong', tokenReader(PARAMETER), T0 + REFETCH_INTERVAL_MS + i * 1000);

    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('accepts a rotated secret at once when the cached one no longer matches', async () => {
    storeHolds('old-token');
    await verifyToken('old-token', tokenReader(PARAMETER), T0);
    storeHolds('new-token');

    await expect(verifyToken('new-token', tokenReader(PARAMETER), T0 + REFETCH_INTERVAL_MS)).resolves.toBe(
      true,
    );
    await expect(
      verifyToken('old-token', tokenReader(PARAMETER), T0 + REFETCH_INTERVAL_MS + 1),
    ).resolves.toBe(false);
  });

  it('reads a Secrets Manager secret, string or binary, and never SSM', async () => {
    const ref = { secretsManager: 'runner-autopilot/gitlab-webhook' };
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: TOKEN })
      .resolves({ SecretBinary: new TextEncoder().encode('binary-token') });

    await expect(verifyToken(TOKEN, tokenReader(ref), T0)).resolves.toBe(true);
    await expect(verifyToken('binary-token', tokenReader(ref), T0 + REFETCH_INTERVAL_MS)).resolves.toBe(true);

    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ref.secretsManager });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
  });

  it('fails rather than accept anyone when the stored secret is empty', async () => {
    storeHolds('');

    await expect(verifyToken('x', tokenReader(PARAMETER), T0)).rejects.toThrow(/is empty/);
  });

  it('costs one store read, not one per request, while the stored token is blank', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '\n' } });

    for (let request = 0; request < 5; request += 1) {
      await expect(verifyToken('guess', tokenReader(PARAMETER), T0 + request * 1000)).rejects.toThrow(
        /is empty/,
      );
    }

    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it('rethrows a store failure (answered 503 upstream) as the store raised it', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(verifyToken(TOKEN, tokenReader(PARAMETER), T0)).rejects.toHaveProperty(
      'name',
      'ThrottlingException',
    );
  });
});
