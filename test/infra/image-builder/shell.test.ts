import { spawnSync } from 'node:child_process';

import fc from 'fast-check';

import { shellExports, shellQuote } from '../../../infra/image-builder/shell';

/** What bash makes of `export V=<quoted>`: the value a script would see. */
const evaluate = (value: string): string =>
  spawnSync('bash', ['-c', `${shellExports({ V: value })}printf %s "$V"`], { encoding: 'utf8' }).stdout;

describe('shellQuote', () => {
  it.each([
    ['plain', 'docker.io/library/alpine:3.22'],
    ['empty', ''],
    ['single quotes', "it's 'quoted'"],
    ['expansions', '$HOME $(id) `id` ${X:-y} !! \\n'],
    ['newlines and tabs', 'line 1\n\tline 2\n'],
    ['globs and separators', '* ? [a] ; & | > < #'],
  ])('keeps %s literal through bash', (_name, value) => {
    expect(evaluate(value)).toBe(value);
  });

  it('round-trips any string through bash', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
        (value) => evaluate(value) === value,
      ),
      { numRuns: 60 },
    );
  });

  it('wraps the value in single quotes', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});

describe('shellExports', () => {
  it('writes one export line per variable, in order', () => {
    expect(shellExports({ B: '1', A: 'x y' })).toBe("export B='1'\nexport A='x y'\n");
  });

  it('throws when a variable name is not a valid environment name', () => {
    expect(() => shellExports({ 'BAD-NAME': 'x' })).toThrow(/invalid environment variable name "BAD-NAME"/);
  });
});
