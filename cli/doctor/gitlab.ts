import type { WebhookRule } from '../../functions/shared/webhook-config';
import { describeSecretRef, type SecretRef } from '../../functions/shared/schema-primitives';
import { GITLAB_TOKEN_ENV } from '../commands/doctor';
import { autopilotStackName, getStackOutputs } from './aws/stack';
import type { Check, DoctorContext } from './doctor';
import { fail, type Finding, pass, warn } from './finding';
import { missingUntilDeployed } from './wording';
import {
  type GitLabAnswer,
  type GitLabApi,
  gitlabApi,
  GitLabUnreachable,
  type HookEvent,
  type HookEvents,
  type ProjectHook,
} from './gitlab-api';

/**
 * The `gitlab` area, optional: with a read token, each webhook rule's project has a hook that posts
 * to the deployed WebhookUrl, sends the events the rules need, verifies TLS, is not auto-disabled,
 * and its recent deliveries did not fail (GitLab never retries a failed delivery: that push is lost).
 */

const AREA = 'gitlab';

/** The stack output the webhook's Function URL is published as (infra/autopilot-stack.ts). */
const WEBHOOK_URL_OUTPUT = 'WebhookUrl';

/** A project of the rules, and which of its rules need push and tag push events. */
export interface ProjectNeeds {
  readonly project: string;
  /** Rules with branches, or with neither branches nor tags (any branch): they need push events. */
  readonly push: readonly string[];
  /** Rules with tags: they need tag push events. */
  readonly tagPush: readonly string[];
  /** The pipelines its rules bake, for the fix that starts them by hand. */
  readonly pipelines: readonly string[];
}

/** The rules grouped by project; GitLab keeps project paths unique regardless of case. */
export const projectNeeds = (rules: readonly WebhookRule[]): ProjectNeeds[] => {
  const byProject = new Map<string, { project: string; rules: WebhookRule[] }>();
  for (const rule of rules) {
    const key = rule.project.toLowerCase();
    const entry = byProject.get(key) ?? { project: rule.project, rules: [] };
    entry.rules.push(rule);
    byProject.set(key, entry);
  }
  return [...byProject.values()].map(({ project, rules: of }) => ({
    project,
    push: of.filter((r) => r.branches.length > 0 || r.tags.length === 0).map((r) => r.name),
    tagPush: of.filter((r) => r.tags.length > 0).map((r) => r.name),
    pipelines: [...new Set(of.flatMap((r) => r.pipelines))],
  }));
};

/**
 * Same URL but for letter case in the host and a trailing slash: a Function URL ends in one, and
 * GitLab keeps the URL as it was typed.
 */
