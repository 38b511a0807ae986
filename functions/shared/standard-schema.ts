import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * Hand-written Standard Schema validators, for the webhook (issue 12): GitLab's timer sees its
 * cold start, and zod's code and schema construction were a third of what it added to its SDK
 * floor. Each validator mirrors a zod schema that stays the source of truth (config file, docs,
 * JSON schema) and is held to it by a property test: the same verdict, the same value, and zod's
 * English messages at the same paths. Only JSON values reach them (Lambda events, parsed bodies
 * and config files), which is the domain that test covers.
 */

export type { StandardSchemaV1 };

export type Path = readonly (string | number)[];

/** What a field validator collects: Standard Schema issues, with their paths. */
export type Issues = StandardSchemaV1.Issue[];

/** A validator of one value at `path`: its output, or undefined with issues added. */
export type Check<T> = (value: unknown, path: Path, issues: Issues) => T | undefined;

export const standardSchema = <T>(check: Check<T>): StandardSchemaV1<unknown, T> => ({
  '~standard': {
    version: 1,
    vendor: 'runner-autopilot',
    validate: (value) => {
      const issues: Issues = [];
      const output = check(value, [], issues);
      return issues.length ? { issues } : { value: output as T };
    },
  },
});

/** zod's name for a value's type in "expected X, received Y". */
const received = (value: unknown): string => {
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
};

export const invalidType = (expected: string, value: unknown, path: Path, issues: Issues): undefined => {
  issues.push({ message: `Invalid input: expected ${expected}, received ${received(value)}`, path });
  return undefined;
};

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * zod's length checks run even after a type issue, on any value with a length: an array given
 * for a string of at least one character is also "Too small: expected array to have >=1 items".
 */
const lengthChecks = (value: unknown, path: Path, issues: Issues, min?: number, max?: number): void => {
  const length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  if (length === undefined) return;
  const [origin, unit] = typeof value === 'string' ? ['string', 'characters'] : ['array', 'items'];
  if (min !== undefined && length < min)
    issues.push({ message: `Too small: expected ${origin} to have >=${min} ${unit}`, path });
  if (max !== undefined && length > max)
    issues.push({ message: `Too big: expected ${origin} to have <=${max} ${unit}`, path });
};

export interface StringRules {
  readonly min?: number;
  readonly max?: number;
  /** A pattern and the message zod's schema gives for it. */
  readonly pattern?: readonly [RegExp, string];
}

/** `z.string().check(z.minLength, z.maxLength, z.regex)`, in that order. */
export const string =
  ({ min, max, pattern }: StringRules = {}): Check<string> =>
  (value, path, issues) => {
    const before = issues.length;
    if (typeof value !== 'string') invalidType('string', value, path, issues);
    lengthChecks(value, path, issues, min, max);
    if (typeof value !== 'string') return undefined;
    if (pattern && !pattern[0].test(value)) issues.push({ message: pattern[1], path });
    return issues.length === before ? value : undefined;
  };

/** `z.array(item).check(z.minLength(min))`: each item's issues at its index. */
export const array =
  <T>(item: Check<T>, min?: number): Check<T[]> =>
  (value, path, issues) => {
    const before = issues.length;
    const items = Array.isArray(value)
      ? value.map((v, i) => item(v, [...path, i], issues))
      : invalidType('array', value, path, issues);
    lengthChecks(value, path, issues, min);
    return issues.length === before ? (items as T[]) : undefined;
  };

/** `z.number().check(z.int(), z.minimum(min), z.maximum(max))`, unsafe integers refused as zod does. */
export const integer =
  ({ min, max }: { readonly min?: number; readonly max?: number } = {}): Check<number> =>
  (value, path, issues) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      return invalidType('number', value, path, issues);
    if (!Number.isInteger(value)) return invalidType('int', value, path, issues);
    const before = issues.length;
    if (value > Number.MAX_SAFE_INTEGER)
      issues.push({ message: `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`, path });
    if (value < Number.MIN_SAFE_INTEGER)
      issues.push({ message: `Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`, path });
    if (min !== undefined && value < min)
      issues.push({ message: `Too small: expected number to be >=${min}`, path });
    if (max !== undefined && value > max)
      issues.push({ message: `Too big: expected number to be <=${max}`, path });
    return issues.length === before ? value : undefined;
  };

/** `z.boolean()`. */
export const boolean: Check<boolean> = (value, path, issues) =>
  typeof value === 'boolean' ? value : invalidType('boolean', value, path, issues);

/** `z.enum(options)`: no type check of its own, as zod's. */
export const oneOf =
  <const T extends string>(options: readonly T[]): Check<T> =>
  (value, path, issues) => {
    if (options.includes(value as T)) return value as T;
    issues.push({
      message: `Invalid option: expected one of ${options.map((o) => `"${o}"`).join('|')}`,
      path,
    });
    return undefined;
  };

/** `z._default(inner, fallback)`: undefined takes a fresh copy of the fallback, unchecked. */
export const withDefault =
  <T>(inner: Check<T>, fallback: () => T): Check<T> =>
  (value, path, issues) =>
    value === undefined ? fallback() : inner(value, path, issues);

/** `z.optional(inner)`. */
export const optional =
  <T>(inner: Check<T>): Check<T | undefined> =>
  (value, path, issues) =>
    value === undefined ? undefined : inner(value, path, issues);

export type Shape = Readonly<Record<string, Check<unknown>>>;
type Out<S extends Shape> = { [K in keyof S]: S[K] extends Check<infer T> ? T : never };

/**
 * `z.object` (`strip`), `z.strictObject` (`strict`) or `z.looseObject` (`loose`): the shape's keys
 * in order, then (strict) every unknown key in one issue at the object's path.
 */
export const object =
  <S extends Shape>(shape: S, unknownKeys: 'strip' | 'strict' | 'loose' = 'strip'): Check<Out<S>> =>
  (value, path, issues) => {
    if (!isRecord(value)) return invalidType('object', value, path, issues);
    const before = issues.length;
    const output: Record<string, unknown> = unknownKeys === 'loose' ? { ...value } : {};
    for (const [key, check] of Object.entries(shape)) {
      const field = check(value[key], [...path, key], issues);
      if (field !== undefined) output[key] = field;
      else if (key in value) output[key] = undefined;
      else delete output[key];
    }
    const unknown = Object.keys(value).filter((key) => !Object.hasOwn(shape, key));
    if (unknownKeys === 'strict' && unknown.length)
      issues.push({
        message: `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `"${k}"`).join(', ')}`,
        path,
      });
    return issues.length === before ? (output as Out<S>) : undefined;
  };

/** `z.record(z.string(), value)`. */
export const record =
  <T>(item: Check<T>): Check<Record<string, T>> =>
  (value, path, issues) => {
    if (!isRecord(value)) return invalidType('record', value, path, issues);
    const before = issues.length;
    const output: Record<string, T> = {};
    for (const [key, v] of Object.entries(value)) output[key] = item(v, [...path, key], issues) as T;
    return issues.length === before ? output : undefined;
  };

/** Validates with any Standard Schema (zod's included) that answers at once, as ours and zod's do without async checks. */
export const validateNow = <S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>> => {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise)
    throw new TypeError('a schema with asynchronous checks cannot validate here');
  return result;
};
