import {
  array,
  integer,
  object,
  oneOf,
  optional,
  standardSchema,
  string,
  withDefault,
  type Check,
} from '../shared/standard-schema';

/**
 * The body of GitLab's push and tag push webhooks: only the fields we read are declared, and every
 * object stays open (loose), because GitLab adds fields between versions and a new field must
 * never turn a delivery into a 400. Hand-written (see `shared/standard-schema.ts`); the test holds
 * it to its valibot twin.
 */

export interface PushCommit {
  [field: string]: unknown;
  id: string;
  added: string[];
  modified: string[];
  removed: string[];
}

export interface PushPayload {
  [field: string]: unknown;
  object_kind: 'push' | 'tag_push';
  before: string;
  after: string;
  /** `refs/heads/<branch>` or `refs/tags/<tag>`. */
  ref: string;
  /** null when the ref was deleted. */
  checkout_sha?: string | null | undefined;
  project: { [field: string]: unknown; path_with_namespace: string };
  /** The newest 20 commits at most; `total_commits_count` is the real number. */
  commits: PushCommit[];
  total_commits_count: number;
}

/** SHA-1 or SHA-256 object id (GitLab supports both repository formats). */
const objectId = string({
  pattern: [/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a 40 or 64 hex digit object id'],
});

const nullableObjectId: Check<string | null> = (value, path, issues) =>
  value === null ? null : objectId(value, path, issues);

const paths = withDefault(array(string()), () => []);

const pushCommit = object({ id: objectId, added: paths, modified: paths, removed: paths }, 'loose');

export const PushPayload = standardSchema<PushPayload>(
  object(
    {
      object_kind: oneOf(['push', 'tag_push']),
      before: objectId,
      after: objectId,
      ref: string({ pattern: [/^refs\/\S+$/, 'must be a full ref such as refs/heads/main'] }),
      checkout_sha: optional(nullableObjectId),
      project: object({ path_with_namespace: string({ min: 1 }) }, 'loose'),
      commits: withDefault(array(pushCommit), () => []),
      total_commits_count: integer({ min: 0 }),
    },
    'loose',
  ),
);
