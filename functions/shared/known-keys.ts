/**
 * Keys and names, for messages and checks: plain code, so the webhook's hand-written validators
 * use them without a schema library.
 */

/** Edit distance between two words (Levenshtein), for "did you mean". */
const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (const [i, ca] of [...a].entries()) {
    const current = [i + 1];
    for (const [j, cb] of [...b].entries())
      current.push(Math.min(previous[j + 1]! + 1, current[j]! + 1, previous[j]! + (ca === cb ? 0 : 1)));
    previous = current;
  }
  return previous[b.length]!;
};

/** The known key nearest to `key` (case-insensitively), when it is close enough to be a typo. */
export const nearestKey = (key: string, known: readonly string[]): string | undefined => {
  const scored = known
    .map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
};

/** The keys of `value` outside `known`: none when `value` is no object (or an array). */
export const unknownKeysOf = (value: unknown, known: readonly string[]): string[] =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.keys(value).filter((key) => !known.includes(key))
    : [];

/** What an object with unknown keys is told: each key, with the known key it is nearest to. */
export const unknownKeysMessage = (unknown: readonly string[], known: readonly string[]): string =>
  unknown
    .map((key) => {
      const near = nearestKey(key, known);
      return near
        ? `unknown key "${key}": did you mean "${near}"?`
        : `unknown key "${key}"; the keys here are ${known.join(', ')}`;
    })
    .join('; ');

/**
 * Names key the config's records (a pipeline's connector user, a fleet's config prefix), and
 * valibot's records drop the keys `constructor` and `prototype` (they guard prototypes): no name
 * may be one of them.
 */
export const RESERVED_NAMES: readonly string[] = ['constructor', 'prototype'];
export const RESERVED_NAME_MESSAGE = 'constructor and prototype are reserved words: choose another name';
