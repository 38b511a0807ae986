import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import { tokenReader } from '../../../../functions/gitlab-webhook/ports';
import { resetSecretState, verifyToken } from '../../../../functions/gitlab-webhook/secret';
import { readSecret, resetSecretCache } from '../../../../functions/shared/aws/secrets';
import { SecretMissingError } from '../../../../functions/shared/errors';

/**
 * Secret reads as the webhook and the alert make them: a blank value is refused from the cache
 * like any other, so a stream of requests while a token is blank costs one store read per
 * maxAge (found by the issue 12 review: the first own cache stored only non-blank values).
 */

const ssm = mockClient(SSMClient);
const secretsManager = mockClient(SecretsManagerClient);

const PARAMETER = { parameter: '/runner-autopilot/gitlab-webhook-token' };
const SECRET = { secretsManager: 'runner-autopilot/chat/teams' };
const T0 = 1_796_030_102_000;

beforeEach(() => {
  ssm.reset();
  secretsManager.reset();
  ssm.onAnyCommand().rejects(new Error('unexpected SSM call'));
  secretsManager.onAnyCommand().rejects(new Error('unexpected Secrets Manager call'));
  resetSecretCache();
  resetSecretState();
});

describe('readSecret: a blank value', () => {
  /*
   * Powertools' BaseProvider.get cached whatever the store answered unless it was null or
   * undefined, so a value of only whitespace ("\n" from `aws ssm put-parameter --value file://`)
   * stayed cached for maxAge and readSecret refused it from the cache. The own cache stores only
   * values that pass the blank check, so each call goes back to the store.
   */
  it('is read from SSM once per maxAge, not on every call', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: ' \n' } });

    await expect(readSecret(PARAMETER)).rejects.toThrow(SecretMissingError);
    await expect(readSecret(PARAMETER)).rejects.toThrow(SecretMissingError);

    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('is read from Secrets Manager once per maxAge, not on every call', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '\n' });

    await expect(readSecret(SECRET)).rejects.toThrow(/is empty: store the value in it/);
    await expect(readSecret(SECRET)).rejects.toThrow(/is empty: store the value in it/);

    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('costs the webhook one store read, not one per request, while its token is blank', async () => {
    // secret.ts promises "a stream of bad requests cannot hammer SSM or Secrets Manager".
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '\n' } });
    const readToken = tokenReader(PARAMETER);

    for (let request = 0; request < 5; request++) {
      await expect(verifyToken('guess', readToken, T0 + request * 1000)).rejects.toThrow(/is empty/);
    }

    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });
});
