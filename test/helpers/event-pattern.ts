/**
 * A small EventBridge pattern matcher for rule-vs-sample tests (no npm package does this). It
 * supports what our rules use: exact values, prefix, suffix, anything-but, exists and
 * equals-ignore-case; anything else throws, so a test can never pass by ignoring an operator.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-2',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the intrinsics CDK leaves in a synthesized pattern (pseudo parameters, Fn::Join). */
export const resolveIntrinsics = (value: unknown, refs: Record<string, string> = {}): Json => {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, refs));
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Ref' in obj) {
      const name = obj.Ref as string;
      const resolved = refs[name] ?? PSEUDO_PARAMETERS[name];
      if (resolved === undefined) throw new Error(`cannot resolve Ref ${name}`);
      return resolved;
    }
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => resolveIntrinsics(p, refs) as string).join(sep);
    }
    if ('Fn::GetAtt' in obj) {
      const [resource, attribute] = obj['Fn::GetAtt'] as [string, string];
      const resolved = refs[`${resource}.${attribute}`];
      if (resolved === undefined) throw new Error(`cannot resolve Fn::GetAtt ${resource}.${attribute}`);
      return resolved;
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolveIntrinsics(v, refs)]));
  }
  return value as Json;
};

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
