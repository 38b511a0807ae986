import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { API_OPERATIONS, apiOperationsOf } from '../../infra/api-operations';
import { REPO_ROOT } from '../../infra/bundling';
import { excesses, floorBundles, functionBundles, keptInputs } from '../helpers/bundle-contents';

/**
 * Cold start is what a bundle loads (issue 12): each function at its SDK floor, the clients and
 * commands of its API-operation list. Not timed (`npm run bench` measures): this reads what esbuild
 * kept in each deployed bundle, so a heavy import that comes back fails here.
 */

/** Functions that evaluate no cron expression (windows, periods, schedules) when they run. */
const NO_CRON = new Set(['gitlab-webhook', 'housekeeper', 'redrive', 'start-bake', 'image-state', 'alert']);

/** Functions whose input is an EventBridge event: only they build the envelope's schema. */
const ENVELOPE_INPUTS = new Set([
  'alert',
  'apply-config',
  'command-status',
  'image-state',
  'manager-restart',
  'rollback',
  'stage-candidate',
  'start-bake',
]);

const names = Object.keys(API_OPERATIONS).sort();
const kept = new Map<string, string[]>();
const floors = new Map<string, string[]>();

beforeAll(async () => {
  const [bundles, floorsBuilt] = await Promise.all([functionBundles(names), floorBundles(names)]);
  for (const [name, inputs] of bundles) kept.set(name, inputs);
  for (const [name, inputs] of floorsBuilt) floors.set(name, inputs);
}, 120_000);

describe('function bundles carry nothing above their SDK floor', () => {
  it('built every function and its floor', () => {
    expect([...kept.keys()].sort()).toEqual(names);
    expect([...floors.keys()].sort()).toEqual(names);
  });

  it.each(names)('%s', (name) => {
    const found = excesses(kept.get(name) ?? [], {
      operations: apiOperationsOf(name),
      floor: floors.get(name) ?? [],
      cron: !NO_CRON.has(name),
    });

    expect(found).toEqual([]);
  });

  it.each(names.filter((name) => !ENVELOPE_INPUTS.has(name)))(
    '%s, whose input has no EventBridge envelope, builds none',
    (name) => {
      expect(kept.get(name)).not.toContain('functions/shared/eventbridge-envelope.ts');
      expect(kept.get(name)).toContain(`functions/${name}/handler.ts`);
    },
  );

  it('the webhook, which GitLab times, carries no cron code', () => {
    expect(
      (kept.get('gitlab-webhook') ?? []).filter((path) => path.includes('node_modules/croner/')),
    ).toEqual([]);
    expect((kept.get('gitlab-webhook') ?? []).length).toBeGreaterThan(0);
  });

  it('no function carries Powertools Metrics: our EMF writer prints the same for 2-3 ms less cold start', () => {
    const carriers = names.filter((name) =>
      (kept.get(name) ?? []).some((path) => path.includes('node_modules/@aws-lambda-powertools/metrics/')),
    );

    expect(carriers).toEqual([]);
    expect(kept.get('alert')).toContain('functions/shared/observability.ts');
  });

  it('the webhook carries no schema library: its validators are hand-written', () => {
    const webhook = kept.get('gitlab-webhook') ?? [];

    expect(webhook.filter((path) => /node_modules\/(valibot|zod)\//.test(path))).toEqual([]);
    expect(webhook).toContain('functions/gitlab-webhook/settings.ts');
  });

  it("every other function's schemas are valibot's, with the messages that never quote a value", () => {
    const without = names.filter(
      (name) => name !== 'gitlab-webhook' && !(kept.get(name) ?? []).includes('functions/shared/valibot.ts'),
    );

    expect(without).toEqual([]);
  });
});

describe('excesses', () => {
  /** Each of the excesses the functions carried before issue 12, in one module. */
  const HEAVY = `
    import * as z from 'zod/mini';
    import { SSM } from '@aws-sdk/client-ssm';
    import { Cron } from 'croner';
    export const heavy = [z.string(), SSM, Cron];
    export const late = () => import('@aws-sdk/client-secrets-manager');
  `;
  let found: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heavy-'));
    writeFileSync(join(dir, 'heavy.mjs'), HEAVY);
    const inputs = await keptInputs(
      { heavy: join(dir, 'heavy.mjs') },
      { nodePaths: [join(REPO_ROOT, 'node_modules')] },
    );
    found = excesses(inputs.get('heavy') ?? [], {
      operations: ['ssm:GetParameter'],
      floor: floors.get('gitlab-webhook') ?? [],
      cron: false,
    });
  }, 60_000);

  it.each([
    ['zod', /^zod, whose schemas cost most to build \(zod\/v4\/(mini|core)\//],
    ['an aggregated client', /^an aggregated SDK client \(@aws-sdk\/client-ssm\/dist-es\/SSM\.js\)/],
    ['a command the function never sends', /^ssm:PutParameter: a command outside/],
    ['a whole client kept by a dynamic import', /^secretsmanager:CreateSecret: a command outside/],
    ['cron code', /^cron code it never runs \(croner\//],
  ])('finds %s', (_what, line) => {
    expect(found).toContainEqual(expect.stringMatching(line));
  });

  it('takes a command the floor compiles too as the SDK own, not ours', () => {
    expect(found).not.toContainEqual(expect.stringMatching(/^ssm:GetParameter:/));
  });
});
