import { formatIssues } from '../../functions/shared/issues';
import * as v from '../../functions/shared/valibot';

/**
 * The GitLab REST reads doctor makes (Project webhooks API, docs.gitlab.com/api/project_webhooks),
 * with Node's fetch. The token travels in the PRIVATE-TOKEN header only: never in a URL, a message
 * or an error, and never to another host (redirects are not followed, next-page links only on the
 * instance's own origin).
 */

export const GITLAB_TIMEOUT_MS = 10_000;

/**
 * Offset pagination caps per_page at 100 (REST API, "Pagination"), and an instance allows 100 hooks
 * per project by default: one page is the rule, three pages are a bound, not a limit one meets.
 */
const HOOKS_PER_PAGE = 100;
const MAX_HOOK_PAGES = 3;

/** The events endpoint refuses per_page above 20 (lib/api/hooks/events.rb: `values: 1..20`). */
const EVENTS_PER_PAGE = 20;

/** GitLab treats a `null` boolean as false (REST API, "null vs false"), and so does a missing one. */
const flag = v.pipe(
  v.optional(v.nullable(v.boolean()), false),
  v.transform((b) => b === true),
);

const ProjectHook = v.looseObject({
  id: v.number(),
  url: v.string(),
  push_events: flag,
  tag_push_events: flag,
  enable_ssl_verification: flag,
  push_events_branch_filter: v.optional(v.nullable(v.string())),
  /** `wildcard` (the default), `regex` or `all_branches`. */
  branch_filter_strategy: v.optional(v.nullable(v.string())),
  /** `executable`, `temporarily_disabled` or `disabled` (WebHooks::AutoDisabling); old instances omit it. */
  alert_status: v.optional(v.nullable(v.string())),
  disabled_until: v.optional(v.nullable(v.string())),
});
export type ProjectHook = v.InferOutput<typeof ProjectHook>;

const HookEvent = v.looseObject({
  /** A status code as a string, or `internal error` when GitLab got no answer (timeout, refused connection). */
  response_status: v.pipe(
    v.union([v.string(), v.number()]),
    v.transform((s) => String(s)),
  ),
  created_at: v.optional(v.nullable(v.string())),
});
export type HookEvent = v.InferOutput<typeof HookEvent>;

export interface HookEvents {
  readonly events: readonly HookEvent[];
  /** `x-total`, when GitLab sends it. */
  readonly total?: number;
}

/** GitLab's answer: the value, or the status it refused with and the body's `error` (`insufficient_scope`). */
export type GitLabAnswer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly status: number; readonly error?: string };

/** No answer at all: DNS, connection, TLS or the timeout. The message is the reason, without the token. */
export class GitLabUnreachable extends Error {
  override readonly name = 'GitLabUnreachable';
}

/** `client_failure` (4xx) and `server_failure` (5xx and `internal error`), or `successful` (2xx). */
export type DeliveryOutcome = 'failed' | 'successful';

export interface GitLabApi {
  /** GET /projects/:id/hooks, every page (up to a bound). */
  readonly listProjectHooks: (project: string) => Promise<GitLabAnswer<ProjectHook[]>>;
  /**
   * GET /projects/:id/hooks/:hook_id/events (GitLab 17.3 and later): the last 7 days' deliveries
   * with that outcome, the first page only (the most recent 20).
   */
  readonly listHookEvents: (
    project: string,
    hookId: number,
    outcome: DeliveryOutcome,
  ) => Promise<GitLabAnswer<HookEvents>>;
}

const STATUS_FILTER: Record<DeliveryOutcome, string> = {
  failed: 'client_failure,server_failure',
  successful: 'successful',
};

/**
 * Fields of a thrown value, read without `instanceof`: fetch's errors come from Node's own realm,
 * where another realm's `Error` (a vm context, a test runner) does not recognise them.
 */
const field = (error: unknown, key: 'name' | 'message' | 'cause'): unknown =>
  typeof error === 'object' && error !== null && key in error
    ? (error as Record<string, unknown>)[key]
    : undefined;

/** What fetch throws without an answer: its `TypeError` ("fetch failed") or the timeout's `TimeoutError`. */
const isNoAnswer = (error: unknown): boolean =>
  ['TypeError', 'TimeoutError'].includes(String(field(error, 'name')));

const reasonOf = (error: unknown, timeoutMs: number): string => {
  if (field(error, 'name') === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND, a certificate).
  const cause = field(field(error, 'cause'), 'message');
  if (typeof cause === 'string' && cause) return cause;
  return String(field(error, 'message') ?? error);
};

