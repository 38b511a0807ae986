import { join } from 'node:path';

import type { BuildOptions } from 'esbuild';

export const REPO_ROOT = join(__dirname, '..');

/**
 * Where the package ships each function prebundled (`dist/bundles/<name>/`, built at `prepack`),
 * beside its compiled infra: a user's project installs no esbuild and has no lock file to pin
 * the functions' dependencies. In the repository there are none and the functions bundle from source.
 */
export const PREBUNDLED_DIR = join(__dirname, '..', 'bundles');
export const BUNDLE_FILE = 'index.mjs';

/** Lambda's ESM output has no `require`; some bundled CJS dependencies still call it. */
export const REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** `module` first: the SDK's ES builds tree-shake and load faster than its CJS ones. */
export const MAIN_FIELDS = ['module', 'main'];

export const NODE_TARGET = 'node24';

export const handlerEntry = (name: string): string => join(REPO_ROOT, 'functions', name, 'handler.ts');

/**
 * The same bundle the stack deploys, for the scripts that build one outside CDK (local invoke,
 * benchmarks, the bundle-content test) and AutopilotFunction, which deploys it.
 */
export const esbuildOptions = (name: string, outfile: string): BuildOptions => ({
  entryPoints: [handlerEntry(name)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  minify: true,
  mainFields: MAIN_FIELDS,
  banner: { js: REQUIRE_BANNER },
  metafile: true,
  logLevel: 'silent',
});

/** The bundle a function deploys, whether built at synth or at `prepack`. */
export const deployedBundleOptions = (name: string, outDir: string): BuildOptions => ({
  ...esbuildOptions(name, join(outDir, BUNDLE_FILE)),
  sourcemap: true,
  metafile: false,
});
