import { createServer } from 'node:net';

import type { WebhookRule } from '../../../functions/shared/webhook-config';
import { loadConfig } from '../../../infra/load-config';
import { type DoctorContext, runChecks } from '../../../cli/doctor/doctor';
import type { Finding } from '../../../cli/doctor/finding';
import { gitlabCheck, type GitLabReads, projectNeeds, sameUrl } from '../../../cli/doctor/gitlab';
import { gitlabApi } from '../../../cli/doctor/gitlab-api';
import { renderJson } from '../../../cli/doctor/report';
import { EXAMPLE } from '../run-cli';
import { FAKE_TOKEN, type FakeGitLab, type FakeHook, startFakeGitLab } from './fake-gitlab';

/**
 * The gitlab area against a fake GitLab on 127.0.0.1 (fake-gitlab.ts) and a stubbed stack read;
 * test/contract/doctor-gitlab.test.ts reads the stack from moto.
 */

const EXAMPLE_CONFIG = loadConfig(EXAMPLE);
const PROJECT = 'platform/runner-images';
const DEPLOYED = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-2.on.aws/';
const NOW = new Date('2026-12-04T12:00:00Z');

const healthyHook = (over: Partial<FakeHook> = {}): FakeHook => ({
  id: 12,
  url: DEPLOYED,
  push_events: true,
  tag_push_events: true,
  enable_ssl_verification: true,
  alert_status: 'executable',
  ...over,
});

let gitlab: FakeGitLab;

beforeEach(async () => {
  gitlab = await startFakeGitLab({ projects: { [PROJECT]: { hooks: [healthyHook()] } } });
});

afterEach(() => gitlab.close());

const context = (over: Partial<DoctorContext> = {}, gitlabUrl = gitlab.url): DoctorContext => ({
  config: { ...EXAMPLE_CONFIG, gitlab: { ...EXAMPLE_CONFIG.gitlab, url: gitlabUrl } },
  configFile: EXAMPLE,
  now: NOW,
  deployed: true,
  gitlabToken: FAKE_TOKEN,
  ...over,
});

const deployedStack: GitLabReads['stackOutputs'] = (name) =>
  Promise.resolve(name === 'gitlab-runners-autopilot' ? { WebhookUrl: DEPLOYED } : undefined);

const reads = (over: Partial<GitLabReads> = {}): GitLabReads => ({
  stackOutputs: deployedStack,
  gitlab: (url, token) => gitlabApi(url, token, { timeoutMs: 2000 }),
  ...over,
});

const check = (ctx = context(), over: Partial<GitLabReads> = {}): Promise<Finding[]> =>
  gitlabCheck(reads(over)).run(ctx);

const said = (findings: readonly Finding[]) => findings.map((f) => [f.status, f.subject, f.says]);

const one = (findings: readonly Finding[], says: RegExp): Finding => {
  const found = findings.filter((f) => says.test(f.says));
  expect(found).toHaveLength(1);
  return found[0]!;
};

const withRules = (rules: WebhookRule[]): DoctorContext => {
  const base = context();
  const webhook = base.config.gitlab.webhook;
  if (!webhook) throw new Error('the example config has a webhook');
  return {
    ...base,
    config: { ...base.config, gitlab: { ...base.config.gitlab, webhook: { ...webhook, rules } } },
  };
};

const rule = (over: Partial<WebhookRule>): WebhookRule => ({
  name: 'r',
  project: PROJECT,
  branches: [],
  tags: [],
  paths: [],
  pipelines: ['jobs'],
  ...over,
});

describe('projectNeeds', () => {
  it('needs push events for rules with branches or with neither branches nor tags, tag push for rules with tags', () => {
    const needs = projectNeeds([
      rule({ name: 'main-only', branches: ['main'] }),
      rule({ name: 'releases', tags: ['v*'], pipelines: ['manager'] }),
      rule({ name: 'any-branch', project: 'Platform/Runner-Images' }),
      rule({ name: 'other', project: 'platform/other', tags: ['x'] }),
    ]);

    expect(needs).toEqual([
      {
        project: PROJECT,
        push: ['main-only', 'any-branch'],
        tagPush: ['releases'],
        pipelines: ['jobs', 'manager'],
      },
      { project: 'platform/other', push: [], tagPush: ['other'], pipelines: ['jobs'] },
    ]);
  });
});

