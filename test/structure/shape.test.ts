import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The structure the README promises (issue 10): every function folder has the same three roles,
 * SDK clients are built in one place, and each run reaches AWS through the ports it is given.
 */
const root = join(__dirname, '..', '..');
const functionsDir = join(root, 'functions');
const functionNames = readdirSync(functionsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'shared')
  .map((d) => d.name);

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );

/** Value imports only: `import type` and `import { type X }`-only lines carry no code. */
const valueImports = (source: string): string[] =>
  [...source.matchAll(/^import\s+(?!type\s)([^;]*?)\s+from\s+'([^']+)';/gms)]
    .filter(([, names]) => !/^\{\s*(type\s+\w+\s*,?\s*)+\}$/.test(names!.trim()))
    .map(([, , from]) => from!);

describe('function folders', () => {
  it.each(functionNames)('%s has handler.ts, run.ts and decide.ts', (name) => {
    const missing = ['handler.ts', 'run.ts', 'decide.ts'].filter(
      (f) => !existsSync(join(functionsDir, name, f)),
    );

    expect(missing).toEqual([]);
  });

  it.each(functionNames)('%s/handler.ts only wires (at most 40 lines)', (name) => {
    const lines = readFileSync(join(functionsDir, name, 'handler.ts'), 'utf8')
      .trimEnd()
      .split('\n').length;

    expect(lines).toBeLessThanOrEqual(40);
  });

  it.each(functionNames)('%s/run.ts reaches AWS only through its ports', (name) => {
    const imports = valueImports(readFileSync(join(functionsDir, name, 'run.ts'), 'utf8'));

    expect(imports.filter((from) => /\/aws\/|\/ledger$|@aws-sdk\//.test(from))).toEqual([]);
  });

  it.each(functionNames)('%s/decide.ts is pure (no SDK, environment, clock or logger)', (name) => {
    const source = readFileSync(join(functionsDir, name, 'decide.ts'), 'utf8');

    expect(
      valueImports(source).filter((from) => /\/aws\/|\/ledger$|@aws-sdk\/|powertools/.test(from)),
    ).toEqual([]);
    expect(source).not.toMatch(/process\.env|new Date\(\)|Date\.now\(\)/);
  });
});

describe('SDK clients', () => {
  it('are built only in functions/shared/aws/', () => {
    const builders = filesUnder(functionsDir)
      .filter((f) => /new \w+Client\(|DynamoDBDocumentClient\.from\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));

    expect(builders.filter((f) => !f.startsWith('functions/shared/aws/'))).toEqual([]);
  });
});

describe('event schemas', () => {
  it('are our own: no Powertools built-in schema or envelope (they import the whole of classic zod)', () => {
    const users = filesUnder(functionsDir)
      .filter((f) => /@aws-lambda-powertools\/parser\/(schemas|envelopes)/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));

    expect(users).toEqual([]);
  });
});

describe('README layout', () => {
  it('names only paths that exist', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('\nLayout:'), readme.indexOf('**Error policy.**'));
    const paths = [
      ...layout.matchAll(/`((?:functions|infra|image|events|test|scripts|config|docs)\/[^`<>*]*)`/g),
    ].map(([, p]) => p!.replace(/\/$/, ''));

    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });
});
