import fc from 'fast-check';

import {
  clip,
  decideWebhook,
  QUOTED_MAX,
  REASON_MAX,
  type WebhookDecision,
} from '../../../functions/gitlab-webhook/decide';
import * as v from '../../../functions/shared/valibot';
import { PushPayload } from '../../../functions/gitlab-webhook/payload';
import { WebhookRule } from '../../../functions/shared/webhook-config';
import { push, rule, rules } from '../../arbitraries/gitlab';
import { parseStandard } from '../../helpers/standard-schema';

const SHA = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7';
const ZEROS = '0'.repeat(40);

/** The rule of config/example.yaml. */
const runnerImages = v.parse(WebhookRule, {
  name: 'runner-images',
  project: 'platform/runner-images',
  branches: ['main'],
  tags: ['v*'],
  paths: ['images/**', 'scripts/**'],
  pipelines: ['jobs', 'manager'],
});

interface PushShape {
  project?: string;
  ref?: string;
  after?: string;
  checkoutSha?: string | null;
  changed?: string[][];
  total?: number;
  removed?: string[];
}

const pushOf = ({
  project = 'platform/runner-images',
  ref = 'refs/heads/main',
  after = SHA,
  checkoutSha = after,
  changed = [['images/jobs/packages.txt']],
  total,
  removed = [],
}: PushShape = {}): PushPayload =>
  parseStandard(PushPayload, {
    object_kind: ref.startsWith('refs/tags/') ? 'tag_push' : 'push',
    before: ZEROS,
    after,
    ref,
    checkout_sha: checkoutSha,
    project: { path_with_namespace: project },
    commits: changed.map((modified, i) => ({ id: `${i}`.padStart(40, 'a'), modified, removed })),
    total_commits_count: total ?? changed.length,
  });

const pipelinesOf = (d: WebhookDecision): string[] =>
  d.kind === 'bake' ? d.requests.map((r) => r.pipeline) : [];

