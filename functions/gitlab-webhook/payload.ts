import * as v from '../shared/valibot';

/**
 * The body of GitLab's push and tag push webhooks: only the fields we read are declared, and every
 * object stays open (loose), because GitLab adds fields between versions and a new field must
 * never turn a delivery into a 400.
 */

/** SHA-1 or SHA-256 object id (GitLab supports both repository formats). */
const objectId = v.pipe(
  v.string(),
  v.regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a 40 or 64 hex digit object id'),
);

const paths = v.optional(v.array(v.string()), []);

const PushCommit = v.looseObject({ id: objectId, added: paths, modified: paths, removed: paths });
export type PushCommit = v.InferOutput<typeof PushCommit>;

export const PushPayload = v.looseObject({
  object_kind: v.picklist(['push', 'tag_push']),
  before: objectId,
  after: objectId,
  /** `refs/heads/<branch>` or `refs/tags/<tag>`. */
  ref: v.pipe(v.string(), v.regex(/^refs\/\S+$/, 'must be a full ref such as refs/heads/main')),
  /** null when the ref was deleted. */
  checkout_sha: v.optional(v.nullable(objectId)),
  project: v.looseObject({ path_with_namespace: v.pipe(v.string(), v.minLength(1)) }),
  /** The newest 20 commits at most; `total_commits_count` is the real number. */
  commits: v.optional(v.array(PushCommit), []),
  total_commits_count: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type PushPayload = v.InferOutput<typeof PushPayload>;
