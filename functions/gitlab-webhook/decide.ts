import type { WebhookRule } from '../shared/webhook-config';
import { anyGlob, globToRegExp } from './glob';
import type { PushPayload } from './payload';

/**
 * Which bakes a GitLab push asks for: pure, so every rule can be tested without AWS.
 * A rule matches when its project, its ref glob and (if it lists any) one of its path globs match.
 */

export interface Ref {
  readonly kind: 'branch' | 'tag';
  readonly name: string;
}

export interface RuleVerdict {
  readonly rule: string;
  readonly matched: boolean;
  readonly why: string;
}

export interface BakeRequest {
  readonly pipeline: string;
  /** Every rule that asked for this pipeline, in config order. */
  readonly rules: readonly string[];
  /** Human-readable origin for the `Bake Requested` detail. */
  readonly reason: string;
}

export type WebhookDecision =
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'no-match'; readonly reason: string; readonly verdicts: readonly RuleVerdict[] }
  | {
      readonly kind: 'bake';
      readonly reason: string;
      readonly requests: readonly BakeRequest[];
      readonly verdicts: readonly RuleVerdict[];
    };

/** What the push changed: a known list of paths, or "everything" when GitLab cannot tell us. */
type Changes =
  { readonly kind: 'all'; readonly why: string } | { readonly kind: 'listed'; readonly paths: string[] };

/** Every reason is echoed in an answer and a log line: none may grow with the payload. */
export const REASON_MAX = 1024;

/** Longest part of a pushed value (ref, project path, changed path) quoted in a reason. */
export const QUOTED_MAX = 120;

/** A sender-chosen value cut short, saying how long it was, so no reason grows with the payload. */
export const clip = (value: string, max = QUOTED_MAX): string =>
  value.length <= max ? value : `${value.slice(0, max)}... (${value.length} characters)`;

export const parseRef = (ref: string): Ref | undefined => {
  if (ref.startsWith('refs/heads/')) return { kind: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { kind: 'tag', name: ref.slice('refs/tags/'.length) };
  return undefined;
};

/** GitLab marks a deleted ref with an all-zero `after` and a null `checkout_sha`. */
export const isDeletion = (push: PushPayload): boolean =>
  /^0+$/.test(push.after) || push.checkout_sha === null;

export const changesOf = (push: PushPayload, ref: Ref): Changes => {
  // A tag points at history, not at a diff: tag pushes list no commits, so any tag is a change.
  if (ref.kind === 'tag') return { kind: 'all', why: 'a tag push touches every path' };
  // GitLab lists only the newest 20 commits; the others' paths are unknown, so assume they match.
  if (push.commits.length < push.total_commits_count)
    return {
      kind: 'all',
      why: `${push.total_commits_count} commits but ${push.commits.length} listed: paths unknown`,
    };
  const paths = new Set(push.commits.flatMap((c) => [...c.added, ...c.modified, ...c.removed]));
  return { kind: 'listed', paths: [...paths].sort() };
};

const quote = (globs: readonly string[]): string => globs.map((g) => `'${g}'`).join(', ');

const judge = (rule: WebhookRule, push: PushPayload, ref: Ref, changes: Changes): RuleVerdict => {
  const no = (why: string): RuleVerdict => ({ rule: rule.name, matched: false, why });
  const yes = (why: string): RuleVerdict => ({ rule: rule.name, matched: true, why });

  // GitLab keeps project paths unique regardless of case, so compare them that way.
  const project = push.project.path_with_namespace;
  if (rule.project.toLowerCase() !== project.toLowerCase())
    return no(`project ${clip(project)} is not ${rule.project}`);

  const anyBranch = ref.kind === 'branch' && rule.branches.length === 0 && rule.tags.length === 0;
  const refGlobs = ref.kind === 'branch' ? rule.branches : rule.tags;
  if (!anyBranch && !anyGlob(refGlobs)(ref.name))
    return no(
      refGlobs.length
        ? `${ref.kind} ${clip(ref.name)} matches none of ${quote(refGlobs)}`
        : `the rule lists no ${ref.kind === 'tag' ? 'tags' : 'branches'}`,
    );

  const shown = `${ref.kind} ${clip(ref.name)}`;
  if (rule.paths.length === 0) return yes(`${shown}, any change`);
  if (changes.kind === 'all') return yes(`${shown}, ${changes.why}`);
  for (const glob of rule.paths) {
    const re = globToRegExp(glob);
    const hit = changes.paths.find((p) => re.test(p));
    if (hit !== undefined) return yes(`${shown}, ${clip(hit)} matches '${glob}'`);
  }
  return no(`none of ${changes.paths.length} changed paths matches ${quote(rule.paths)}`);
};

export const decideWebhook = (push: PushPayload, rules: readonly WebhookRule[]): WebhookDecision => {
  const ref = parseRef(push.ref);
  if (!ref) return { kind: 'ignore', reason: `ref ${clip(push.ref)} is neither a branch nor a tag` };
  if (isDeletion(push)) return { kind: 'ignore', reason: `${ref.kind} ${clip(ref.name)} was deleted` };

  const changes = changesOf(push, ref);
  const verdicts = rules.map((rule) => judge(rule, push, ref, changes));
  const sha = (push.checkout_sha ?? push.after).slice(0, 8);
  const origin = `${ref.kind === 'tag' ? 'tag push' : 'push'} to ${clip(push.project.path_with_namespace)} ${clip(ref.name)} (${sha})`;

  const byPipeline = new Map<string, string[]>();
  rules.forEach((rule, i) => {
    if (!verdicts[i]?.matched) return;
    for (const pipeline of rule.pipelines) {
      const names = byPipeline.get(pipeline) ?? [];
      if (!names.includes(rule.name)) names.push(rule.name);
      byPipeline.set(pipeline, names);
    }
  });

  if (byPipeline.size === 0) {
    const why = verdicts.map((v) => `${v.rule}: ${v.why}`).join('; ');
    return { kind: 'no-match', reason: `${origin} matched no rule (${why})`.slice(0, REASON_MAX), verdicts };
  }
  const requests = [...byPipeline].map(([pipeline, names]) => ({
    pipeline,
    rules: names,
    reason: `${origin} matched rule ${names.join(', ')}`.slice(0, REASON_MAX),
  }));
  const matched = [...new Set(requests.flatMap((r) => r.rules))];
  return {
    kind: 'bake',
    reason: `${origin} matched rule ${matched.join(', ')}`.slice(0, REASON_MAX),
    requests,
    verdicts,
  };
};
