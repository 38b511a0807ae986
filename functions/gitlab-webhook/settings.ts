import type { Issues, Path } from '../shared/standard-schema';
import {
  array,
  integer,
  isObject,
  object,
  standardSchema,
  string,
  withDefault,
} from '../shared/standard-schema';
import { RESERVED_NAME_MESSAGE, RESERVED_NAMES } from '../shared/known-keys';
import { secretRefRefusal } from '../shared/secret-ref';
import type { SecretRef } from '../shared/schema-primitives';
import type { WebhookConfig } from '../shared/webhook-config';

/**
 * The webhook's slice of the suite config (see `functions/shared/settings.ts`): its part of the
 * config file (`WebhookConfig`, the schema the config file, docs and JSON schema come from), with
 * the bus and the fallback topic the stack adds. Hand-written (see `shared/standard-schema.ts`);
 * the test holds it to its valibot twin built on `WebhookConfig`.
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
  refused: [RESERVED_NAMES, RESERVED_NAME_MESSAGE],
});
const glob = string({ min: 1, max: 256 });
const globs = withDefault(array(glob), () => []);

const parameterRef = object(
  { parameter: string({ pattern: [/^\/[\w./-]+$/, 'must be a parameter path such as /a/b'] }) },
  'strict',
);
const secretsManagerRef = object({ secretsManager: string({ min: 1 }) }, 'strict');

/**
 * `SecretRef`, valibot's union of the two strict objects: the first that accepts; else the issues of
 * the one that got its own key as a string and nothing else (valibot's "typed" alternative); else
 * the union's own message, which for a string is how to store a secret written inline.
 */
const secretRef = (value: unknown, path: Path, issues: Issues): SecretRef | undefined => {
  if (isObject(value)) {
    const [asParameter, asSecret]: [Issues, Issues] = [[], []];
    const parameter = parameterRef(value, path, asParameter);
    if (parameter) return parameter;
    const secret = secretsManagerRef(value, path, asSecret);
    if (secret) return secret;
    const only = (key: string) => typeof value[key] === 'string' && Object.keys(value).length === 1;
    if (only('parameter')) return void issues.push(...asParameter);
    if (only('secretsManager')) return void issues.push(...asSecret);
  }
  issues.push({ message: secretRefRefusal(value), path });
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
