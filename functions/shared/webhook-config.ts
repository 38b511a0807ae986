import { z } from 'zod';

import { SecretRef } from './schema-primitives';

/**
 * The `gitlab.webhook` section of the suite config: which pushes start which bakes. Kept in shared
 * because the suite config (`config.ts`) is made of it; the webhook's slice
 * (`functions/gitlab-webhook/settings.ts`) is this plus the names the stack adds.
 */

const pipelineName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
    'use 2-32 lowercase letters, digits and dashes, starting with a letter',
  );

/** Glob over refs or paths: `*` stays within one path segment, `**` crosses them. */
const glob = z.string().min(1).max(256);

export const WebhookRule = z.strictObject({
  name: pipelineName,
  /** `path_with_namespace` of the GitLab project, e.g. `platform/runner-images`. */
  project: z.string().regex(/^[\w.-]+(\/[\w.-]+)+$/, 'must be a project path such as group/project'),
  /** Branch names (not refs) that trigger; empty with `tags` empty means any branch. */
  branches: z.array(glob).default([]),
  tags: z.array(glob).default([]),
  /** Changed paths that trigger a bake; empty means any change. */
  paths: z.array(glob).default([]),
  pipelines: z.array(pipelineName).min(1),
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
