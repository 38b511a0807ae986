import fc from 'fast-check';

import * as v from '../../functions/shared/valibot';
import { PushPayload } from '../../functions/gitlab-webhook/payload';
import { WebhookRule } from '../../functions/shared/webhook-config';
import { parseStandard } from '../helpers/standard-schema';

/** Arbitraries for the webhook's decision (here, not in test/arbitraries/, to keep this change in its folder). */

export const PROJECTS = [
  'platform/runner-images',
  'platform/website',
  'infra/tools',
  'group/sub/deep',
] as const;
const BRANCHES = ['main', 'develop', 'release/1.4', 'feature/x'] as const;
const TAGS = ['v1.4.0', 'v2.0.0-rc.1', 'nightly'] as const;
const SEGMENTS = [
  'images',
  'scripts',
  'docs',
  'jobs',
  'manager',
  'README.md',
  'install.sh',
  '.gitlab-ci.yml',
] as const;

const hex40 = fc.stringMatching(/^[0-9a-f]{40}$/);
const zeros = '0'.repeat(40);

export const filePath = fc
  .array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 4 })
  .map((s) => s.join('/'));

const pathGlob = fc.oneof(
  filePath,
  fc.constantFrom(...SEGMENTS).map((s) => `${s}/**`),
  fc.constantFrom('**/*.sh', '*', '**', 'docs/*', 'images/*/packages.txt'),
);
const refGlob = fc.oneof(
  fc.constantFrom(...BRANCHES, ...TAGS),
  fc.constantFrom('v*', 'release/*', '**', 'feat*'),
);
const pipelineName = fc.constantFrom('jobs', 'manager', 'docker', 'gpu');

export const rule = fc
  .record({
    name: fc.constantFrom('runner-images', 'docs', 'everything', 'tags-only'),
    project: fc.oneof(fc.constantFrom(...PROJECTS), fc.constantFrom('Platform/Runner-Images')),
    branches: fc.array(refGlob, { maxLength: 3 }),
    tags: fc.array(refGlob, { maxLength: 2 }),
    paths: fc.array(pathGlob, { maxLength: 3 }),
    pipelines: fc.array(pipelineName, { minLength: 1, maxLength: 3 }),
  })
  .map((r) => v.parse(WebhookRule, r));

export const rules = fc.array(rule, { minLength: 1, maxLength: 4 });

const commit = fc
  .record({
    id: hex40,
    added: fc.array(filePath, { maxLength: 3 }),
    modified: fc.array(filePath, { maxLength: 3 }),
    removed: fc.array(filePath, { maxLength: 2 }),
  })
  .map((c) => ({ ...c, message: 'change', author: { name: 'Jane Doe', email: 'jane@example.com' } }));

export const ref = fc.oneof(
  fc.constantFrom(...BRANCHES).map((b) => `refs/heads/${b}`),
  fc.constantFrom(...TAGS).map((t) => `refs/tags/${t}`),
  fc.constant('refs/merge-requests/1/head'),
);

/** Schema-valid push and tag push bodies, deletions included. */
export const push = fc
  .record({
    project: fc.constantFrom(...PROJECTS),
    ref,
    after: fc.oneof({ weight: 5, arbitrary: hex40 }, { weight: 1, arbitrary: fc.constant(zeros) }),
    commits: fc.array(commit, { maxLength: 21 }),
    extra: fc.nat({ max: 30 }),
    unlisted: fc.boolean(),
  })
  .map(({ project, ref, after, commits, extra, unlisted }) =>
    parseStandard(PushPayload, {
      object_kind: ref.startsWith('refs/tags/') ? 'tag_push' : 'push',
      before: zeros,
      after,
      ref,
      checkout_sha: after === zeros ? null : after,
      project: { id: 1, path_with_namespace: project },
      commits,
      total_commits_count: commits.length + (unlisted ? extra : 0),
    }),
  );
