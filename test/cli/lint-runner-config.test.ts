import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, runCli } from './run-cli';

const EXAMPLE = join(ROOT, 'config', 'manager', 'config.toml.tmpl');

const run = (argv: string[]) => runCli(['lint-runner-config', ...argv]);

describe('lint-runner-config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runner-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 on the example, with its values found beside it', async () => {
    const result = await run([
      EXAMPLE,
      '--job-groups',
      'gitlab-runner-ao-group,gitlab-runner-ao-group-docker',
    ]);

    expect(result.code).toBe(0);
    expect(result.err).toEqual([]);
    expect(result.out).toEqual([`${EXAMPLE}: 0 error(s), 0 warning(s)`]);
  });

  it('exits 2 when a values file named on the command line is missing', async () => {
    const file = join(dir, 'config.toml.tmpl');
    writeFileSync(file, 'concurrent = 1\n');

    expect((await run([file, '--values', join(dir, 'none.json')])).code).toBe(2);
  });

  it('exits 1 on an error and prints file:line: severity rule: message', async () => {
    const file = join(dir, 'config.toml.tmpl');
    writeFileSync(file, 'concurrent = 1\n[[runners]]\n  name = "a"\n  url = "${url}"\n');
    writeFileSync(join(dir, 'values.json'), '{}');

    const result = await run([file]);

    expect(result.code).toBe(1);
    expect(result.out).toContainEqual(
      expect.stringMatching(/config\.toml\.tmpl:4: error unresolved-placeholder: /),
    );
  });

  it('exits 0 with warnings only, and prints them', async () => {
    const file = join(dir, 't.toml');
    writeFileSync(
      file,
      'listen_address = ":9252"\n[[runners]]\n  name = "a"\n  url = "u"\n  token = "secret:/t"\n  executor = "shell"\n',
    );

    const result = await run([file]);

    expect(result.code).toBe(0);
    expect(result.out).toContainEqual(expect.stringMatching(/t\.toml:2: warning runner-id-missing: /));
  });

  it('warns when the template is too large for a standard parameter', async () => {
    const file = join(dir, 'big.toml');
    writeFileSync(file, `# ${'x'.repeat(5000)}\nconcurrent = 1\n`);

    const result = await run([file]);

    expect(result.out).toContainEqual(expect.stringMatching(/:1: warning parameter-size: /));
  });

  it.each([[[]], [['a', 'b']], [['a', '--values']], [['a', '--bogus']]])(
    'exits 2 on bad usage %j',
    async (argv) => {
      expect((await run(argv)).code).toBe(2);
    },
  );

  it('exits non-zero as a process on an error (tsx)', () => {
    const file = join(dir, 'bad.toml');
    writeFileSync(file, 'concurrent = [\n');

    const bad = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['cli/main.ts', 'lint-runner-config', file],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    const good = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['cli/main.ts', 'lint-runner-config', EXAMPLE],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );

    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/bad\.toml:\d+: error toml-syntax: /);
    expect(good.status).toBe(0);
  }, 30_000);
});
