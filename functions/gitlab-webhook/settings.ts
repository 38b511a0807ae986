import type { Issues, Path } from '../shared/standard-schema';
import {
  array,
  integer,
  isRecord,
  object,
  standardSchema,
  string,
  withDefault,
} from '../shared/standard-schema';
import type { SecretRef } from '../shared/schema-primitives';
import type { WebhookConfig } from '../shared/webhook-config';

/**
 * The webhook's slice of the suite config (see `functions/shared/settings.ts`): its part of the
 * config file (`WebhookConfig`, the zod schema the config file, docs and JSON schema come from),
 * with the bus and the fallback topic the stack adds. Hand-written, not zod (see
 * `shared/standard-schema.ts`); the test holds it to `WebhookConfig`'s zod twin.
 */
export type WebhookSettings = WebhookConfig & {
  readonly eventBusName: string;
  /** Where a push goes when PutEvents keeps failing; the redrive function puts it later. */
  readonly fallbackTopicArn: string;
};

/** `schema-primitives.ts`'s `name`. */
const name = string({
  pattern: [
    /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
    'use 2-32 lowercase letters, digits and dashes, starting with a letter',
  ],
});
const glob = string({ min: 1, max: 256 });
const globs = withDefault(array(glob), () => []);

const parameterRef = object(
  { parameter: string({ pattern: [/^\/[\w./-]+$/, 'must be a parameter path such as /a/b'] }) },
  'strict',
);
const secretsManagerRef = object({ secretsManager: string({ min: 1 }) }, 'strict');

/**
 * `SecretRef`: zod's union reports the issues of the one alternative whose key holds a string (its
 * other issues, a pattern or an unknown key, do not abort it), and else "Invalid input", or how to
 * store a secret written inline.
 */
const secretRef = (value: unknown, path: Path, issues: Issues): SecretRef | undefined => {
  if (typeof value === 'string') {
    issues.push({
      message:
        "is a secret, so it is never written in the config: store it as a SecureString parameter (aws ssm put-parameter --type SecureString --name /runner-autopilot/<name> --value '<secret>') and write `{ parameter: /runner-autopilot/<name> }` here, or `{ secretsManager: <secret name> }` for a Secrets Manager secret",
      path,
    });
    return undefined;
  }
  if (isRecord(value)) {
    const [asParameter, asSecret]: [Issues, Issues] = [[], []];
    const parameter = parameterRef(value, path, asParameter);
    if (parameter) return parameter;
    const secret = secretsManagerRef(value, path, asSecret);
    if (secret) return secret;
    const [isParameter, isSecret] = [
      typeof value.parameter === 'string',
      typeof value.secretsManager === 'string',
    ];
    if (isParameter !== isSecret) return void issues.push(...(isParameter ? asParameter : asSecret));
  }
  issues.push({ message: 'Invalid input', path });
  return undefined;
};

const rule = object(
  {
    name,
    project: string({ pattern: [/^[\w.-]+(\/[\w.-]+)+$/, 'must be a project path such as group/project'] }),
    branches: globs,
    tags: globs,
    paths: globs,
    pipelines: array(name, 1),
  },
  'strict',
);

export const WebhookSettings = standardSchema<WebhookSettings>(
  object(
    {
      eventBusName: string({ min: 1 }),
      fallbackTopicArn: string({ min: 1 }),
      secret: secretRef,
      maxBodyBytes: withDefault(integer({ min: 1024, max: 6 * 1024 * 1024 }), () => 1024 * 1024),
      rules: array(rule, 1),
    },
    'strict',
  ),
);
