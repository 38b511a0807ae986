/**
 * A small glob matcher for branch, tag and file-path patterns: `*` and `?` stay within one path
 * segment, `**` crosses segments (`images/**` is everything under `images/`, `**\/*.sh` is any
 * `.sh` file at any depth). No braces, classes or negation: rules list several globs instead.
 * Our own rather than picomatch/minimatch, which are not dependencies of this project; a leading
 * dot is matched like any other character (a changed `.gitlab-ci.yml` is still a change).
 */

const escape = (c: string): string => c.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');

export const globToRegExp = (glob: string): RegExp => {
  let re = '';
  let i = 0;
  while (i < glob.length) {
    if (glob.startsWith('**', i)) {
      let end = i;
      while (glob.charAt(end) === '*') end += 1; // `***` means `**`
      const segmentStart = i === 0 || glob.charAt(i - 1) === '/';
      if (segmentStart && glob.charAt(end) === '/') {
        // `**/` is zero or more whole segments, so `**/x` also matches a top-level `x`.
        re += '(?:.*/)?';
        i = end + 1;
      } else {
        re += '.*';
        i = end;
      }
      continue;
    }
    const c = glob.charAt(i);
    re += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : escape(c);
    i += 1;
  }
  return new RegExp(`^${re}$`, 's');
};

/** A predicate that is true when any of the globs matches; compiled once per call site. */
export const anyGlob = (globs: readonly string[]): ((value: string) => boolean) => {
  const res = globs.map(globToRegExp);
  return (value) => res.some((re) => re.test(value));
};