export const sameUrl = (a: string, b: string): boolean => {
  const norm = (s: string): string => {
    try {
      const u = new URL(s);
      return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}${u.search}`;
    } catch {
      return s;
    }
  };
  return norm(a) === norm(b);
};

/** A Lambda Function URL: a hook at another one is a stale deployment's. */
const isFunctionUrl = (url: string): boolean => {
  try {
    return /\.lambda-url\.[a-z0-9-]+\.on\.aws$/.test(new URL(url).hostname);
  } catch {
    return false;
  }
};

/** Only the origin of a URL we did not choose: a hook's URL may carry credentials in its path or query. */
const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return 'a URL that does not parse';
  }
};

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const names = (rules: readonly string[]): string =>
  `${rules.length === 1 ? 'rule' : 'rules'} ${rules.join(', ')}`;

/** Where the fixes point: the project's webhook page and API, and the deployment they concern. */
export interface HookPlace {
  readonly project: string;
  readonly gitlabUrl: string;
  readonly deployedUrl: string;
  readonly secret: SecretRef;
  readonly region: string;
  readonly configFile: string;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');
const settingsPage = (p: HookPlace): string =>
  `${p.project} > Settings > Webhooks (${trimSlash(p.gitlabUrl)}/${p.project}/-/hooks)`;
const hooksApi = (p: HookPlace): string =>
  `${trimSlash(p.gitlabUrl)}/api/v4/projects/${encodeURIComponent(p.project)}/hooks`;

/** Changing hooks needs the api scope; doctor's own token reads only. Never a real token in a fix. */
const WRITE_TOKEN = '--header "PRIVATE-TOKEN: <a token with the api scope>"';

/** The shell command that prints the webhook secret, so a fix can set it without showing it. */
const secretCommand = (p: HookPlace): string =>
  'parameter' in p.secret
    ? `aws ssm get-parameter --region ${p.region} --with-decryption --name ${p.secret.parameter} --query Parameter.Value --output text`
    : `aws secretsmanager get-secret-value --region ${p.region} --secret-id ${p.secret.secretsManager} --query SecretString --output text`;

/** Finds the hook that posts to the deployed URL. */
export type HookMatch =
  | { readonly kind: 'found'; readonly hook: ProjectHook; readonly duplicates: readonly number[] }
  | { readonly kind: 'missing'; readonly stale: readonly ProjectHook[] };

export const matchHook = (hooks: readonly ProjectHook[], deployedUrl: string): HookMatch => {
  const at = hooks.filter((h) => sameUrl(h.url, deployedUrl));
  const [hook, ...others] = at;
  return hook
    ? { kind: 'found', hook, duplicates: others.map((h) => h.id) }
    : { kind: 'missing', stale: hooks.filter((h) => isFunctionUrl(h.url)) };
};

export const judgeHookMatch = (p: HookPlace, match: HookMatch): Finding => {
  const subject = `${p.project} hook`;
  if (match.kind === 'found') {
    if (match.duplicates.length === 0)
      return pass(AREA, subject, `hook ${match.hook.id} posts to the deployed ${p.deployedUrl}`);
    const ids = [match.hook.id, ...match.duplicates];
    return warn(
      AREA,
      subject,
      `hooks ${ids.join(', ')} all post to the deployed ${p.deployedUrl}: every push is delivered ${ids.length} times`,
      `In GitLab: ${settingsPage(p)}, delete all but hook ${match.hook.id}. Or: curl --request DELETE ${WRITE_TOKEN} "${hooksApi(p)}/${match.duplicates[0]}"`,
    );
  }
  const setSecret = `--data-urlencode "token=$(${secretCommand(p)})"`;
  const [stale] = match.stale;
  if (stale)
    return fail(
      AREA,
      subject,
      `no hook posts to the deployed ${p.deployedUrl}: hook ${stale.id} posts to ${originOf(stale.url)}, another deployment's Function URL, so pushes start no bake here`,
      `In GitLab: ${settingsPage(p)}, edit hook ${stale.id}: URL ${p.deployedUrl}, and set the Secret token again to the value of ${describeSecretRef(p.secret)} (GitLab clears it when the URL changes). Or: curl --request PUT ${WRITE_TOKEN} --data-urlencode "url=${p.deployedUrl}" ${setSecret} "${hooksApi(p)}/${stale.id}"`,
    );
  return fail(
    AREA,
    subject,
    `no hook posts to the deployed ${p.deployedUrl}: pushes to ${p.project} start no bake`,
    `In GitLab: ${settingsPage(p)}, Add new webhook: URL ${p.deployedUrl}, Secret token the value of ${describeSecretRef(p.secret)}, triggers Push events and Tag push events, SSL verification on. Or: curl --request POST ${WRITE_TOKEN} --data-urlencode "url=${p.deployedUrl}" --data "push_events=true" --data "tag_push_events=true" --data "enable_ssl_verification=true" ${setSecret} "${hooksApi(p)}"`,
  );
};

