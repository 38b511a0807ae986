/**
 * `npm run bench`: bundle size and cold-import cost of every function, as deployed (esbuild, ESM,
 * SDK bundled). Import time is reported as a ratio to an empty bundle measured the same way, so
 * numbers compare across machines. A benchmark, not a test: nothing here fails on timing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { build } from 'esbuild';

import { esbuildOptions, REPO_ROOT } from '../infra/bundling';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const out = join(REPO_ROOT, '.bench');
mkdirSync(out, { recursive: true });

const functions = readdirSync(join(REPO_ROOT, 'functions'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'shared')
  .map((d) => d.name);

/** Median wall time of a fresh `node` importing the file (a cold container, minus the runtime's own start). */
const coldImportMs = (file: string): number => {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const times = Array.from({ length: RUNS }, () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    return Number(run.stdout.trim());
  }).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
};

const main = async () => {
  const baseline = join(out, 'baseline.mjs');
  writeFileSync(baseline, 'export const handler = async () => ({});\n');
  const baseMs = coldImportMs(baseline);
  // Progress on stderr, one line per function (each takes seconds); the table stays on stdout.
  process.stderr.write(`bench: baseline (empty bundle) ${baseMs.toFixed(2)} ms\n`);

  const rows = [];
  for (const [index, name] of functions.entries()) {
    const file = join(out, `${name}.mjs`);
    await build(esbuildOptions(name, file));
    const ms = coldImportMs(file);
    rows.push({
      function: name,
      kib: Math.round(statSync(file).size / 1024),
      importMs: ms.toFixed(1),
      ratio: (ms / baseMs).toFixed(1),
    });
    process.stderr.write(`bench [${index + 1}/${functions.length}] ${name}: ${ms.toFixed(1)} ms\n`);
  }
  console.log(
    `node ${process.version}, median of ${RUNS} cold imports; baseline (empty bundle) ${baseMs.toFixed(2)} ms`,
  );
  console.table(rows);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
