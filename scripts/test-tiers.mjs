// `npm test`: every test tier in turn, each under a time budget of its own, so one slow tier
// (moto server, bats) cannot eat the others' time. Every tier runs even when an earlier one fails;
// each records its runner's own counts in .test-results/ for .ci/run's closing line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, '.test-results');
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const MINUTE = 60_000;
const RANDOMIZED = '/test/scenarios/randomized\\.test\\.ts$';
const PACKAGE = '/test/package/';
const REHEARSAL = '/test/rehearsal/';

const tiers = [
  {
    name: 'unit',
    what: 'jest: functions, infra, events, scenarios (no network)',
    command: [
      process.execPath,
      jest,
      '--testPathIgnorePatterns',
      '/test/contract/',
      '--testPathIgnorePatterns',
      RANDOMIZED,
      '--testPathIgnorePatterns',
      PACKAGE,
      '--testPathIgnorePatterns',
      REHEARSAL,
    ],
    budgetMs: 15 * MINUTE,
  },
  {
    // Issue 13: whole nights of `npm start` (a few seconds each), the sweeper's call bound over
    // 2,000 instances, and the HTML report in Debian's chromium.
    name: 'rehearsal',
    what: 'jest: rehearsed nights, and their report in a real browser',
    command: [process.execPath, jest, 'test/rehearsal'],
    budgetMs: 6 * MINUTE,
  },
  {
    // Issue 9: 500 generated nights (ROLLOUT_NIGHTS raises it) take about a minute on 2 cores, a
    // synth included; its own budget keeps a slow night from eating the unit tier's time.
    name: 'randomized',
    what: 'jest: randomized rollout scenarios (generated nights through the real handlers)',
    command: [process.execPath, jest, RANDOMIZED],
    budgetMs: 4 * MINUTE,
  },
  {
    name: 'contract',
    what: 'jest: contract suites, against our fakes and against moto server when installed',
    command: [process.execPath, jest, 'test/contract'],
    budgetMs: 10 * MINUTE,
  },
  {
    // Issue 11: npm pack (prepack compiles and prebundles every function), then an install into an
    // empty project that synthesizes its own config: about 3 minutes on 2 cores.
    name: 'package',
    what: 'jest: the packed tarball installed into an empty project synthesizes offline',
    command: [process.execPath, jest, 'test/package'],
    budgetMs: 8 * MINUTE,
  },
  {
    name: 'bats',
    what: 'bats: the instance scripts',
    command: [process.execPath, join(root, 'scripts', 'run-bats.mjs')],
    budgetMs: 10 * MINUTE,
  },
];

const only = process.argv.slice(2);
mkdirSync(results, { recursive: true });
let failed = false;
for (const tier of tiers.filter((t) => only.length === 0 || only.includes(t.name))) {
  console.log(`\n== ${tier.name} (${tier.what}; budget ${tier.budgetMs / MINUTE} min)`);
  const [cmd, ...args] = tier.command;
  const run = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    timeout: tier.budgetMs,
    killSignal: 'SIGKILL',
    env: { ...process.env, TEST_TIER: tier.name },
  });
  const file = join(results, `${tier.name}.json`);
  if (run.error?.code === 'ETIMEDOUT' || !existsSync(file)) {
    console.error(`${tier.name}: did not finish within its budget of ${tier.budgetMs / MINUTE} min`);
    writeFileSync(file, JSON.stringify({ passed: 0, failed: 1 }));
  }
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
