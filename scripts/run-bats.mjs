// Runs the bats tests of the instance scripts (npm creates no .bin link for bats) and records
// their TAP counts for .ci/run's closing line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suite = join(root, 'test', 'image');
const results = join(root, '.test-results');
mkdirSync(results, { recursive: true });

if (!existsSync(suite)) {
  writeFileSync(
    join(results, `${process.env.TEST_TIER ?? 'bats'}.json`),
    JSON.stringify({ passed: 0, failed: 0 }),
  );
  process.exit(0);
}

const run = spawnSync(join(root, 'node_modules', 'bats', 'bin', 'bats'), ['--tap', '--recursive', suite], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.stdout.write(run.stdout ?? '');
const lines = (run.stdout ?? '').split('\n');
const passed = lines.filter((l) => /^ok \d+/.test(l)).length;
const failed = lines.filter((l) => /^not ok \d+/.test(l)).length;
writeFileSync(join(results, `${process.env.TEST_TIER ?? 'bats'}.json`), JSON.stringify({ passed, failed }));
console.log(`bats: ${passed} passed, ${failed} failed`);
process.exit(run.status ?? 1);
