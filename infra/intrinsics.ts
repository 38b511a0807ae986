/**
 * Resolves the intrinsics CDK leaves in a synthesized template (pseudo parameters, Ref, GetAtt,
 * Fn::Join) to plain values, for tests that match rules against samples and for local invokes.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-2',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

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