describe('decideWebhook', () => {
  it.each<[string, PushShape, WebhookDecision['kind'], string[]]>([
    ['a push to main touching images/', {}, 'bake', ['jobs', 'manager']],
    ['a push to main touching scripts/', { changed: [['scripts/install.sh']] }, 'bake', ['jobs', 'manager']],
    [
      'a push that only removes an image file',
      { changed: [[]], removed: ['images/old.txt'] },
      'bake',
      ['jobs', 'manager'],
    ],
    ['a push to main touching only docs/', { changed: [['docs/a.md'], ['README.md']] }, 'no-match', []],
    ['a push to another branch', { ref: 'refs/heads/develop' }, 'no-match', []],
    ['a push to another project', { project: 'platform/website' }, 'no-match', []],
    ['a project path in other case', { project: 'Platform/Runner-Images' }, 'bake', ['jobs', 'manager']],
    [
      'a tag matching v* (no commits listed)',
      { ref: 'refs/tags/v1.4.0', changed: [] },
      'bake',
      ['jobs', 'manager'],
    ],
    ['a tag not matching v*', { ref: 'refs/tags/nightly', changed: [] }, 'no-match', []],
    [
      '25 commits with 20 listed, all in docs/',
      { changed: Array.from({ length: 20 }, () => ['docs/x.md']), total: 25 },
      'bake',
      ['jobs', 'manager'],
    ],
    ['a new branch with no new commits', { changed: [], total: 0 }, 'no-match', []],
    ['a deleted branch (after all zeros)', { after: ZEROS, checkoutSha: null }, 'ignore', []],
    ['a deleted tag (checkout_sha null)', { ref: 'refs/tags/v1.0.0', checkoutSha: null }, 'ignore', []],
    ['a ref that is neither branch nor tag', { ref: 'refs/merge-requests/7/head' }, 'ignore', []],
  ])('decides %s', (_name, shape, kind, pipelines) => {
    const decision = decideWebhook(pushOf(shape), [runnerImages]);

    expect(decision.kind).toBe(kind);
    expect(pipelinesOf(decision)).toEqual(pipelines);
  });

  it('says why a rule matched and names project, ref, short sha and rule in the reason', () => {
    const decision = decideWebhook(pushOf(), [runnerImages]);

    expect(decision).toMatchObject({
      kind: 'bake',
      verdicts: [
        {
          rule: 'runner-images',
          matched: true,
          why: "branch main, images/jobs/packages.txt matches 'images/**'",
        },
      ],
      requests: [
        {
          pipeline: 'jobs',
          rules: ['runner-images'],
          reason: 'push to platform/runner-images main (da156088) matched rule runner-images',
        },
        { pipeline: 'manager', rules: ['runner-images'] },
      ],
    });
  });

  it('says why no rule matched', () => {
    const decision = decideWebhook(pushOf({ changed: [['docs/a.md']] }), [runnerImages]);

    expect(decision).toMatchObject({
      kind: 'no-match',
      reason: expect.stringContaining(
        "runner-images: none of 1 changed paths matches 'images/**', 'scripts/**'",
      ),
    });
  });

  it('treats the paths of unlisted commits as unknown, so as matching', () => {
    const decision = decideWebhook(pushOf({ changed: [['docs/a.md']], total: 21 }), [runnerImages]);

    expect(decision).toMatchObject({
      kind: 'bake',
      verdicts: [{ matched: true, why: 'branch main, 21 commits but 1 listed: paths unknown' }],
    });
  });

  it('requests each pipeline once, listing every rule that asked for it, in config order', () => {
    const docs = v.parse(WebhookRule, {
      ...runnerImages,
      name: 'docs',
      paths: [],
      pipelines: ['docs', 'jobs'],
    });

    const decision = decideWebhook(pushOf(), [runnerImages, docs]);

    expect(decision).toMatchObject({
      kind: 'bake',
      requests: [
        {
          pipeline: 'jobs',
          rules: ['runner-images', 'docs'],
          reason: expect.stringMatching(/matched rule runner-images, docs$/),
        },
        { pipeline: 'manager', rules: ['runner-images'] },
        { pipeline: 'docs', rules: ['docs'] },
      ],
    });
  });

  it.each<[string, Partial<WebhookRule>, string, boolean]>([
    [
      'no branches and no tags match any branch',
      { branches: [], tags: [] },
      'refs/heads/anything/here',
      true,
    ],
    ['no branches and no tags match no tag', { branches: [], tags: [] }, 'refs/tags/v1', false],
    ['tags only match no branch', { branches: [], tags: ['v*'] }, 'refs/heads/main', false],
    ['branches only match no tag', { branches: ['main'], tags: [] }, 'refs/tags/main', false],
    ['a branch glob crosses no slash with *', { branches: ['release/*'] }, 'refs/heads/release/1/2', false],
    ['a branch glob crosses slashes with **', { branches: ['release/**'] }, 'refs/heads/release/1/2', true],
  ])('ref rules: %s', (_name, overrides, ref, matched) => {
    const r = v.parse(WebhookRule, { ...runnerImages, ...overrides, paths: [] });

    const decision = decideWebhook(pushOf({ ref }), [r]);

    expect(decision.kind).toBe(matched ? 'bake' : 'no-match');
  });

  it('names the pushed sha from after when GitLab omits checkout_sha', () => {
    const p = pushOf();
    delete p.checkout_sha;

    expect(decideWebhook(p, [runnerImages])).toMatchObject({ reason: expect.stringContaining('(da156088)') });
  });

  it('requests a pipeline listed twice in one rule once', () => {
    const r = v.parse(WebhookRule, { ...runnerImages, pipelines: ['jobs', 'jobs'] });

    expect(decideWebhook(pushOf(), [r])).toMatchObject({
      requests: [{ pipeline: 'jobs', rules: ['runner-images'] }],
    });
  });

  it('matches any push, even one without commits, when the rule lists no paths', () => {
    const r = v.parse(WebhookRule, { ...runnerImages, paths: [] });

    expect(decideWebhook(pushOf({ changed: [], total: 0 }), [r]).kind).toBe('bake');
  });

  describe('pushed values are quoted cut short', () => {
    const huge = 'x'.repeat(500_000);
    const reasonsOf = (d: WebhookDecision): string[] => [
      d.reason,
      ...(d.kind === 'ignore' ? [] : d.verdicts.map((v) => v.why)),
      ...(d.kind === 'bake' ? d.requests.map((r) => r.reason) : []),
    ];

    it.each<[string, PushShape]>([
      ['a ref that is neither a branch nor a tag', { ref: `refs/odd/${huge}` }],
      ['a deleted branch', { ref: `refs/heads/${huge}`, after: ZEROS, checkoutSha: null }],
      ['a branch that matches no rule', { ref: `refs/heads/${huge}` }],
      ['a tag that matches', { ref: `refs/tags/v${huge}` }],
      ['a project of another name', { project: `platform/${huge}` }],
      ['a changed path that matches', { changed: [[`images/${huge}`]] }],
    ])('%s of 500,000 characters', (_name, shape) => {
      const decision = decideWebhook(pushOf(shape), [runnerImages]);

      for (const reason of reasonsOf(decision)) {
        expect(reason.length).toBeLessThanOrEqual(REASON_MAX);
        expect(reason).not.toContain('x'.repeat(QUOTED_MAX + 1));
      }
    });

    it('keeps a short value whole and says how long a cut one was', () => {
      expect(clip('main')).toBe('main');
      expect(clip('a'.repeat(QUOTED_MAX + 1))).toBe(
        `${'a'.repeat(QUOTED_MAX)}... (${QUOTED_MAX + 1} characters)`,
      );
    });
  });

  describe('properties', () => {
    it('is total: never throws on schema-valid input', () => {
      fc.assert(
        fc.property(push, rules, (p, rs) => {
          decideWebhook(p, rs);
        }),
      );
    });

    it('is deterministic', () => {
      fc.assert(
        fc.property(push, rules, (p, rs) => {
          expect(decideWebhook(p, rs)).toEqual(decideWebhook(p, rs));
        }),
      );
    });

    it('always matches a rule whose project and ref match when commits are unlisted, whatever its paths', () => {
      fc.assert(
        fc.property(push, rule, fc.integer({ min: 1, max: 30 }), (p, r, extra) => {
          const branch = 'main';
          const matching = v.parse(WebhookRule, { ...r, branches: [branch] });
          const many = parseStandard(PushPayload, {
            ...p,
            ref: `refs/heads/${branch}`,
            after: SHA,
            checkout_sha: SHA,
            project: { path_with_namespace: matching.project },
            total_commits_count: p.commits.length + extra,
          });

          const decision = decideWebhook(many, [matching]);

          expect(pipelinesOf(decision)).toEqual([...new Set(matching.pipelines)]);
        }),
      );
    });

    it('never matches a rule of another project', () => {
      fc.assert(
        fc.property(push, rules, (p, rs) => {
          const others = rs.filter(
            (r) => r.project.toLowerCase() !== p.project.path_with_namespace.toLowerCase(),
          );

          const decision = decideWebhook(p, others);

          expect(decision.kind).not.toBe('bake');
        }),
      );
    });

    it('requests only pipelines of matched rules, each once', () => {
      fc.assert(
        fc.property(push, rules, (p, rs) => {
          const decision = decideWebhook(p, rs);
          if (decision.kind !== 'bake') return;

          const matched = rs.filter((_, i) => decision.verdicts[i]?.matched);
          const pipelines = pipelinesOf(decision);
          expect(new Set(pipelines).size).toBe(pipelines.length);
          expect(new Set(pipelines)).toEqual(new Set(matched.flatMap((r) => r.pipelines)));
        }),
      );
    });
  });
});
