import * as v from './valibot';

import { described } from './described';
import { name, SecretRef } from './schema-primitives';

/**
 * The webhook's part of the user's config file (`gitlab.webhook`): its rules, its secret and its
 * body bound. Shared, because the suite config parses it and the webhook's slice extends it.
 */

/** Glob over refs or paths: `*` stays within one path segment, `**` crosses them. */
const glob = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

export const WebhookRule = v.strictObject({
  name: described(name, 'Names the rule in logs and answers.'),
  project: described(
    v.pipe(v.string(), v.regex(/^[\w.-]+(\/[\w.-]+)+$/, 'must be a project path such as group/project')),
    'path_with_namespace of the GitLab project whose pushes this rule matches, such as platform/runner-images.',
  ),
  branches: described(
    v.optional(v.array(glob), []),
    'Branch names (not refs) that trigger; with branches and tags both empty, any branch does. `*` stays within one path segment, `**` crosses them.',
  ),
  tags: described(v.optional(v.array(glob), []), 'Tag names that trigger, as globs.'),
  paths: described(
    v.optional(v.array(glob), []),
    'Changed paths that trigger a bake, as globs; empty means any change.',
  ),
  pipelines: described(v.pipe(v.array(name), v.minLength(1)), 'The pipelines a matching push bakes.'),
});
export type WebhookRule = v.InferOutput<typeof WebhookRule>;

export const WebhookConfig = v.strictObject({
  secret: described(
    SecretRef,
    "The hook's secret token, checked against X-Gitlab-Token: the SecureString parameter (`parameter: /path`) or Secrets Manager secret (`secretsManager: name`) that holds it.",
  ),
  maxBodyBytes: described(
    v.optional(
      v.pipe(v.number(), v.safeInteger(), v.minValue(1024), v.maxValue(6 * 1024 * 1024)),
      1024 * 1024,
    ),
    'Bodies above this many bytes are refused with 413 before parsing; a push of 20 commits is far smaller.',
  ),
  rules: described(
    v.pipe(v.array(WebhookRule), v.minLength(1)),
    "A push matching any rule bakes that rule's pipelines.",
  ),
});
export type WebhookConfig = v.InferOutput<typeof WebhookConfig>;
