// Runs the bats tests of the instance scripts (npm creates no .bin link for bats) and records
// their TAP counts for .ci/run's closing line. One bats run per file, so a long run prints a
// line as each file ends instead of minutes of silence; a failing file prints its whole TAP.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suite = join(root, 'test', 'image');
const results = join(root, '.test-results');
const resultFile = join(results, `${process.env.TEST_TIER ?? 'bats'}.json`);
mkdirSync(results, { recursive: true });

const batsFiles = existsSync(suite)
  ? readdirSync(suite, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.bats'))
      .sort()
      .map((f) => join(suite, f))
  : [];

let passed = 0;
let failed = 0;
let status = 0;
for (const [index, file] of batsFiles.entries()) {
  const started = Date.now();
  const run = spawnSync(join(root, 'node_modules', 'bats', 'bin', 'bats'), ['--tap', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = (run.stdout ?? '').split('\n');
  const ok = lines.filter((l) => /^ok \d+/.test(l)).length;
  // A file that fails without a `not ok` line (a syntax error, a bad setup_file) still fails.
  const notOk = Math.max(lines.filter((l) => /^not ok \d+/.test(l)).length, run.status === 0 ? 0 : 1);
  passed += ok;
  failed += notOk;
  if (run.status !== 0) {
    status = run.status ?? 1;
    process.stdout.write(run.stdout ?? '');
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const counts = `${ok} passed${notOk > 0 ? `, ${notOk} FAILED` : ''}`;
  console.log(`bats [${index + 1}/${batsFiles.length}] ${relative(suite, file)}: ${counts} (${seconds} s)`);
}
writeFileSync(resultFile, JSON.stringify({ passed, failed }));
console.log(`bats: ${passed} passed, ${failed} failed`);
process.exit(status);
