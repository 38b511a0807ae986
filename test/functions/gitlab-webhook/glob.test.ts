import fc from 'fast-check';

import { anyGlob, globToRegExp } from '../../../functions/gitlab-webhook/glob';

describe('globToRegExp', () => {
  it.each([
    ['main', 'main', true],
    ['main', 'mainline', false],
    ['v*', 'v1.4.0', true],
    ['v*', 'release-v1', false],
    ['release/*', 'release/1.4', true],
    ['release/*', 'release/1.4/hotfix', false],
    ['release/**', 'release/1.4/hotfix', true],
    ['images/**', 'images/jobs/packages.txt', true],
    ['images/**', 'images/x', true],
    ['images/**', 'images', false],
    ['images/**', 'docs/images/x', false],
    ['images/*', 'images/jobs/packages.txt', false],
    ['**/*.sh', 'install.sh', true],
    ['**/*.sh', 'scripts/deep/install.sh', true],
    ['**/*.sh', 'scripts/install.shx', false],
    ['scripts/**/test-*.sh', 'scripts/test-jobs.sh', true],
    ['scripts/**/test-*.sh', 'scripts/ci/test-jobs.sh', true],
    ['*', '.gitlab-ci.yml', true],
    ['*', 'a/b', false],
    ['**', 'a/b/c', true],
    ['***', 'a/b', true],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'file/.txt', false],
    ['a.b', 'axb', false],
    ['(x)+[y]{2}|$^\\', '(x)+[y]{2}|$^\\', true],
  ])('%s against %s is %s', (glob, value, expected) => {
    expect(globToRegExp(glob).test(value)).toBe(expected);
  });

  it('matches any literal string (no special characters) exactly and nothing else', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[*?]/.test(s)),
        fc.string(),
        (literal, other) => {
          expect(globToRegExp(literal).test(literal)).toBe(true);
          expect(globToRegExp(literal).test(other)).toBe(other === literal);
        },
      ),
    );
  });

  it('never lets a single star cross a slash', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{0,5}$/),
        fc.stringMatching(/^[a-z/]*\/[a-z/]*$/),
        (prefix, rest) => {
          expect(globToRegExp(`${prefix}*`).test(`${prefix}${rest}`)).toBe(false);
        },
      ),
    );
  });
});

describe('anyGlob', () => {
  it('is true when one of the globs matches and false for an empty list', () => {
    expect(anyGlob(['main', 'release/*'])('release/2')).toBe(true);
    expect(anyGlob([])('main')).toBe(false);
  });
});
