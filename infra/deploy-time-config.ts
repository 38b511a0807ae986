import type { Json } from './intrinsics';

/**
 * A function's settings as synthesized: the static part goes into a file beside its bundle, and
 * only what CloudFormation knows at deploy time (names and ARNs of our resources, the account)
 * goes into its environment, which Lambda caps at 4 KB in total.
 *
 * Strings that hold deploy-time values become references the function expands at cold start
 * (`functions/shared/settings.ts`): `{ "$env": NAME }` for a whole value, `{ "$concat": [...] }`
 * for literal text around them. One variable per distinct intrinsic, so an ARN built from the
 * account and a name costs its literal text in the file, not in the environment.
 */
export interface DeployTimeConfig {
  readonly document: Json;
  /** Variable name -> the intrinsic (`Ref`, `Fn::GetAtt`, ...) CloudFormation resolves. */
  readonly environment: Readonly<Record<string, Json>>;
}

/** Pseudo parameters have fixed names; AWS_REGION is set by Lambda itself. */
const PSEUDO_VARIABLES: Readonly<Record<string, string>> = {
  'AWS::Region': 'AWS_REGION',
  'AWS::AccountId': 'AUTOPILOT_ACCOUNT',
  'AWS::Partition': 'AUTOPILOT_PARTITION',
  'AWS::URLSuffix': 'AUTOPILOT_URL_SUFFIX',
  'AWS::StackName': 'AUTOPILOT_STACK_NAME',
};
/** Lambda's own variables: never ours to set. */
const LAMBDA_SET = new Set(['AWS_REGION']);

export const REFERENCE_PREFIX = 'AUTOPILOT_REF_';

type Part = string | { readonly $env: string };

const isIntrinsic = (value: object): boolean => {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
};

/** `value` is the output of `Stack.resolve(settings)`: plain JSON with CloudFormation intrinsics. */
export const splitDeployTime = (value: unknown): DeployTimeConfig => {
  const environment: Record<string, Json> = {};
  const byIntrinsic = new Map<string, string>();

  const variableFor = (intrinsic: Record<string, unknown>): string => {
    const pseudo = typeof intrinsic.Ref === 'string' ? PSEUDO_VARIABLES[intrinsic.Ref] : undefined;
    const key = JSON.stringify(intrinsic);
    const name = pseudo ?? byIntrinsic.get(key) ?? `${REFERENCE_PREFIX}${byIntrinsic.size + 1}`;
    byIntrinsic.set(key, name);
    if (!LAMBDA_SET.has(name)) environment[name] = intrinsic as Json;
    return name;
  };

  /** The parts of a string value: literal text and deploy-time references. */
  const partsOf = (v: unknown): Part[] => {
    if (typeof v === 'string') return [v];
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'Fn::Join' in v) {
      const [separator, items] = (v as { 'Fn::Join': [string, unknown] })['Fn::Join'];
      // A join over a list intrinsic (`Fn::GetAZs`, a list parameter) is known only as a whole.
      if (Array.isArray(items))
        return items.flatMap((item, i) => (i === 0 ? partsOf(item) : [separator, ...partsOf(item)]));
    }
    return [{ $env: variableFor(v as Record<string, unknown>) }];
  };

  const walk = (v: unknown): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v as Json;
    if (!isIntrinsic(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    const merged = partsOf(v).reduce<Part[]>((acc, part) => {
      const last = acc[acc.length - 1];
      if (typeof part === 'string' && typeof last === 'string') acc[acc.length - 1] = last + part;
      else if (part !== '') acc.push(part);
      return acc;
    }, []);
    if (merged.length === 0) return '';
    return merged.length === 1 ? merged[0]! : { $concat: merged };
  };

  return { document: walk(value), environment };
};
