import { name, SecretRef } from './schema-primitives';
import * as z from './zod';

/**
 * The webhook's part of the user's config file (`gitlab.webhook`): its rules, its secret and its
 * body bound. Shared, because the suite config parses it and the webhook's slice extends it.
 */

/** Glob over refs or paths: `*` stays within one path segment, `**` crosses them. */
const glob = z.string().check(z.minLength(1), z.maxLength(256));

export const WebhookRule = z.strictObject({
  name: name.check(z.describe('Names the rule in logs and answers.')),
  project: z
    .string()
    .check(
      z.regex(/^[\w.-]+(\/[\w.-]+)+$/, 'must be a project path such as group/project'),
      z.describe(
        'path_with_namespace of the GitLab project whose pushes this rule matches, such as platform/runner-images.',
      ),
    ),
  branches: z
    ._default(z.array(glob), [])
    .check(
      z.describe(
        'Branch names (not refs) that trigger; with branches and tags both empty, any branch does. `*` stays within one path segment, `**` crosses them.',
      ),
    ),
  tags: z._default(z.array(glob), []).check(z.describe('Tag names that trigger, as globs.')),
  paths: z
    ._default(z.array(glob), [])
    .check(z.describe('Changed paths that trigger a bake, as globs; empty means any change.')),
  pipelines: z.array(name).check(z.minLength(1), z.describe('The pipelines a matching push bakes.')),
});
export type WebhookRule = z.infer<typeof WebhookRule>;

export const WebhookConfig = z.strictObject({
  secret: SecretRef.check(
    z.describe(
      "The hook's secret token, checked against X-Gitlab-Token: the SecureString parameter (`parameter: /path`) or Secrets Manager secret (`secretsManager: name`) that holds it.",
    ),
  ),
  maxBodyBytes: z
    ._default(z.number().check(z.int(), z.minimum(1024), z.maximum(6 * 1024 * 1024)), 1024 * 1024)
    .check(
      z.describe(
        'Bodies above this many bytes are refused with 413 before parsing; a push of 20 commits is far smaller.',
      ),
    ),
  rules: z
    .array(WebhookRule)
    .check(z.minLength(1), z.describe("A push matching any rule bakes that rule's pipelines.")),
});
export type WebhookConfig = z.infer<typeof WebhookConfig>;
