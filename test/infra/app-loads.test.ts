import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFERRED_METRIC, outcomeMetric, UNAUTHORIZED_METRIC } from '../../functions/shared/metric-names';

const ROOT = join(__dirname, '..', '..');

describe('the CDK app', () => {
  // jest maps ESM-only packages (middy) for the tests; `cdk synth` runs the app under plain tsx
  // on Node 24, whose require() of middy fails: infra that reaches a handler's runtime code breaks.
  it('loads as `cdk synth` runs it, without any handler runtime code', () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/app.ts'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        // What the CDK CLI hands the app, bundling skipped: only loading and synthesis are tested.
        env: {
          ...process.env,
          CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'app-loads-')),
          CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
        },
      },
    );

    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
  }, 70_000);

  it("names the webhook's fallback alarm metric as the handler counts the outcome", () => {
    expect(outcomeMetric('deferred')).toBe(DEFERRED_METRIC);
  });

  it("names the webhook's token alarm metric as the handler counts the outcome", () => {
    expect(outcomeMetric('unauthorized')).toBe(UNAUTHORIZED_METRIC);
  });
});