/** The `rel="next"` URL of a Link header. */
const nextLink = (link: string | null): string | undefined =>
  link
    ?.split(',')
    .map((part) => /^\s*<([^>]+)>\s*;.*\brel="?next"?/.exec(part)?.[1])
    .find((url) => url !== undefined);

/** A token as GitLab issues it: printable ASCII, one line. */
const HEADER_VALUE = /^[\x21-\x7e]+$/;
/** Named here, not imported: gitlab-api stays free of the command's module. */
const TOKEN_ENV_HINT = 'RUNNER_AUTOPILOT_GITLAB_TOKEN';

/** The first issue only, with its path. */
const shapeError = (what: string, project: string, issues: readonly v.BaseIssue<unknown>[]): Error =>
  new Error(`GitLab answered an unexpected ${what} for ${project}: ${formatIssues(issues, 'inline', 1)}`);

export const gitlabApi = (
  gitlabUrl: string,
  token: string,
  { timeoutMs = GITLAB_TIMEOUT_MS }: { readonly timeoutMs?: number } = {},
): GitLabApi => {
  const base = new URL(gitlabUrl.endsWith('/') ? gitlabUrl : `${gitlabUrl}/`);
  const projectUrl = (project: string, rest: string): URL =>
    new URL(`api/v4/projects/${encodeURIComponent(project)}/${rest}`, base);

  const get = async (url: URL): Promise<{ res: Response; body: unknown }> => {
    // fetch refuses a header value with a line break or a control character, and its TypeError
    // quotes the value: say what is wrong before it can, without the token.
    if (!HEADER_VALUE.test(token.trim()))
      throw new Error(
        `the GitLab token is not one line of printable characters (a line break inside it?): check --gitlab-token or ${TOKEN_ENV_HINT}`,
      );
    try {
      const res = await fetch(url, {
        headers: { 'PRIVATE-TOKEN': token, Accept: 'application/json' },
        // A redirect would carry the header to wherever it points; a moved project answers 301.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        if (res.ok)
          throw new Error(
            `GitLab answered ${url.pathname} with a body that is not JSON: is ${base.origin} the GitLab instance?`,
          );
      }
      return { res, body };
    } catch (error) {
      if (isNoAnswer(error)) throw new GitLabUnreachable(reasonOf(error, timeoutMs));
      throw error;
    }
  };

  const refusal = (res: Response, body: unknown): GitLabAnswer<never> => {
    const error =
      typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string'
        ? body.error
        : undefined;
    return { ok: false, status: res.status, ...(error === undefined ? {} : { error }) };
  };

  /** The next page: the Link header's, on this origin only (a proxy may rewrite it), else `x-next-page`. */
  const nextPage = (current: URL, res: Response): URL | undefined => {
    const link = nextLink(res.headers.get('link'));
    if (link !== undefined) {
      const url = new URL(link, base);
      if (url.origin === base.origin) return url;
    }
    const page = res.headers.get('x-next-page');
    if (!page) return undefined;
    const url = new URL(current);
    url.searchParams.set('page', page);
    return url;
  };

  return {
    listProjectHooks: async (project) => {
      const hooks: ProjectHook[] = [];
      let url: URL | undefined = projectUrl(project, `hooks?per_page=${HOOKS_PER_PAGE}`);
      for (let page = 0; url && page < MAX_HOOK_PAGES; page++) {
        const { res, body } = await get(url);
        if (!res.ok) return refusal(res, body);
        const parsed = v.safeParse(v.array(ProjectHook), body);
        if (!parsed.success) throw shapeError('hook list', project, parsed.issues);
        hooks.push(...parsed.output);
        url = nextPage(url, res);
      }
      return { ok: true, value: hooks };
    },

    listHookEvents: async (project, hookId, outcome) => {
      const url = projectUrl(project, `hooks/${hookId}/events`);
      url.searchParams.set('status', STATUS_FILTER[outcome]);
      url.searchParams.set('per_page', String(EVENTS_PER_PAGE));
      const { res, body } = await get(url);
      if (!res.ok) return refusal(res, body);
      const parsed = v.safeParse(v.array(HookEvent), body);
      if (!parsed.success) throw shapeError('event list', project, parsed.issues);
      const total = Number(res.headers.get('x-total') ?? Number.NaN);
      return {
        ok: true,
        value: { events: parsed.output, ...(Number.isInteger(total) ? { total } : {}) },
      };
    },
  };
};
