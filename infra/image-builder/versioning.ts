import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal content always hashes the same. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

/**
 * A `major.minor.patch` version derived from the content: Image Builder components and recipes are
 * immutable per version, so new content must come with a new version and equal content must keep
 * its version. Each node takes 28 bits of the SHA-256, well inside Image Builder's per-node limit.
 */
export const contentVersion = (content: unknown): string => {
  const hex = createHash('sha256').update(canonicalJson(content)).digest('hex');
  return [0, 7, 14].map((at) => parseInt(hex.slice(at, at + 7), 16)).join('.');
};