/** Push and tag push events as the rules need them, and a branch filter that may drop their pushes. */
export const judgeHookEvents = (p: HookPlace, needs: ProjectNeeds, hook: ProjectHook): Finding => {
  const subject = `${p.project} hook`;
  const edit = (what: string, data: string): string =>
    `In GitLab: ${settingsPage(p)}, edit hook ${hook.id}: ${what}. Or: curl --request PUT ${WRITE_TOKEN} --data-urlencode "url=${p.deployedUrl}" ${data} "${hooksApi(p)}/${hook.id}"`;
  const off = [
    ...(needs.push.length > 0 && !hook.push_events
      ? [{ says: `push events are off: pushes to the branches of ${names(needs.push)}`, flag: 'push_events' }]
      : []),
    ...(needs.tagPush.length > 0 && !hook.tag_push_events
      ? [{ says: `tag push events are off: tags of ${names(needs.tagPush)}`, flag: 'tag_push_events' }]
      : []),
  ];
  if (off.length > 0)
    return fail(
      AREA,
      subject,
      `hook ${hook.id}: ${off.map((o) => o.says).join('; ')} start no bake`,
      edit(
        `tick ${off.map((o) => (o.flag === 'push_events' ? 'Push events' : 'Tag push events')).join(' and ')}`,
        off.map((o) => `--data "${o.flag}=true"`).join(' '),
      ),
    );
  const filter = hook.push_events_branch_filter;
  if (needs.push.length > 0 && filter && hook.branch_filter_strategy !== 'all_branches')
    return warn(
      AREA,
      subject,
      `hook ${hook.id} sends push events only for branches matching '${filter}' (${hook.branch_filter_strategy ?? 'wildcard'}): a push to a branch of ${names(needs.push)} outside it fires no hook`,
      edit(
        'Push events, All branches (the rules choose the branches)',
        '--data "branch_filter_strategy=all_branches"',
      ),
    );
  const on = [
    ...(needs.push.length > 0 ? [`push events (${names(needs.push)})`] : []),
    ...(needs.tagPush.length > 0 ? [`tag push events (${names(needs.tagPush)})`] : []),
  ];
  return pass(AREA, subject, `hook ${hook.id} sends ${on.join(' and ')}`);
};

export const judgeSslVerification = (p: HookPlace, hook: ProjectHook): Finding =>
  hook.enable_ssl_verification
    ? pass(AREA, `${p.project} hook`, `hook ${hook.id} verifies the webhook's TLS certificate`)
    : warn(
        AREA,
        `${p.project} hook`,
        `hook ${hook.id} does not verify TLS certificates: it would hand the secret token to whoever answers for the URL`,
        `In GitLab: ${settingsPage(p)}, edit hook ${hook.id}: tick Enable SSL verification. Or: curl --request PUT ${WRITE_TOKEN} --data-urlencode "url=${p.deployedUrl}" --data "enable_ssl_verification=true" "${hooksApi(p)}/${hook.id}"`,
      );

const minutesUntil = (until: string, now: Date): string => {
  const minutes = Math.ceil((Date.parse(until) - now.getTime()) / 60_000);
  return Number.isFinite(minutes) && minutes > 0 ? ` (in ${plural(minutes, 'minute')})` : '';
};

/**
 * GitLab disables a project hook after 4 failed deliveries in a row, for a minute doubling up to a
 * day, and for good after 40 (GitLab's WebHooks::AutoDisabling; docs: webhooks, "Re-enable disabled
 * webhooks"): a disabled hook sends nothing, so every push until then is lost. A successful test
 * delivery re-enables it. Self-managed instances turn this on with the `auto_disabling_web_hooks`
 * flag; without it GitLab reports every hook `executable`. Instances that predate the field leave
 * it out.
 */
