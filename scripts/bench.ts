/**
 * `npm run bench [function...]`: each function's bundle (as deployed: `esbuildOptions`) against its
 * SDK floor, a bundle built with the same options that loads only the clients and commands of the
 * function's `api-operations.ts`. What is above the floor is ours.
 *
 * Cold import = wall time from spawning `node` to its exit (Node's start-up included) for a process
 * that imports the bundle. Floor and bundle run in interleaved pairs (order alternating, so neither
 * always gets the warmer cache); the result is the median of the per-pair ratios and their spread
 * (interquartile range). A benchmark, not a test: it never fails on time.
 *
 * A third bundle, run in the same rounds, is the floor plus the handler factory with a one-field
 * hand-written schema and nothing of the function: what any function built by the factory pays
 * (Powertools logger, middy, the parser middleware, the EMF writer), so a ratio can be read as
 * the factory's share and the function's own.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { build } from 'esbuild';

import { apiOperationsOf } from '../infra/api-operations';
import { esbuildOptions, REPO_ROOT } from '../infra/bundling';
import { floorModule } from './sdk-commands';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 41);
/** Issue 12's bounds on the median ratio: the webhook, which GitLab times, stays leanest. */
const targetOf = (name: string): number => (name === 'gitlab-webhook' ? 1.05 : 1.1);
const out = join(REPO_ROOT, '.bench');

const allFunctions = (): string[] =>
  readdirSync(join(REPO_ROOT, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shared')
    .map((d) => d.name)
    .sort();

/** Milliseconds from spawning `node` on the file to its exit. */
const coldImportMs = (file: string): number => {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [file], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${file} did not load: ${run.stderr}`);
  return ms;
};

const quantile = (sorted: readonly number[], q: number): number => {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return (sorted[low] ?? NaN) + ((sorted[high] ?? NaN) - (sorted[low] ?? NaN)) * (at - low);
};

interface Row {
  readonly function: string;
  readonly bundleKiB: number;
  readonly floorKiB: number;
  readonly bundleMs: number;
  readonly floorMs: number;
  readonly ratio: number;
  readonly q1: number;
  readonly q3: number;
  /** Median ratio of the factory alone (on this function's floor) to the floor. */
  readonly factoryRatio: number;
}

/** The lightest function the handler factory can build: one field, the hand-written validator. */
const FACTORY_ALONE = `
import { makeHandler } from './functions/shared/make-handler';
import { object, standardSchema, string } from './functions/shared/standard-schema';
export const handler = makeHandler({
  name: 'factory-alone',
  schema: standardSchema(object({ id: string() })),
  run: async () => ({ outcome: 'done' }),
});
`;

interface Bundles {
  readonly bundle: string;
  readonly floor: string;
  readonly factory: string;
}

const buildBundles = async (name: string): Promise<Bundles> => {
  const bundle = join(out, `${name}.mjs`);
  const floor = join(out, `${name}.floor.mjs`);
  const factory = join(out, `${name}.factory.mjs`);
  await build(esbuildOptions(name, bundle));
  const onFloor = (file: string, contents: string) =>
    build({
      ...esbuildOptions(name, file),
      entryPoints: undefined,
      stdin: { contents, resolveDir: REPO_ROOT, loader: 'ts' },
    });
  await onFloor(floor, floorModule(apiOperationsOf(name)));
  await onFloor(factory, floorModule(apiOperationsOf(name)) + FACTORY_ALONE);
  return { bundle, floor, factory };
};

type Round = Record<keyof Bundles, number>;

const measure = (name: string, files: Bundles): Row => {
  const kinds = Object.keys(files) as (keyof Bundles)[];
  // One untimed load of each: the first read of a file comes from disk, the rest from the page cache.
  for (const kind of kinds) coldImportMs(files[kind]);
  const rounds = Array.from({ length: PAIRS }, (_, i) => {
    // The order turns each round, so no bundle always runs first (or after the same one).
    const order = [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)];
    if (i % 2 === 1) order.reverse();
    const round: Partial<Round> = {};
    for (const kind of order) round[kind] = coldImportMs(files[kind]);
    return round as Round;
  });
  const ratios = rounds.map((p) => p.bundle / p.floor).sort((a, b) => a - b);
  const median = (values: number[]) =>
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    );
  return {
    function: name,
    bundleKiB: Math.round(statSync(files.bundle).size / 1024),
    floorKiB: Math.round(statSync(files.floor).size / 1024),
    bundleMs: median(rounds.map((p) => p.bundle)),
    floorMs: median(rounds.map((p) => p.floor)),
    ratio: quantile(ratios, 0.5),
    q1: quantile(ratios, 0.25),
    q3: quantile(ratios, 0.75),
    factoryRatio: median(rounds.map((p) => p.factory / p.floor)),
  };
};

const table = (rows: readonly Row[]): string =>
  [
    '| function | bundle | its SDK floor | cold import (ms) | floor (ms) | median ratio | spread (IQR) | bound | factory alone |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|',
    ...rows.map(
      (r) =>
        `| ${r.function} | ${r.bundleKiB} KiB | ${r.floorKiB} KiB | ${r.bundleMs.toFixed(1)} | ${r.floorMs.toFixed(1)} | ${r.ratio.toFixed(3)}x | ${r.q1.toFixed(3)}-${r.q3.toFixed(3)}x | ${r.ratio <= targetOf(r.function) ? 'within' : 'over'} ${targetOf(r.function).toFixed(2)}x | ${r.factoryRatio.toFixed(3)}x |`,
    ),
  ].join('\n');

const main = async () => {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((n) => !allFunctions().includes(n));
  if (unknown.length) throw new Error(`no such function: ${unknown.join(', ')}`);
  const names = wanted.length ? wanted : allFunctions();
  mkdirSync(out, { recursive: true });

  const rows: Row[] = [];
  for (const [index, name] of names.entries()) {
    const row = measure(name, await buildBundles(name));
    rows.push(row);
    // Progress on stderr (each function takes seconds); the table stays on stdout.
    process.stderr.write(
      `bench [${index + 1}/${names.length}] ${name}: ${row.ratio.toFixed(3)}x its floor (factory alone ${row.factoryRatio.toFixed(3)}x)\n`,
    );
  }
  const cpu = cpus();
  const machine = `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform}`;
  const report = [
    `Node ${process.version} on ${machine}; ${PAIRS} interleaved rounds per function.`,
    '',
    table(rows),
    '',
  ].join('\n');
  writeFileSync(join(out, 'bench.md'), report);
  writeFileSync(
    join(out, 'bench.json'),
    JSON.stringify({ node: process.version, machine, pairs: PAIRS, rows }, null, 2),
  );
  process.stdout.write(report);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
