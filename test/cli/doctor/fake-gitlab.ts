import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small GitLab on 127.0.0.1 that answers the Project webhooks API as documented
 * (docs.gitlab.com/api/project_webhooks and REST API "Pagination", "Status codes"): the hook list
 * with offset pagination headers, the events list with its status filter and its per_page bound,
 * 401 without the token, 403 for a token without read_api or a user below Maintainer, 404 for an
 * unknown project, and 404 for the events endpoint on an instance older than 17.3.
 */

export const FAKE_TOKEN = 'glpat-fake-doctor-token-0123456789';

export interface FakeHook {
  readonly id: number;
  readonly url: string;
  readonly push_events?: boolean | null;
  readonly tag_push_events?: boolean | null;
  readonly enable_ssl_verification?: boolean;
  readonly push_events_branch_filter?: string | null;
  readonly branch_filter_strategy?: string;
  /** `executable` unless given. */
  readonly alert_status?: string;
  readonly disabled_until?: string | null;
}

export interface FakeEvent {
  readonly response_status: string;
  readonly created_at: string;
}

export interface FakeProject {
  readonly hooks: readonly FakeHook[];
  /** Deliveries by hook id. */
  readonly events?: Readonly<Record<number, readonly FakeEvent[]>>;
  /** The token user's role: below Maintainer, GitLab refuses the hooks with 403. */
  readonly role?: 'maintainer' | 'developer';
  /** A renamed project: the API answers 301 to its old path. */
  readonly movedTo?: number;
}

export interface FakeGitLabState {
  projects: Record<string, FakeProject>;
  /** The token's scopes: without read_api or api, GitLab answers 403 insufficient_scope. */
  scopes: readonly string[];
  /** False on an instance older than 17.3, which has no events endpoint. */
  eventsApi: boolean;
  /** GitLab's cap is 100; a lower one makes a test page through a few hooks. */
  maxPerPage: number;
  /** Answers with a Link header as well as x-next-page. */
  linkHeader: boolean;
  /** The origin the Link header names: a proxy in front of GitLab may rewrite it to another. */
  linkOrigin?: string;
  /** Answers every request with a sign-in page, as a URL that is not the API does. */
  html: boolean;
  /** False on an instance that predates alert_status and disabled_until: the hooks leave them out. */
  alertStatus: boolean;
  /** Never answers (for the timeout). */
  silent: boolean;
}

export interface FakeGitLab {
  readonly url: string;
  readonly state: FakeGitLabState;
  /** Every request, as method, URL and PRIVATE-TOKEN header. */
  readonly requests: { readonly method: string; readonly url: string; readonly token?: string }[];
  readonly close: () => Promise<void>;
}

const defaults = (): FakeGitLabState => ({
  projects: {},
  scopes: ['read_api'],
  eventsApi: true,
  maxPerPage: 100,
  linkHeader: true,
  html: false,
  alertStatus: true,
  silent: false,
});

const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const category = (status: string): string =>
  /^2\d\d$/.test(status)
    ? 'successful'
    : /^4\d\d$/.test(status)
      ? 'client_failure'
      : /^5\d\d$/.test(status) || status === 'internal error'
        ? 'server_failure'
        : status;

const paginate = <T>(
  req: URL,
  items: readonly T[],
  perPageDefault: number,
  perPageMax: number,
  base: string,
): { page: T[]; headers: Record<string, string> } => {
  const perPage = Math.min(Number(req.searchParams.get('per_page') ?? perPageDefault), perPageMax);
  const page = Number(req.searchParams.get('page') ?? 1);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const at = (n: number): string => {
    const u = new URL(req.pathname + req.search, base);
    u.searchParams.set('page', String(n));
    return u.toString();
  };
  const headers: Record<string, string> = {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-total': String(items.length),
    'x-total-pages': String(totalPages),
    'x-next-page': page < totalPages ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
  };
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: {
      ...headers,
      link: [
        ...(page < totalPages ? [`<${at(page + 1)}>; rel="next"`] : []),
        `<${at(1)}>; rel="first"`,
        `<${at(totalPages)}>; rel="last"`,
      ].join(', '),
    },
  };
};

export const startFakeGitLab = async (initial: Partial<FakeGitLabState> = {}): Promise<FakeGitLab> => {
  const state: FakeGitLabState = { ...defaults(), ...initial };
  const requests: FakeGitLab['requests'] = [];
  let base = '';

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const token = req.headers['private-token'];
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      ...(typeof token === 'string' ? { token } : {}),
    });
    if (state.silent) return;
    if (state.html) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html><body>Sign in</body></html>');
    }
    const url = new URL(req.url ?? '/', base);
    if (token !== FAKE_TOKEN) return json(res, 401, { message: '401 Unauthorized' });
    if (!state.scopes.some((s) => s === 'read_api' || s === 'api'))
      return json(res, 403, {
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: 'api read_api',
      });
    // The project id is one URL-encoded path segment: namespace%2Fproject.
    const route = /^\/api\/v4\/projects\/([^/]+)\/hooks(?:\/(\d+)\/events)?$/.exec(url.pathname);
    if (!route || req.method !== 'GET') return json(res, 404, { error: '404 Not Found' });
    const project = state.projects[decodeURIComponent(route[1] ?? '')];
    if (!project) return json(res, 404, { message: '404 Project Not Found' });
    if (project.movedTo !== undefined)
      return json(
        res,
        301,
        `This resource has been moved permanently to ${base}/api/v4/projects/${project.movedTo}`,
        {
          location: `${base}/api/v4/projects/${project.movedTo}`,
        },
      );
    if (project.role === 'developer') return json(res, 403, { message: '403 Forbidden' });

    if (route[2] === undefined) {
      const hooks = project.hooks.map((hook) => {
        const { alert_status, disabled_until, ...shown } = {
          name: '',
          description: '',
          project_id: 7,
          created_at: '2026-11-01T10:00:00Z',
          merge_requests_events: false,
          repository_update_events: false,
          url_variables: [],
          custom_headers: [],
          push_events: true,
          tag_push_events: true,
          enable_ssl_verification: true,
          push_events_branch_filter: '',
          branch_filter_strategy: 'wildcard',
          alert_status: 'executable',
          disabled_until: null,
          ...hook,
        };
        return state.alertStatus ? { ...shown, alert_status, disabled_until } : shown;
      });
      const { page, headers } = paginate(url, hooks, 20, state.maxPerPage, state.linkOrigin ?? base);
      const { link, ...rest } = headers;
      return json(res, 200, page, state.linkHeader && link ? { ...rest, link } : rest);
    }

    if (!state.eventsApi) return json(res, 404, { error: '404 Not Found' });
    const hookId = Number(route[2]);
    if (!project.hooks.some((h) => h.id === hookId)) return json(res, 404, { message: '404 Not found' });
    // lib/api/hooks/events.rb: per_page is 1..20.
    const perPage = Number(url.searchParams.get('per_page') ?? 20);
    if (!(perPage >= 1 && perPage <= 20))
      return json(res, 400, { error: 'per_page does not have a valid value' });
    const wanted = (url.searchParams.get('status') ?? '').split(',').filter(Boolean);
    const events = [...(project.events?.[hookId] ?? [])]
      .filter(
        (e) =>
          wanted.length === 0 ||
          wanted.some((w) => w === e.response_status || w === category(e.response_status)),
      )
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .map((e, i) => ({
        id: i + 1,
        url: 'https://example.invalid/',
        trigger: 'push_hooks',
        execution_duration: 0.2,
        ...e,
      }));
    const { page, headers } = paginate(url, events, 20, 20, base);
    return json(res, 200, page, headers);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    state,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