export const judgeHookState = (p: HookPlace, hook: ProjectHook, now: Date): Finding => {
  const subject = `${p.project} hook`;
  const reenable = `Find why deliveries fail (${settingsPage(p)}, edit hook ${hook.id}, Recent events), fix it, then re-enable the hook with Test > Push events (a successful test re-enables it). Or: curl --request POST ${WRITE_TOKEN} "${hooksApi(p)}/${hook.id}/test/push_events"`;
  switch (hook.alert_status) {
    case 'executable':
      return pass(AREA, subject, `hook ${hook.id} is enabled`);
    case 'temporarily_disabled':
      return fail(
        AREA,
        subject,
        `hook ${hook.id} is temporarily disabled after failed deliveries${hook.disabled_until ? `, until ${hook.disabled_until}${minutesUntil(hook.disabled_until, now)}` : ''}: pushes until then start no bake, and each further failure disables it longer`,
        reenable,
      );
    case 'disabled':
      return fail(
        AREA,
        subject,
        `hook ${hook.id} is disabled for good after 40 failed deliveries in a row: no push starts a bake`,
        reenable,
      );
    case undefined:
    case null:
      return warn(
        AREA,
        subject,
        `this GitLab does not say whether hook ${hook.id} is disabled (its API has no alert_status): not checked`,
        `Look for a Disabled or Temporarily disabled badge on hook ${hook.id} in ${settingsPage(p)}`,
      );
    default:
      return warn(
        AREA,
        subject,
        `GitLab reports hook ${hook.id} as '${hook.alert_status}', a state doctor does not know`,
        `Look at hook ${hook.id} in ${settingsPage(p)}: a disabled hook sends nothing`,
      );
  }
};

/** The recent deliveries of the hook, as the events endpoint answered. */
export type Deliveries =
  | { readonly kind: 'listed'; readonly failed: HookEvents; readonly succeeded: HookEvents }
  /** The instance has no events endpoint (before GitLab 17.3) or refused it. */
  | { readonly kind: 'unavailable'; readonly status: number };

const latest = (events: readonly HookEvent[]): HookEvent | undefined =>
  events
    .filter((e) => e.created_at)
    .reduce<HookEvent | undefined>(
      (a, e) => (!a || Date.parse(e.created_at ?? '') > Date.parse(a.created_at ?? '') ? e : a),
      undefined,
    );

const outcome = (e: HookEvent): string =>
  /^\d{3}$/.test(e.response_status) ? `answered ${e.response_status}` : `failed: ${e.response_status}`;

/**
 * GitLab never retries a failed delivery (DESIGN.md, "Limits and rules found the hard way"): a push
 * whose delivery failed started no bake unless someone resent it. The events endpoint lists the
 * last 7 days (docs: Project webhooks API, "Get a list of project webhook events").
 */
export const judgeDeliveries = (
  p: HookPlace,
  needs: ProjectNeeds,
  hook: ProjectHook,
  d: Deliveries,
): Finding => {
  const subject = `${p.project} hook`;
  const recent = `${settingsPage(p)}, edit hook ${hook.id}, Recent events`;
  if (d.kind === 'unavailable')
    return warn(
      AREA,
      subject,
      d.status === 404
        ? `this GitLab does not list a hook's deliveries (the events API came in GitLab 17.3): failed deliveries not checked`
        : `GitLab answered ${d.status} for the deliveries of hook ${hook.id}: failed deliveries not checked`,
      `Read them in GitLab: ${recent}`,
    );
  const count = d.failed.total ?? d.failed.events.length;
  if (count === 0) return pass(AREA, subject, `no delivery of hook ${hook.id} failed in the last 7 days`);
  const lastFailure = latest(d.failed.events);
  const lastSuccess = latest(d.succeeded.events);
  const failures = `${plural(count, 'delivery', 'deliveries')} of hook ${hook.id} failed in the last 7 days`;
  const last = lastFailure ? `, the last at ${lastFailure.created_at} (${outcome(lastFailure)})` : '';
  // Our webhook answers 401 to a wrong X-Gitlab-Token, and only to that.
  const token =
    lastFailure?.response_status === '401'
      ? ` A 401 is a Secret token that differs from ${describeSecretRef(p.secret)}: set it again on hook ${hook.id}.`
      : '';
  const bake = needs.pipelines.map((name) => `npm run bake -- ${name} -c ${p.configFile}`).join('; ');
  const orBake = `(Resend request), or start the bakes: ${bake}.${token}`;
  const recovered =
    lastFailure?.created_at &&
    lastSuccess?.created_at &&
    Date.parse(lastSuccess.created_at) > Date.parse(lastFailure.created_at);
  if (recovered)
    return warn(
      AREA,
      subject,
      `${failures}${last}; deliveries succeed since ${lastSuccess.created_at}: the failed pushes started no bake`,
      `Resend the lost pushes from ${recent} ${orBake}`,
    );
  return fail(
    AREA,
    subject,
    `${failures}${last}, and none succeeded since: pushes do not reach the webhook`,
    `Read the failed answers in ${recent} and fix their cause; then resend the lost pushes there ${orBake}`,
  );
};

