import { z } from 'zod';

import { name, SecretRef } from './schema-primitives';

/**
 * The webhook's part of the user's config file (`gitlab.webhook`): its rules, its secret and its
 * body bound. Shared, because the suite config parses it and the webhook's slice extends it.
 */

/** Glob over refs or paths: `*` stays within one path segment, `**` crosses them. */
const glob = z.string().min(1).max(256);

export const WebhookRule = z.strictObject({
  name: name.describe('Names the rule in logs and answers.'),
  project: z
    .string()
    .regex(/^[\w.-]+(\/[\w.-]+)+$/, 'must be a project path such as group/project')
    .describe(
      'path_with_namespace of the GitLab project whose pushes this rule matches, such as platform/runner-images.',
    ),
  branches: z
    .array(glob)
    .default([])
    .describe(
      'Branch names (not refs) that trigger; with branches and tags both empty, any branch does. `*` stays within one path segment, `**` crosses them.',
    ),
  tags: z.array(glob).default([]).describe('Tag names that trigger, as globs.'),
  paths: z
    .array(glob)
    .default([])
    .describe('Changed paths that trigger a bake, as globs; empty means any change.'),
  pipelines: z.array(name).min(1).describe('The pipelines a matching push bakes.'),
});
export type WebhookRule = z.infer<typeof WebhookRule>;

export const WebhookConfig = z.strictObject({
  secret: SecretRef.describe(
    "The hook's secret token, checked against X-Gitlab-Token: the SecureString parameter (`parameter: /path`) or Secrets Manager secret (`secretsManager: name`) that holds it.",
  ),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(6 * 1024 * 1024)
    .default(1024 * 1024)
    .describe(
      'Bodies above this many bytes are refused with 413 before parsing; a push of 20 commits is far smaller.',
    ),
  rules: z.array(WebhookRule).min(1).describe("A push matching any rule bakes that rule's pipelines."),
});
export type WebhookConfig = z.infer<typeof WebhookConfig>;
