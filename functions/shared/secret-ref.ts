import type { SecretRef } from './schema-primitives';

/**
 * Where a ref points, for messages: a name, never a value. Apart from its schema
 * (`schema-primitives.ts`), so the secret reader builds no schema.
 */
export const describeSecretRef = (ref: SecretRef): string =>
  'parameter' in ref ? `parameter ${ref.parameter}` : `secret ${ref.secretsManager}`;