/**
 * GitLab's refusals. 401: no valid token. 403 `insufficient_scope`: the token's scopes do not
 * allow the call; any other 403: the user's role does not (project webhooks need at least
 * Maintainer, docs: Project webhooks API). 404: no such project, or one the user cannot see.
 * A moved project answers 301 (REST API, "Redirects", 16.7 and later).
 */
export interface Refusal {
  /** A token refusal holds for every project; a project refusal for that project only. */
  readonly scope: 'token' | 'project';
  readonly finding: Finding;
}

/** Listing a project's webhooks is a read (read_api), for a Maintainer only (docs: Project webhooks API). */
const tokenFix = (projects: string): string =>
  `Run doctor again with --gitlab-token <token> (or set ${GITLAB_TOKEN_ENV}): a personal or project access token with the read_api scope, of a user with at least the Maintainer role on ${projects}`;

export const judgeRefusal = (
  p: HookPlace,
  projects: string,
  refusal: Extract<GitLabAnswer<unknown>, { ok: false }>,
): Refusal => {
  const again = tokenFix(projects);
  if (refusal.status === 401)
    return {
      scope: 'token',
      finding: fail(
        AREA,
        'GitLab token',
        `${p.gitlabUrl} refused the token (401): it is wrong, expired or revoked`,
        again,
      ),
    };
  if (refusal.status === 403 && refusal.error === 'insufficient_scope')
    return {
      scope: 'token',
      finding: fail(
        AREA,
        'GitLab token',
        `the token lacks the scope to read project webhooks (403 insufficient_scope): it needs read_api (or api)`,
        again,
      ),
    };
  const subject = `${p.project} hook`;
  const project = (says: string, fix: string): Refusal => ({
    scope: 'project',
    finding: fail(AREA, subject, says, fix),
  });
  if (refusal.status === 403)
    return project(
      `the token's user may not list the webhooks of ${p.project} (403): that needs at least the Maintainer role`,
      `Give the token's user the Maintainer role on ${p.project} (${p.project} > Manage > Members), or use the token of a user who has it`,
    );
  if (refusal.status === 404)
    return project(
      `GitLab knows no project ${p.project}, or the token's user cannot see it (404)`,
      `Check the project of the rules for ${p.project} (gitlab.webhook.rules[].project in ${p.configFile}: the path as in its URL), and that the token's user is a member of it`,
    );
  if (refusal.status >= 300 && refusal.status < 400)
    return project(
      `project ${p.project} has moved (GitLab answered ${refusal.status}): pushes carry its new path, which no rule names`,
      `Set gitlab.webhook.rules[].project to the project's new path in ${p.configFile}, then deploy: npx cdk deploy --all -c config=${p.configFile}`,
    );
  return project(
    `GitLab answered ${refusal.status} to the list of webhooks of ${p.project}`,
    `Run doctor again later; if it persists, check ${p.gitlabUrl}'s status`,
  );
};

/** What the check reads: the deployed stack's outputs, and GitLab. Tests pass fakes. */
export interface GitLabReads {
  readonly stackOutputs: (stackName: string) => Promise<Record<string, string> | undefined>;
  readonly gitlab: (gitlabUrl: string, token: string) => GitLabApi;
}

const DEFAULT_READS: GitLabReads = { stackOutputs: getStackOutputs, gitlab: gitlabApi };

const deliveriesOf = async (api: GitLabApi, project: string, hookId: number): Promise<Deliveries> => {
  const failed = await api.listHookEvents(project, hookId, 'failed');
  if (!failed.ok) return { kind: 'unavailable', status: failed.status };
  if ((failed.value.total ?? failed.value.events.length) === 0)
    return { kind: 'listed', failed: failed.value, succeeded: { events: [] } };
  const succeeded = await api.listHookEvents(project, hookId, 'successful');
  if (!succeeded.ok) return { kind: 'unavailable', status: succeeded.status };
  return { kind: 'listed', failed: failed.value, succeeded: succeeded.value };
};

