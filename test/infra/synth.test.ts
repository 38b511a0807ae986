import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { testApp } from '../helpers/app';
import { buildApp } from '../../infra/app';

const EXAMPLE = join(__dirname, '..', '..', 'config', 'example.yaml');

describe('synth of the example config', () => {
  const dockerBefore = process.env.CDK_DOCKER;
  let outdir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'autopilot-synth-'));
    // Any attempt to bundle in Docker now fails: the functions must be bundled by the local esbuild.
    process.env.CDK_DOCKER = '/bin/false';
  });
  afterAll(() => {
    if (dockerBefore === undefined) delete process.env.CDK_DOCKER;
    else process.env.CDK_DOCKER = dockerBefore;
    rmSync(outdir, { recursive: true, force: true });
  });

  it('bundles every function with esbuild, without Docker, as ESM', () => {
    const app = testApp({ outdir, bundle: true });
    buildApp(app, EXAMPLE);

    app.synth();

    const bundles = readdirSync(outdir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => join(outdir, d, 'index.mjs'));
    const functions = readdirSync(join(__dirname, '..', '..', 'functions'), { withFileTypes: true }).filter(
      (d) => d.isDirectory() && d.name !== 'shared',
    );
    expect(bundles).toHaveLength(functions.length);
    for (const bundle of bundles) {
      expect(existsSync(bundle)).toBe(true);
      expect(statSync(bundle).size).toBeGreaterThan(10_000);
    }
  }, 60_000);
});
