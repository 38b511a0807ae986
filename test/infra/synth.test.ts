import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CfnElement } from 'aws-cdk-lib';

import { CONFIG_FILE } from '../../functions/shared/settings';
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

  it('bundles every function with esbuild, without Docker, as ESM, its config file beside it', () => {
    const app = testApp({ outdir, bundle: true });
    const { autopilot } = buildApp(app, EXAMPLE);

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
    const template = JSON.parse(readFileSync(join(outdir, autopilot.templateFile), 'utf8')) as {
      Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
    };
    for (const fn of autopilot.functions) {
      const key =
        template.Resources[autopilot.getLogicalId(fn.function.node.defaultChild as CfnElement)]?.Properties
          .Code?.S3Key;
      const file = join(outdir, `asset.${String(key).replace(/\.zip$/, '')}`, CONFIG_FILE);
      expect([fn.serviceName, JSON.parse(readFileSync(file, 'utf8'))]).toEqual([
        fn.serviceName,
        fn.config.document,
      ]);
    }
  }, 60_000);
});
