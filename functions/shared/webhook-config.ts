import { z } from 'zod';

import { name, SecretRef } from './schema-primitives';

/**
 * The webhook's part of the user's config file (`gitlab.webhook`): its rules, its secret and its
 * body bound. Shared, because the suite config parses it and the webhook's slice extends it.
 */

/** Glob over refs or paths: `*` stays within one path segment, `**` crosses them. */
const glob = z.string().min(1).max(256);

export const WebhookRule = z.strictObject({
  name,
  /** `path_with_namespace` of the GitLab project, e.g. `platform/runner-images`. */
  project: z.string().regex(/^[\w.-]+(\/[\w.-]+)+$/, 'must be a project path such as group/project'),
  /** Branch names (not refs) that trigger; empty with `tags` empty means any branch. */
  branches: z.array(glob).default([]),
  tags: z.array(glob).default([]),
  /** Changed paths that trigger a bake; empty means any change. */
  paths: z.array(glob).default([]),
  pipelines: z.array(name).min(1),
});
export type WebhookRule = z.infer<typeof WebhookRule>;

export const WebhookConfig = z.strictObject({
  secret: SecretRef,
  /** Bodies above this are refused with 413 before parsing; a push of 20 commits is far smaller. */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(6 * 1024 * 1024)
    .default(1024 * 1024),
  rules: z.array(WebhookRule).min(1),
});
export type WebhookConfig = z.infer<typeof WebhookConfig>;
