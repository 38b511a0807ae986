/**
 * A small EventBridge pattern matcher for rule-vs-sample tests (no npm package does this). It
 * supports what our rules use: exact values, prefix, suffix, anything-but, exists and
 * equals-ignore-case; anything else throws, so a test can never pass by ignoring an operator.
 */
export { resolveIntrinsics } from '../infra/intrinsics';
import type { Json } from '../infra/intrinsics';

const matchesOne = (rule: Json, value: Json | undefined): boolean => {
  if (rule === null || typeof rule !== 'object') {
    return Array.isArray(value) ? value.includes(rule) : value === rule;
  }
  if (Array.isArray(rule)) throw new Error('nested arrays are not valid in an event pattern');
  const [op, arg] = Object.entries(rule)[0] ?? [];
  const values = Array.isArray(value) ? value : [value];
  switch (op) {
    case 'exists':
      return arg === (value !== undefined);
    case 'prefix':
      return values.some((v) => typeof v === 'string' && v.startsWith(arg as string));
    case 'suffix':
      return values.some((v) => typeof v === 'string' && v.endsWith(arg as string));
    case 'equals-ignore-case':
      return values.some((v) => typeof v === 'string' && v.toLowerCase() === (arg as string).toLowerCase());
    case 'anything-but': {
      if (value === undefined) return false;
      const excluded = Array.isArray(arg) ? arg : [arg];
      return values.every((v) => !excluded.some((x) => matchesOne(x as Json, v)));
    }
    default:
      throw new Error(`event pattern operator ${String(op)} is not supported by this matcher`);
  }
};

export const matchesPattern = (pattern: unknown, event: unknown): boolean => {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) {
    throw new Error('an event pattern level must be an object');
  }
  return Object.entries(pattern as Record<string, Json>).every(([key, rule]) => {
    const value =
      event !== null && typeof event === 'object' && !Array.isArray(event)
        ? (event as Record<string, Json>)[key]
        : undefined;
    if (Array.isArray(rule)) return rule.some((r) => matchesOne(r, value));
    return value !== undefined && matchesPattern(rule, value);
  });
};
