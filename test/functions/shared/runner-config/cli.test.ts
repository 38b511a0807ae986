import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { main } from '../../../../scripts/lint-runner-config';

const ROOT = join(__dirname, '..', '..', '..', '..');
const EXAMPLE = join(ROOT, 'config', 'manager', 'config.toml.tmpl');

const run = (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
};

describe('lint-runner-config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runner-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 on the example, with its values found beside it', () => {
    const result = run([EXAMPLE, '--job-groups', 'gitlab-runner-ao-group,gitlab-runner-ao-group-docker']);

    expect(result.code).toBe(0);
    expect(result.err).toEqual([]);
    expect(result.out).toEqual([`${EXAMPLE}: 0 error(s), 0 warning(s)`]);
  });

  it('exits 2 when a values file named on the command line is missing', () => {
    const file = join(dir, 'config.toml.tmpl');
    writeFileSync(file, 'concurrent = 1\n');

    expect(run([file, '--values', join(dir, 'none.json')]).code).toBe(2);
  });

  it('exits 1 on an error and prints file:line: severity rule: message', () => {
    const file = join(dir, 'config.toml.tmpl');
    writeFileSync(file, 'concurrent = 1\n[[runners]]\n  name = "a"\n  url = "${url}"\n');
    writeFileSync(join(dir, 'values.json'), '{}');

    const result = run([file]);

    expect(result.code).toBe(1);
    expect(result.out).toContainEqual(
      expect.stringMatching(/config\.toml\.tmpl:4: error unresolved-placeholder: /),
    );
  });

  it('exits 0 with warnings only, and prints them', () => {
    const file = join(dir, 't.toml');
    writeFileSync(
      file,
      'listen_address = ":9252"\n[[runners]]\n  name = "a"\n  url = "u"\n  token = "secret:/t"\n  executor = "shell"\n',
    );

    const result = run([file]);

    expect(result.code).toBe(0);
    expect(result.out).toContainEqual(expect.stringMatching(/t\.toml:2: warning runner-id-missing: /));
  });

  it('warns when the template is too large for a standard parameter', () => {
    const file = join(dir, 'big.toml');
    writeFileSync(file, `# ${'x'.repeat(5000)}\nconcurrent = 1\n`);

    const result = run([file]);

    expect(result.out).toContainEqual(expect.stringMatching(/:1: warning parameter-size: /));
  });

  it.each([[[]], [['a', 'b']], [['a', '--values']], [['a', '--bogus']]])(
    'exits 2 on bad usage %j',
    (argv) => {
      expect(run(argv).code).toBe(2);
    },
  );

  it('exits non-zero as a process on an error (tsx)', () => {
    const file = join(dir, 'bad.toml');
    writeFileSync(file, 'concurrent = [\n');

    const bad = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['scripts/lint-runner-config.ts', file],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    const good = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['scripts/lint-runner-config.ts', EXAMPLE],
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