describe('sameUrl', () => {
  it.each([
    [DEPLOYED, DEPLOYED.replace(/\/$/, ''), true],
    [DEPLOYED, DEPLOYED.replace('abcdefghij', 'ABCDEFGHIJ'), true],
    [`${DEPLOYED}hook`, `${DEPLOYED}Hook`, false],
    [DEPLOYED, 'https://other.lambda-url.us-east-2.on.aws/', false],
    [DEPLOYED, `${DEPLOYED}hook`, false],
    ['not a url', 'not a url', true],
  ])('%s and %s: %s', (a, b, same) => {
    expect(sameUrl(a, b)).toBe(same);
  });
});

describe('gitlab area', () => {
  it('passes a hook at the deployed URL with push and tag push events, TLS verified, enabled, no failed delivery', async () => {
    const findings = await check();

    expect(said(findings)).toEqual([
      ['pass', `${PROJECT} hook`, `hook 12 posts to the deployed ${DEPLOYED}`],
      [
        'pass',
        `${PROJECT} hook`,
        'hook 12 sends push events (rule runner-images) and tag push events (rule runner-images)',
      ],
      ['pass', `${PROJECT} hook`, "hook 12 verifies the webhook's TLS certificate"],
      ['pass', `${PROJECT} hook`, 'hook 12 is enabled'],
      ['pass', `${PROJECT} hook`, 'no delivery of hook 12 failed in the last 7 days'],
    ]);
    expect(gitlab.requests.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/api/v4/projects/platform%2Frunner-images/hooks?per_page=100'],
      [
        'GET',
        '/api/v4/projects/platform%2Frunner-images/hooks/12/events?status=client_failure%2Cserver_failure&per_page=20',
      ],
    ]);
  });

  it('sends the token in the PRIVATE-TOKEN header only, never in a URL', async () => {
    await check();

    expect(gitlab.requests.every((r) => r.token === FAKE_TOKEN && !r.url.includes(FAKE_TOKEN))).toBe(true);
  });

  it('fails a project without a hook at the deployed URL, with the place in GitLab and the curl that adds it', async () => {
    gitlab.state.projects[PROJECT] = {
      hooks: [healthyHook({ id: 3, url: 'https://ci.example.com/gitlab' })],
    };

    const findings = await check();

    expect(findings).toEqual([
      {
        area: 'gitlab',
        subject: `${PROJECT} hook`,
        status: 'fail',
        says: `no hook posts to the deployed ${DEPLOYED}: pushes to ${PROJECT} start no bake`,
        fix: `In GitLab: ${PROJECT} > Settings > Webhooks (${gitlab.url}/${PROJECT}/-/hooks), Add new webhook: URL ${DEPLOYED}, Secret token the value of parameter /runner-autopilot/gitlab-webhook-token, triggers Push events and Tag push events, SSL verification on. Or: curl --request POST --header "PRIVATE-TOKEN: <a token with the api scope>" --data-urlencode "url=${DEPLOYED}" --data "push_events=true" --data "tag_push_events=true" --data "enable_ssl_verification=true" --data-urlencode "token=$(aws ssm get-parameter --region us-east-2 --with-decryption --name /runner-autopilot/gitlab-webhook-token --query Parameter.Value --output text)" "${gitlab.url}/api/v4/projects/platform%2Frunner-images/hooks"`,
      },
    ]);
  });

  it("fails a hook at another deployment's Function URL, naming it by its origin and saying the URL change clears the secret", async () => {
    const stale = 'https://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz.lambda-url.us-east-2.on.aws/';
    gitlab.state.projects[PROJECT] = { hooks: [healthyHook({ id: 4, url: stale })] };

    const [finding] = await check();

    expect(finding).toMatchObject({
      status: 'fail',
      says: `no hook posts to the deployed ${DEPLOYED}: hook 4 posts to ${stale.replace(/\/$/, '')}, another deployment's Function URL, so pushes start no bake here`,
      fix: expect.stringContaining(
        `edit hook 4: URL ${DEPLOYED}, and set the Secret token again to the value of parameter /runner-autopilot/gitlab-webhook-token (GitLab clears it when the URL changes). Or: curl --request PUT`,
      ),
    });
    expect(finding?.fix).toContain(`"${gitlab.url}/api/v4/projects/platform%2Frunner-images/hooks/4"`);
  });

  it('finds the hook on a later page, following the Link header', async () => {
    gitlab.state.maxPerPage = 2;
    gitlab.state.projects[PROJECT] = {
      hooks: [
        healthyHook({ id: 1, url: 'https://a.example.com/' }),
        healthyHook({ id: 2, url: 'https://b.example.com/' }),
        healthyHook({ id: 3 }),
      ],
    };

    const findings = await check();

    expect(findings[0]?.says).toBe(`hook 3 posts to the deployed ${DEPLOYED}`);
    expect(gitlab.requests.map((r) => r.url).filter((u) => !u.includes('/events'))).toEqual([
      '/api/v4/projects/platform%2Frunner-images/hooks?per_page=100',
      '/api/v4/projects/platform%2Frunner-images/hooks?per_page=100&page=2',
    ]);
  });

  it('follows x-next-page when there is no Link header', async () => {
    gitlab.state.maxPerPage = 1;
    gitlab.state.linkHeader = false;
    gitlab.state.projects[PROJECT] = {
      hooks: [healthyHook({ id: 1, url: 'https://a.example.com/' }), healthyHook({ id: 2 })],
    };

    const findings = await check();

    expect(findings[0]?.says).toBe(`hook 2 posts to the deployed ${DEPLOYED}`);
  });

  it('never follows a Link to another origin (the token would go with it): it pages by x-next-page', async () => {
    gitlab.state.maxPerPage = 1;
    gitlab.state.linkOrigin = 'http://elsewhere.invalid';
    gitlab.state.projects[PROJECT] = {
      hooks: [healthyHook({ id: 1, url: 'https://a.example.com/' }), healthyHook({ id: 2 })],
    };

    const findings = await check();

    expect(findings[0]?.says).toBe(`hook 2 posts to the deployed ${DEPLOYED}`);
    expect(gitlab.requests[1]?.url).toBe(
      '/api/v4/projects/platform%2Frunner-images/hooks?per_page=100&page=2',
    );
  });

  it('makes the area fail, through runChecks, when GitLab answers a page that is not JSON', async () => {
    gitlab.state.html = true;
    const ctx = context();

    const findings = await runChecks([gitlabCheck(reads())], ctx);

    expect(said(findings)).toEqual([
      [
        'fail',
        'doctor',
        `the gitlab checks could not run: GitLab answered /api/v4/projects/platform%2Frunner-images/hooks with a body that is not JSON: is ${gitlab.url} the GitLab instance?`,
      ],
    ]);
  });

  it('warns when two hooks post to the deployed URL: every push would be delivered twice', async () => {
    gitlab.state.projects[PROJECT] = { hooks: [healthyHook({ id: 5 }), healthyHook({ id: 9 })] };

    const findings = await check();

    expect(one(findings, /all post to/)).toMatchObject({
      status: 'warn',
      says: `hooks 5, 9 all post to the deployed ${DEPLOYED}: every push is delivered 2 times`,
      fix: expect.stringContaining(`delete all but hook 5. Or: curl --request DELETE`),
    });
  });

  it.each([
    [
      { push_events: false },
      'hook 12: push events are off: pushes to the branches of rule runner-images start no bake',
      'tick Push events',
      '--data "push_events=true"',
    ],
    [
      { tag_push_events: false },
      'hook 12: tag push events are off: tags of rule runner-images start no bake',
      'tick Tag push events',
      '--data "tag_push_events=true"',
    ],
    [
      { push_events: null, tag_push_events: false },
      'hook 12: push events are off: pushes to the branches of rule runner-images; tag push events are off: tags of rule runner-images start no bake',
      'tick Push events and Tag push events',
      '--data "push_events=true" --data "tag_push_events=true"',
    ],
  ])('fails a hook with %j', async (over, says, tick, data) => {
    gitlab.state.projects[PROJECT] = { hooks: [healthyHook(over)] };

    const findings = await check();

    expect(one(findings, /events are off/)).toEqual({
      area: 'gitlab',
      subject: `${PROJECT} hook`,
      status: 'fail',
      says,
      fix: `In GitLab: ${PROJECT} > Settings > Webhooks (${gitlab.url}/${PROJECT}/-/hooks), edit hook 12: ${tick}. Or: curl --request PUT --header "PRIVATE-TOKEN: <a token with the api scope>" --data-urlencode "url=${DEPLOYED}" ${data} "${gitlab.url}/api/v4/projects/platform%2Frunner-images/hooks/12"`,
    });
  });

  it('needs no push events for a project whose rules list only tags', async () => {
    gitlab.state.projects[PROJECT] = { hooks: [healthyHook({ push_events: false })] };

    const findings = await check(withRules([rule({ name: 'releases', tags: ['v*'] })]));

    expect(findings[1]).toMatchObject({
      status: 'pass',
      says: 'hook 12 sends tag push events (rule releases)',
    });
  });

  it('warns about a branch filter, which can drop the pushes of the rules', async () => {
    gitlab.state.projects[PROJECT] = { hooks: [healthyHook({ push_events_branch_filter: 'release/*' })] };

    const findings = await check();

    expect(one(findings, /only for branches/)).toMatchObject({
      status: 'warn',
      says: "hook 12 sends push events only for branches matching 'release/*' (wildcard): a push to a branch of rule runner-images outside it fires no hook",
      fix: expect.stringContaining('--data "branch_filter_strategy=all_branches"'),
    });
  });

  it('warns about a hook that does not verify TLS', async () => {
    gitlab.state.projects[PROJECT] = { hooks: [healthyHook({ enable_ssl_verification: false })] };

    const findings = await check();

    expect(one(findings, /TLS/)).toMatchObject({
      status: 'warn',
      says: 'hook 12 does not verify TLS certificates: it would hand the secret token to whoever answers for the URL',
      fix: expect.stringContaining('tick Enable SSL verification. Or: curl --request PUT'),
    });
  });

  it.each([
    [
      { alert_status: 'temporarily_disabled', disabled_until: '2026-12-04T12:30:00Z' },
      'hook 12 is temporarily disabled after failed deliveries, until 2026-12-04T12:30:00Z (in 30 minutes): pushes until then start no bake, and each further failure disables it longer',
    ],
    [
      { alert_status: 'disabled' },
      'hook 12 is disabled for good after 40 failed deliveries in a row: no push starts a bake',
    ],
  ])('fails a hook GitLab disabled (%j), with how to re-enable it', async (over, says) => {
    gitlab.state.projects[PROJECT] = { hooks: [healthyHook(over)] };

    const findings = await check();

    expect(one(findings, /disabled/)).toEqual({
      area: 'gitlab',
      subject: `${PROJECT} hook`,
      status: 'fail',
      says,
      fix: `Find why deliveries fail (${PROJECT} > Settings > Webhooks (${gitlab.url}/${PROJECT}/-/hooks), edit hook 12, Recent events), fix it, then re-enable the hook with Test > Push events (a successful test re-enables it). Or: curl --request POST --header "PRIVATE-TOKEN: <a token with the api scope>" "${gitlab.url}/api/v4/projects/platform%2Frunner-images/hooks/12/test/push_events"`,
    });
  });

  it('warns that it could not tell whether the hook is disabled on an instance without alert_status', async () => {
    gitlab.state.alertStatus = false;

    const findings = await check();

    expect(one(findings, /alert_status/)).toMatchObject({
      status: 'warn',
      says: 'this GitLab does not say whether hook 12 is disabled (its API has no alert_status): not checked',
      fix: `Look for a Disabled or Temporarily disabled badge on hook 12 in ${PROJECT} > Settings > Webhooks (${gitlab.url}/${PROJECT}/-/hooks)`,
    });
  });

  it('fails when the last deliveries failed and none succeeded since, with where to read them and how to bake the lost pushes', async () => {
    gitlab.state.projects[PROJECT] = {
      hooks: [healthyHook()],
      events: {
        12: [
          { response_status: '200', created_at: '2026-12-03T08:00:00Z' },
          { response_status: '502', created_at: '2026-12-04T09:00:00Z' },
          { response_status: 'internal error', created_at: '2026-12-04T10:00:00Z' },
        ],
      },
    };

    const findings = await check();

    expect(one(findings, /failed in the last 7 days/)).toEqual({
      area: 'gitlab',
      subject: `${PROJECT} hook`,
      status: 'fail',
      says: '2 deliveries of hook 12 failed in the last 7 days, the last at 2026-12-04T10:00:00Z (failed: internal error), and none succeeded since: pushes do not reach the webhook',
      fix: `Read the failed answers in ${PROJECT} > Settings > Webhooks (${gitlab.url}/${PROJECT}/-/hooks), edit hook 12, Recent events and fix their cause; then resend the lost pushes there (Resend request), or start the bakes: npm run bake -- jobs -c ${EXAMPLE}; npm run bake -- manager -c ${EXAMPLE}.`,
    });
  });

  it('warns about failed deliveries that later ones followed, and names a wrong secret for a 401', async () => {
    gitlab.state.projects[PROJECT] = {
      hooks: [healthyHook()],
      events: {
        12: [
          { response_status: '401', created_at: '2026-12-02T09:00:00Z' },
          { response_status: '200', created_at: '2026-12-04T11:00:00Z' },
        ],
      },
    };

    const findings = await check();

    expect(one(findings, /failed in the last 7 days/)).toMatchObject({
      status: 'warn',
      says: '1 delivery of hook 12 failed in the last 7 days, the last at 2026-12-02T09:00:00Z (answered 401); deliveries succeed since 2026-12-04T11:00:00Z: the failed pushes started no bake',
      fix: expect.stringMatching(
        /Recent events \(Resend request\), or start the bakes: .* A 401 is a Secret token that differs from parameter \/runner-autopilot\/gitlab-webhook-token: set it again on hook 12\.$/,
      ),
    });
  });

  it('warns, without failing the area, that an instance older than 17.3 does not list deliveries (404)', async () => {
    gitlab.state.eventsApi = false;

    const findings = await check();

    expect(findings.map((f) => f.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'warn']);
    expect(findings[4]).toMatchObject({
      says: "this GitLab does not list a hook's deliveries (the events API came in GitLab 17.3): failed deliveries not checked",
      fix: `Read them in GitLab: ${PROJECT} > Settings > Webhooks (${gitlab.url}/${PROJECT}/-/hooks), edit hook 12, Recent events`,
    });
  });

  it('fails once for a token GitLab refuses (401), without the token in any finding', async () => {
    const findings = await check(context({ gitlabToken: 'glpat-wrong-token' }));

    expect(findings).toEqual([
      {
        area: 'gitlab',
        subject: 'GitLab token',
        status: 'fail',
        says: `${gitlab.url} refused the token (401): it is wrong, expired or revoked`,
        fix: `Run doctor again with --gitlab-token <token> (or set RUNNER_AUTOPILOT_GITLAB_TOKEN): a personal or project access token with the read_api scope, of a user with at least the Maintainer role on ${PROJECT}`,
      },
    ]);
    expect(renderJson(findings)).not.toContain('glpat-wrong-token');
  });

  it('fails once for a token without read_api (403 insufficient_scope), and stops there', async () => {
    gitlab.state.scopes = ['read_user'];

    const findings = await check(
      withRules([rule({ name: 'a', branches: ['main'] }), rule({ name: 'b', project: 'platform/other' })]),
    );

    expect(said(findings)).toEqual([
      [
        'fail',
        'GitLab token',
        'the token lacks the scope to read project webhooks (403 insufficient_scope): it needs read_api (or api)',
      ],
    ]);
    expect(gitlab.requests).toHaveLength(1);
  });

  it("fails a project whose hooks the token's user may not list (403: below Maintainer), and goes on to the next", async () => {
    gitlab.state.projects = {
      [PROJECT]: { hooks: [healthyHook()], role: 'developer' },
      'platform/other': { hooks: [healthyHook()] },
    };

    const findings = await check(
      withRules([rule({ name: 'a', branches: ['main'] }), rule({ name: 'b', project: 'platform/other' })]),
    );

    expect(findings[0]).toMatchObject({
      status: 'fail',
      subject: `${PROJECT} hook`,
      says: `the token's user may not list the webhooks of ${PROJECT} (403): that needs at least the Maintainer role`,
      fix: expect.stringMatching(/^Give the token's user the Maintainer role on platform\/runner-images/),
    });
    expect(findings.slice(1).map((f) => [f.subject, f.status])).toEqual(
      Array.from({ length: 5 }, () => ['platform/other hook', 'pass']),
    );
  });

  it('fails a project GitLab does not know (404), naming the config key', async () => {
    gitlab.state.projects = {};

    const [finding] = await check();

    expect(finding).toMatchObject({
      status: 'fail',
      says: `GitLab knows no project ${PROJECT}, or the token's user cannot see it (404)`,
      fix: expect.stringContaining(`gitlab.webhook.rules[].project in ${EXAMPLE}`),
    });
  });

  it('fails a moved project (301) without following the redirect', async () => {
    gitlab.state.projects[PROJECT] = { hooks: [], movedTo: 81 };

    const findings = await check();

    expect(said(findings)).toEqual([
      [
        'fail',
        `${PROJECT} hook`,
        `project ${PROJECT} has moved (GitLab answered 301): pushes carry its new path, which no rule names`,
      ],
    ]);
    expect(gitlab.requests).toHaveLength(1);
  });

  it('fails with the reason when GitLab does not answer (connection refused), without the token', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const url = `http://127.0.0.1:${closedPort}`;

    const findings = await check(context({}, url));

    expect(findings).toEqual([
      {
        area: 'gitlab',
        subject: 'GitLab',
        status: 'fail',
        says: `${url} did not answer: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
        fix: `Check gitlab.url in ${EXAMPLE} and that this machine reaches it (VPN, proxy, firewall): curl --head ${url}/users/sign_in`,
      },
    ]);
    expect(renderJson(findings)).not.toContain(FAKE_TOKEN);
  });

  it('fails with the timeout when GitLab accepts the connection but never answers', async () => {
    gitlab.state.silent = true;

    const findings = await check(context(), {
      gitlab: (url, token) => gitlabApi(url, token, { timeoutMs: 200 }),
    });

    expect(said(findings)).toEqual([
      ['fail', 'GitLab', `${gitlab.url} did not answer: no answer within 0.2 s`],
    ]);
  });

  it('fails with the deploy command when the autopilot stack is not deployed, before asking GitLab', async () => {
    const findings = await check(context(), { stackOutputs: () => Promise.resolve(undefined) });

    expect(findings).toEqual([
      {
        area: 'gitlab',
        subject: 'gitlab-runners-autopilot',
        status: 'fail',
        says: 'the autopilot stack is not deployed: there is no webhook URL for GitLab to call',
        fix: `npx cdk deploy --all -c config=${EXAMPLE}`,
      },
    ]);
    expect(gitlab.requests).toEqual([]);
  });

  it('fails a stack deployed without the webhook (no WebhookUrl output)', async () => {
    const findings = await check(context(), { stackOutputs: () => Promise.resolve({ BusName: 'x' }) });

    expect(said(findings)).toEqual([
      [
        'fail',
        'gitlab-runners-autopilot',
        'the autopilot stack has no WebhookUrl output: it was deployed without gitlab.webhook',
      ],
    ]);
  });

  it('warns, without reading anything, that the hooks were not checked when no token is given', async () => {
    const stackOutputs = jest.fn(deployedStack);
    const findings = await check(context({ gitlabToken: undefined }), { stackOutputs });

    expect(findings).toEqual([
      {
        area: 'gitlab',
        subject: 'webhook',
        status: 'warn',
        says: `the hooks of ${PROJECT} were not checked: no GitLab token was given`,
        fix: `Run doctor again with --gitlab-token <token> (or set RUNNER_AUTOPILOT_GITLAB_TOKEN): a personal or project access token with the read_api scope, of a user with at least the Maintainer role on ${PROJECT}`,
      },
    ]);
    expect(stackOutputs).not.toHaveBeenCalled();
    expect(gitlab.requests).toEqual([]);
  });

  it('passes, with nothing to check, when no webhook is configured', async () => {
    const base = context();

    const findings = await check({
      ...base,
      config: { ...base.config, gitlab: { ...base.config.gitlab, webhook: undefined } },
    });

    expect(said(findings)).toEqual([
      [
        'pass',
        'webhook',
        'no webhook is configured (gitlab.webhook): bakes start on schedule or by hand, so no GitLab hook has to exist',
      ],
    ]);
    expect(gitlab.requests).toEqual([]);
  });
});
