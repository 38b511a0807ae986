import { isTable, readRunnerConfig, type RunnerSettings } from './model';

/**
 * Which config changes gitlab-runner applies live and which need a restart (reference §7): the
 * reference implementation for tests and the Lambda's report; the on-instance apply script makes
 * the same decision. Pure; both texts must be valid TOML (lint them first), or it throws.
 */

/** Written by register and by token rotation: never drift, never put back by an apply. */
export const TOKEN_FIELDS: readonly string[] = ['token', 'token_obtained_at', 'token_expires_at'];

/** What needs a restart when it changes, as data. */
export const RESTART_KEYS = {
  /** Top-level keys and tables. */
  global: ['listen_address', 'session_server'],
  /** `[runners.autoscaler]` needs a restart, except these keys, which reload live. */
  autoscalerLive: ['policy'],
  /** A runner's identity keys its autoscaler: `url` + `id`, or `url` + `token` when `id` is 0. */
  identity: ['url', 'id', 'token'],
} as const;

/** JSON with sorted keys and dates as ISO strings, so equal configs compare equal. */
const canonical = (v: unknown): unknown => {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(canonical);
  if (isTable(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  return v;
};
const same = (a: unknown, b: unknown): boolean =>
  JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** The key of a runner's autoscaler: `url|id`, or `url|token` when id is 0 or missing. */
export const runnerIdentity = ({ url = '', id = 0, token = '' }: RunnerSettings): string =>
  id !== 0 ? `${url}|id:${id}` : `${url}|token:${token}`;

const withoutKeys = (v: unknown, keys: readonly string[]): unknown =>
  isTable(v) ? Object.fromEntries(Object.entries(v).filter(([k]) => !keys.includes(k))) : v;

/**
 * The reasons a change from `before` to `after` needs a restart (empty: a reload applies it).
 * Runners are matched by identity, so reordering them needs none.
 */
export const changesNeedingRestart = (before: string, after: string): string[] => {
  const a = readRunnerConfig(before);
  const b = readRunnerConfig(after);
  const reasons: string[] = RESTART_KEYS.global.filter((k) => !same(a.document[k], b.document[k]));
  const beforeRunners = new Map(a.runners.map((r) => [runnerIdentity(r), r]));
  const afterIds = new Set(b.runners.map(runnerIdentity));
  a.runners.forEach((r, i) => {
    if (!afterIds.has(runnerIdentity(r)))
      reasons.push(`runners[${i}] identity removed (url + id, or token when id = 0)`);
  });
  b.runners.forEach((r, i) => {
    const old = beforeRunners.get(runnerIdentity(r));
    if (!old) {
      reasons.push(`runners[${i}] identity added or changed (url + id, or token when id = 0)`);
      return;
    }
    // As written, not as typed: any change to a key that needs a restart counts, even a wrong type.
    const oldScaler = withoutKeys(old.table.autoscaler, RESTART_KEYS.autoscalerLive);
    const newScaler = withoutKeys(r.table.autoscaler, RESTART_KEYS.autoscalerLive);
    if (isTable(oldScaler) && isTable(newScaler)) {
      for (const k of [...new Set([...Object.keys(oldScaler), ...Object.keys(newScaler)])].sort())
        if (!same(oldScaler[k], newScaler[k])) reasons.push(`runners[${i}].autoscaler.${k}`);
    } else if (!same(oldScaler, newScaler)) reasons.push(`runners[${i}].autoscaler`);
  });
  return reasons;
};

/** A config's canonical JSON without token fields: equal for configs that do not drift. */
export const driftForm = (text: string): string => {
  const { document, runners } = readRunnerConfig(text);
  const withoutTokens = runners.map((r) => withoutKeys(r.table, TOKEN_FIELDS));
  return JSON.stringify(
    canonical(Array.isArray(document.runners) ? { ...document, runners: withoutTokens } : document),
  );
};

/** Whether two configs differ in anything but token fields (the nightly drift check). */
export const hasDrift = (expected: string, actual: string): boolean =>
  driftForm(expected) !== driftForm(actual);
