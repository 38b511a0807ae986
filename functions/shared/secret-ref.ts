import { unknownKeysMessage, unknownKeysOf } from './known-keys';
import type { SecretRef } from './schema-primitives';

/**
 * Where a ref points, for messages: a name, never a value. Apart from its schema
 * (`schema-primitives.ts`), so the secret reader and the webhook build no schema.
 */
export const describeSecretRef = (ref: SecretRef): string =>
  'parameter' in ref ? `parameter ${ref.parameter}` : `secret ${ref.secretsManager}`;

export const SECRET_REF_KEYS: readonly string[] = ['parameter', 'secretsManager'];

/**
 * What a value that is no secret reference is told, never echoing it: for a string (a secret
 * written inline) how to store it instead; for a misspelt key the key meant; else the two shapes.
 * Shared by `SecretRef`'s schema and the webhook's hand-written twin.
 */
export const secretRefRefusal = (value: unknown): string => {
  if (typeof value === 'string')
    return "is a secret, so it is never written in the config: store it as a SecureString parameter (aws ssm put-parameter --type SecureString --name /runner-autopilot/<name> --value '<secret>') and write `{ parameter: /runner-autopilot/<name> }` here, or `{ secretsManager: <secret name> }` for a Secrets Manager secret";
  const unknown = unknownKeysOf(value, SECRET_REF_KEYS);
  return unknown.length
    ? unknownKeysMessage(unknown, SECRET_REF_KEYS)
    : 'must be `{ parameter: /path }` (a SecureString parameter) or `{ secretsManager: <secret name> }`';
};
