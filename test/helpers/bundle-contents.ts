import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { build } from 'esbuild';

import { apiOperationsOf } from '../../infra/api-operations';
import { esbuildOptions, handlerEntry, REPO_ROOT } from '../../infra/bundling';
import { floorModule, iamActionOf } from '../../scripts/sdk-commands';

/**
 * The input files whose code esbuild kept (bytes in the output, not only parsed) in each entry's
 * bundle, by entry name, built with the deployed options. One build for all entries: they share
 * the parsing.
 */
export const keptInputs = async (
  entries: Readonly<Record<string, string>>,
  options: { readonly nodePaths?: string[] } = {},
): Promise<Map<string, string[]>> => {
  const [first = ''] = Object.keys(entries);
  const { metafile } = await build({
    ...esbuildOptions(first, ''),
    outfile: undefined,
    entryPoints: { ...entries },
    outdir: join(tmpdir(), 'bundle-contents'),
    write: false,
    ...options,
  });
  return new Map(
    Object.entries(metafile?.outputs ?? {}).flatMap(([file, { entryPoint, inputs }]) =>
      entryPoint === undefined
        ? []
        : [
            [
              basename(file, '.js'),
              Object.entries(inputs).flatMap(([path, { bytesInOutput }]) =>
                bytesInOutput > 0 ? [path] : [],
              ),
            ] as const,
          ],
    ),
  );
};

/** What each function's deployed bundle keeps, by function name. */
export const functionBundles = (names: readonly string[]): Promise<Map<string, string[]>> =>
  keptInputs(Object.fromEntries(names.map((n) => [n, handlerEntry(n)])));

/** What each function's SDK floor (its listed clients and commands only) keeps, by function name. */
export const floorBundles = (names: readonly string[]): Promise<Map<string, string[]>> => {
  const dir = mkdtempSync(join(tmpdir(), 'floors-'));
  return keptInputs(
    Object.fromEntries(
      names.map((n) => {
        const file = join(dir, `${n}.mjs`);
        writeFileSync(file, floorModule(apiOperationsOf(n)));
        return [n, file];
      }),
    ),
    // The floors are written outside the repository: resolve the SDK from its node_modules.
    { nodePaths: [join(REPO_ROOT, 'node_modules')] },
  );
};

/** An aggregated client (`SSM`, `DynamoDBDocument`): every command of its service in one class. */
const AGGREGATED_CLIENT =
  /node_modules\/@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb)\/dist-es\/([A-Z]\w*)\.js$/;

export interface BundleRules {
  /** The function's API-operation list, as IAM actions. */
  readonly operations: readonly string[];
  /** The input files its SDK floor keeps: a command the SDK compiles in the floor too is not ours. */
  readonly floor: readonly string[];
  /** Whether it may carry cron code (croner). */
  readonly cron: boolean;
}

/** Everything a bundle keeps beyond what it runs, one line each; empty when it is at its floor. */
export const excesses = (kept: readonly string[], rules: BundleRules): string[] => {
  const sdkOwn = new Set(rules.floor.flatMap((path) => iamActionOf(path) ?? []));
  return kept.flatMap((path) => {
    const where = path.replace(/^.*node_modules\//, '');
    const action = iamActionOf(path);
    if (action && !rules.operations.includes(action) && !sdkOwn.has(action))
      return [`${action}: a command outside the API-operation list (${where})`];
    // Schema construction at import was most of zod's cost: the functions' schemas are valibot's.
    if (/node_modules\/zod\//.test(path)) return [`zod, whose schemas cost most to build (${where})`];
    const aggregated = AGGREGATED_CLIENT.exec(path);
    if (aggregated && !aggregated[1]?.endsWith('Client')) return [`an aggregated SDK client (${where})`];
    if (!rules.cron && /node_modules\/croner\//.test(path)) return [`cron code it never runs (${where})`];
    return [];
  });
};