const unreachable = (p: HookPlace, error: GitLabUnreachable): Finding =>
  fail(
    AREA,
    'GitLab',
    `${p.gitlabUrl} did not answer: ${error.message}`,
    `Check gitlab.url in ${p.configFile} and that this machine reaches it (VPN, proxy, firewall): curl --head ${trimSlash(p.gitlabUrl)}/users/sign_in`,
  );

const checkProject = async (
  ctx: DoctorContext,
  api: GitLabApi,
  needs: ProjectNeeds,
  p: HookPlace,
  projects: string,
): Promise<{ readonly findings: Finding[]; readonly stop: boolean }> => {
  const hooks = await api.listProjectHooks(needs.project);
  if (!hooks.ok) {
    const refusal = judgeRefusal(p, projects, hooks);
    // The token is refused for every project alike: say it once.
    return { findings: [refusal.finding], stop: refusal.scope === 'token' };
  }
  const match = matchHook(hooks.value, p.deployedUrl);
  if (match.kind === 'missing') return { findings: [judgeHookMatch(p, match)], stop: false };
  const { hook } = match;
  return {
    findings: [
      judgeHookMatch(p, match),
      judgeHookEvents(p, needs, hook),
      judgeSslVerification(p, hook),
      judgeHookState(p, hook, ctx.now),
      judgeDeliveries(p, needs, hook, await deliveriesOf(api, needs.project, hook.id)),
    ],
    stop: false,
  };
};

export const gitlabCheck = (reads: GitLabReads = DEFAULT_READS): Check => ({
  area: AREA,
  run: async (ctx) => {
    const webhook = ctx.config.gitlab.webhook;
    if (!webhook)
      return [
        pass(
          AREA,
          'webhook',
          'no webhook is configured (gitlab.webhook): bakes start on schedule or by hand, so no GitLab hook has to exist',
        ),
      ];
    const all = projectNeeds(webhook.rules);
    const projects = all.map((n) => n.project).join(', ');
    if (!ctx.gitlabToken)
      return [
        warn(
          AREA,
          'webhook',
          `the hooks of ${projects} were not checked: no GitLab token was given`,
          tokenFix(projects),
        ),
      ];
    const stack = autopilotStackName(ctx.config.deployment);
    const deploy = `npx cdk deploy --all -c config=${ctx.configFile}`;
    const outputs = await reads.stackOutputs(stack);
    if (!outputs)
      return [
        missingUntilDeployed(
          { area: AREA, subject: stack, deployed: ctx.deployed, configFile: ctx.configFile },
          'the autopilot stack is not deployed: there is no webhook URL for GitLab to call',
        ),
      ];
    const deployedUrl = outputs[WEBHOOK_URL_OUTPUT];
    if (!deployedUrl)
      return [
        fail(
          AREA,
          stack,
          `the autopilot stack has no ${WEBHOOK_URL_OUTPUT} output: it was deployed without gitlab.webhook`,
          deploy,
        ),
      ];
    const gitlabUrl = ctx.config.gitlab.url;
    const place = (project: string): HookPlace => ({
      project,
      gitlabUrl,
      deployedUrl,
      secret: webhook.secret,
      region: ctx.config.region,
      configFile: ctx.configFile,
    });
    const api = reads.gitlab(gitlabUrl, ctx.gitlabToken);
    const findings: Finding[] = [];
    for (const needs of all) {
      const p = place(needs.project);
      try {
        const checked = await checkProject(ctx, api, needs, p, projects);
        findings.push(...checked.findings);
        if (checked.stop) break;
      } catch (error) {
        if (!(error instanceof GitLabUnreachable)) throw error;
        // The next project would wait for the same timeout: one finding says it.
        findings.push(unreachable(p, error));
        break;
      }
    }
    return findings;
  },
});
