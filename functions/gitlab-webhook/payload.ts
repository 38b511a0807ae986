import * as z from '../shared/zod';

/**
 * The body of GitLab's push and tag push webhooks: only the fields we read are declared, and every
 * object stays open (`looseObject`), because GitLab adds fields between versions and a new field
 * must never turn a delivery into a 400.
 */

/** SHA-1 or SHA-256 object id (GitLab supports both repository formats). */
const objectId = z
  .string()
  .check(z.regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a 40 or 64 hex digit object id'));

const paths = z._default(z.array(z.string()), []);

export const PushCommit = z.looseObject({
  id: objectId,
  added: paths,
  modified: paths,
  removed: paths,
});
export type PushCommit = z.infer<typeof PushCommit>;

export const PushPayload = z.looseObject({
  object_kind: z.enum(['push', 'tag_push']),
  before: objectId,
  after: objectId,
  /** `refs/heads/<branch>` or `refs/tags/<tag>`. */
  ref: z.string().check(z.regex(/^refs\/\S+$/, 'must be a full ref such as refs/heads/main')),
  /** null when the ref was deleted. */
  checkout_sha: z.optional(z.nullable(objectId)),
  project: z.looseObject({ path_with_namespace: z.string().check(z.minLength(1)) }),
  /** The newest 20 commits at most; `total_commits_count` is the real number. */
  commits: z._default(z.array(PushCommit), []),
  total_commits_count: z.number().check(z.int(), z.nonnegative()),
});
export type PushPayload = z.infer<typeof PushPayload>;
