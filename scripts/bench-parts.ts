/**
 * `npm run bench:parts [function [module...]]`: what each piece of a function costs on top of its
 * SDK floor, to find where a function's ratio comes from (`npm run bench` gives the ratio). Each
 * piece is a bundle built with the deployed options; a fresh `node` imports the floor first, then
 * times the import of the piece alone (in process: steadier than spawn-to-exit). 41 runs, medians,
 * minus an empty module's import. Modules named after the function (relative to `functions/`, e.g.
 * `shared/events.ts`) are pieces too. A benchmark, not a test: it never fails on time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { build } from 'esbuild';

import { apiOperationsOf } from '../infra/api-operations';
import { esbuildOptions, REPO_ROOT } from '../infra/bundling';
import { floorModule } from './sdk-commands';

const RUNS = Number(process.env.BENCH_PAIRS ?? 41);
const out = join(REPO_ROOT, '.bench', 'parts');

/** The function's own modules that exist (rollout-step has no settings.ts, reconciler no schema.ts). */
const ownModules = (fn: string): Map<string, string> =>
  new Map(
    Object.entries({ settings: 'settings', 'event schema': 'schema', 'run.ts': 'run' })
      .filter(([, module]) => existsSync(join(REPO_ROOT, 'functions', fn, `${module}.ts`)))
      .map(([name, module]) => [name, `export * from '../../functions/${fn}/${module}';`]),
  );

/** Standard pieces, then any module given after the function (`shared/events.ts`), alone. */
const pieces = (fn: string, extra: string[]): Record<string, string> => {
  const own = ownModules(fn);
  const names = [...own.keys()];
  return {
    'empty module': 'export const x = 1;',
    'valibot, one schema': `import * as v from '../../functions/shared/valibot'; export const s = v.object({ a: v.string() });`,
    'Powertools Logger': `import { makeLogger } from '../../functions/shared/observability'; export const l = makeLogger('x');`,
    'metrics (our EMF writer)': `import { makeMetrics } from '../../functions/shared/observability'; export const m = makeMetrics('x');`,
    'handler factory, one field': `import { makeHandler } from '../../functions/shared/make-handler'; import * as v from '../../functions/shared/valibot'; export const h = makeHandler({ name: 'x', schema: v.object({ a: v.string() }), run: async () => ({ outcome: 'ok' }) });`,
    ...Object.fromEntries([...own].map(([name, source]) => [`its ${name}`, source])),
    // Not its handler: a piece is bundled alone, so the SDK clients its ports import would load twice.
    [`its ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`]: [...own.values()].join(' '),
    ...Object.fromEntries(
      extra.map((module) => [module, `export * from '../../functions/${module.replace(/\.ts$/, '')}';`]),
    ),
  };
};

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const main = async () => {
  const fn = process.argv[2] ?? 'gitlab-webhook';
  mkdirSync(out, { recursive: true });
  const floor = join(out, `${fn}.floor.mjs`);
  await build({
    ...esbuildOptions(fn, floor),
    entryPoints: undefined,
    stdin: { contents: floorModule(apiOperationsOf(fn)), resolveDir: REPO_ROOT, loader: 'js' },
  });
  const files = new Map<string, string>();
  for (const [index, [piece, source]] of Object.entries(pieces(fn, process.argv.slice(3))).entries()) {
    const entry = join(out, `piece-${index}.ts`);
    writeFileSync(entry, source);
    const file = join(out, `piece-${index}.mjs`);
    await build({ ...esbuildOptions(fn, file), entryPoints: [entry] });
    files.set(piece, file);
  }
  const times = new Map<string, number[]>();
  for (let run = 0; run < RUNS; run += 1) {
    for (const [piece, file] of files) {
      const script = `await import(${JSON.stringify(floor)}); const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`${piece} did not load: ${child.stderr}`);
      times.set(piece, [...(times.get(piece) ?? []), Number(child.stdout)]);
    }
    process.stderr.write(`bench:parts ${fn} [${run + 1}/${RUNS}]\r`);
  }
  const base = median(times.get('empty module') ?? []);
  console.log(`\n${fn}: import time on top of its SDK floor, median of ${RUNS} (Node ${process.version})\n`);
  console.log('| piece | ms above the floor |\n|---|---:|');
  for (const [piece, values] of times) {
    if (piece !== 'empty module') console.log(`| ${piece} | ${(median(values) - base).toFixed(1)} |`);
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
