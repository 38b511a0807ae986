// `prepack`, after tsc: what the compiled infra reads beside itself in the package. Each
// function bundled as it deploys (dist/bundles/<name>/), and the instance scripts the image
// components and SSM documents embed (dist/image/), and cdk.json, whose feature flags the
// rehearsal's app applies as `cdk synth` would (rehearsal/app.ts).
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { build } from 'esbuild';

import { deployedBundleOptions, REPO_ROOT } from '../infra/bundling';

const DIST = join(REPO_ROOT, 'dist');

const functionNames = readdirSync(join(REPO_ROOT, 'functions'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'shared')
  .map((d) => d.name);

const main = async (): Promise<void> => {
  rmSync(join(DIST, 'bundles'), { recursive: true, force: true });
  await Promise.all(
    functionNames.map((name) => build(deployedBundleOptions(name, join(DIST, 'bundles', name)))),
  );
  rmSync(join(DIST, 'image'), { recursive: true, force: true });
  cpSync(join(REPO_ROOT, 'image'), join(DIST, 'image'), {
    recursive: true,
    filter: (source) => !source.includes('__pycache__'),
  });
  cpSync(join(REPO_ROOT, 'cdk.json'), join(DIST, 'cdk.json'));
  console.log(`prebundled ${functionNames.length} functions into ${join(DIST, 'bundles')}`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
