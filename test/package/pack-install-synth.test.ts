import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CONFIG_FILE } from '../../functions/shared/settings';
import { NO_CREDENTIALS } from '../cli/run-cli';

const ROOT = join(__dirname, '..', '..');

/**
 * A user's app: the construct and loadConfig from the installed package, and a config of its own
 * (deploy/prod.yaml, as the README suggests). Node runs it as TypeScript by stripping the types.
 */
const CONSUMER_APP = `import { join } from 'node:path';

import { App } from 'aws-cdk-lib';
import { loadConfig, RunnerAutopilot } from 'runner-autopilot';

const app = new App();
new RunnerAutopilot(app, 'Autopilot', { config: loadConfig(join(import.meta.dirname, 'deploy', 'prod.yaml')) });
app.synth();
`;

const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) => {
  // prepack compiles and bundles 14 functions: minutes on a loaded 2-core machine.
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 400_000 });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  return result;
};

/**
 * The packed tarball, unpacked where `npm install` puts it. npm's cache here holds none of its
 * dependencies, so `npm install <tgz> --offline` fails (ENOTCACHED): the dependencies are linked
 * from the repository's node_modules instead, all but esbuild, which a user's project may lack.
 */
const installPacked = (tarball: string, project: string): void => {
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, 'runner-autopilot'), { recursive: true });
  run('tar', ['-xzf', tarball, '-C', join(modules, 'runner-autopilot'), '--strip-components=1'], project);
  for (const entry of readdirSync(join(ROOT, 'node_modules')))
    if (!['esbuild', '@esbuild', '.bin', 'runner-autopilot'].includes(entry))
      symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
};

describe('the packed package', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'autopilot-package-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs into an empty project, synthesizes its own config offline from prebundled functions, rehearses and plans it', () => {
    const packed = run('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [
      { filename: string },
    ];
    const project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    installPacked(join(work, filename), project);
    cpSync(join(ROOT, 'config', 'manager'), join(project, 'deploy', 'manager'), { recursive: true });
    cpSync(join(ROOT, 'config', 'example.yaml'), join(project, 'deploy', 'prod.yaml'));
    writeFileSync(join(project, 'app.ts'), CONSUMER_APP);
    const outdir = join(project, 'cdk.out');

    run(process.execPath, ['app.ts'], project, {
      ...process.env,
      CDK_OUTDIR: outdir,
      // Bundling in Docker fails at once: the functions must come from the package.
      CDK_DOCKER: '/bin/false',
    });

    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { properties?: { stackName?: string } }>;
    };
    expect(
      Object.values(manifest.artifacts)
        .flatMap((a) => (a.properties?.stackName ? [a.properties.stackName] : []))
        .sort(),
    ).toEqual(['gitlab-runners-autopilot', 'gitlab-runners-images']);
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    const bundles = assets.filter((d) => existsSync(join(outdir, d, 'index.mjs')));
    expect(bundles).toHaveLength(14);
    for (const bundle of bundles) expect(existsSync(join(outdir, bundle, CONFIG_FILE))).toBe(true);

    // The package's bin, as npx runs it: plain node, no tsx, checking the project's own config.
    const bin = join(project, 'node_modules', 'runner-autopilot', 'dist', 'cli', 'main.js');
    const checked = run(process.execPath, [bin, 'check', join('deploy', 'prod.yaml')], project);
    expect(checked.stdout).toMatch(/: deployment gitlab-runners in /);

    // The rehearsal from the installed package: its fakes are runtime code, its handlers the
    // compiled functions, its app the package's cdk.json flags.
    const rehearsed = run(
      process.execPath,
      [bin, 'rehearse', '-c', join('deploy', 'prod.yaml'), '--night', '2026-12-08', '--report', 'night.html'],
      project,
      { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    );
    expect(rehearsed.stdout).toContain(
      'command-status   advanced jobs-docker canary-testing -> baking: default is now version 2; manager restart requested',
    );
    expect(rehearsed.stdout).toContain('  jobs killed: 0 (must be 0) ok');
    expect(readFileSync(join(project, 'night.html'), 'utf8')).toMatch(/^<!doctype html>/i);

    // plan is offline: the installed package plans the project's config.
    const planned = run(
      process.execPath,
      [bin, 'plan', '-c', join('deploy', 'prod.yaml'), '--from', '2026-12-11T20:00', '--days', '1'],
      project,
    );
    expect(planned.stdout).toContain(
      '    02:00        pipeline jobs bakes (schedule "0 2 * * *" UTC); at about 02:55 its image is staged as a candidate on launch template gitlab-runner-autoscaler',
    );
    // doctor from the installed package loads every area, then stops at the first AWS call
    // without credentials: one line, exit 1.
    const doctor = spawnSync(process.execPath, [bin, 'doctor', '-c', join('deploy', 'prod.yaml')], {
      cwd: project,
      encoding: 'utf8',
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
        HOME: project,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect({ status: doctor.status, last: doctor.stderr.trim().split('\n').at(-1) }).toEqual({
      status: 1,
      last: NO_CREDENTIALS,
    });
  }, 600_000);
});
