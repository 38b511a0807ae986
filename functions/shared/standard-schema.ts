import type { StandardSchemaV1 } from '@standard-schema/spec';

import { unknownKeysMessage, unknownKeysOf } from './known-keys';

/**
 * Hand-written Standard Schema validators, for the webhook (issue 12): GitLab's timer sees its
 * cold start, and a schema library's code and schema construction were a third of what it added
 * to its SDK floor. Each validator mirrors a valibot schema that stays the source of truth (config
 * file, docs, JSON schema) and is held to it by a property test: the same verdict, the same value,
 * and the same messages (`valibot.ts`'s) at the same paths. Only JSON values reach them (Lambda
 * events, parsed bodies and config files), which is the domain that test covers.
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

/** The type `valibot.ts`'s messages name as received. */
const received = (value: unknown): string => {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
};

export const invalidType = (expected: string, value: unknown, path: Path, issues: Issues): undefined => {
  issues.push({ message: `Invalid type: expected ${expected}, received ${received(value)}`, path });
  return undefined;
};

/** What our objects and records take (`valibot.ts`): a non-null object that is not an array. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The keys valibot copies from an object (loose objects, records): its own, bar the prototype's names. */
const copiedKeys = (value: Record<string, unknown>): string[] =>
  Object.keys(value).filter((key) => key !== '__proto__' && key !== 'prototype' && key !== 'constructor');

export interface StringRules {
  readonly min?: number;
  readonly max?: number;
  /** A pattern and the message the valibot schema gives for it. */
  readonly pattern?: readonly [RegExp, string];
  /** Values refused after the pattern, and the message for them (`v.check`). */
  readonly refused?: readonly [readonly string[], string];
}

/** `v.pipe(v.string(), v.minLength, v.maxLength, v.regex, v.check)`: every failing rule, in that order. */
export const string =
  ({ min, max, pattern, refused }: StringRules = {}): Check<string> =>
  (value, path, issues) => {
    if (typeof value !== 'string') return invalidType('string', value, path, issues);
    const before = issues.length;
    if (min !== undefined && value.length < min)
      issues.push({ message: `Invalid min length: expected >=${min}`, path });
    if (max !== undefined && value.length > max)
      issues.push({ message: `Invalid max length: expected <=${max}`, path });
    if (pattern && !pattern[0].test(value)) issues.push({ message: pattern[1], path });
    if (refused?.[0].includes(value)) issues.push({ message: refused[1], path });
    return issues.length === before ? value : undefined;
  };

/** `v.pipe(v.array(item), v.minLength(min))`: each item's issues at its index. */
export const array =
  <T>(item: Check<T>, min?: number): Check<T[]> =>
  (value, path, issues) => {
    if (!Array.isArray(value)) return invalidType('Array', value, path, issues);
    const before = issues.length;
    const items = value.map((v, i) => item(v, [...path, i], issues));
    // valibot runs a pipe's checks on an array whose items failed: they do not change its type.
    if (min !== undefined && value.length < min)
      issues.push({ message: `Invalid min length: expected >=${min}`, path });
    return issues.length === before ? (items as T[]) : undefined;
  };

/** `v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max))`. */
export const integer =
  ({ min, max }: { readonly min?: number; readonly max?: number } = {}): Check<number> =>
  (value, path, issues) => {
    if (typeof value !== 'number' || Number.isNaN(value)) return invalidType('number', value, path, issues);
    const before = issues.length;
    if (!Number.isSafeInteger(value)) issues.push({ message: 'Invalid safe integer', path });
    if (min !== undefined && value < min)
      issues.push({ message: `Invalid min value: expected >=${min}`, path });
    if (max !== undefined && value > max)
      issues.push({ message: `Invalid max value: expected <=${max}`, path });
    return issues.length === before ? value : undefined;
  };

/** `v.boolean()`. */
export const boolean: Check<boolean> = (value, path, issues) =>
  typeof value === 'boolean' ? value : invalidType('boolean', value, path, issues);

/** `v.picklist(options)`. */
export const oneOf =
  <const T extends string>(options: readonly T[]): Check<T> =>
  (value, path, issues) => {
    if (options.includes(value as T)) return value as T;
    const expected = options.map((o) => `"${o}"`).join(' | ');
    return invalidType(options.length > 1 ? `(${expected})` : expected, value, path, issues);
  };

/** Marks a field whose key may be missing from its object (`optional`, `withDefault`). */
const OPTIONAL = Symbol('optional');
type Field<T> = Check<T> & { readonly [OPTIONAL]?: true };
const missingAllowed = <T>(check: Check<T>): Field<T> => Object.assign(check, { [OPTIONAL]: true as const });

/** `v.optional(inner, fallback)`: undefined takes a fresh copy of the fallback (valid, so unchecked). */
export const withDefault = <T>(inner: Check<T>, fallback: () => T): Field<T> =>
  missingAllowed((value, path, issues) => (value === undefined ? fallback() : inner(value, path, issues)));

/** `v.optional(inner)`. */
export const optional = <T>(inner: Check<T>): Field<T | undefined> =>
  missingAllowed((value, path, issues) => (value === undefined ? undefined : inner(value, path, issues)));

export type Shape = Readonly<Record<string, Field<unknown>>>;
type Out<S extends Shape> = { [K in keyof S]: S[K] extends Check<infer T> ? T : never };

/**
 * `v.object` (`strip`), `v.strictObject` (`strict`) or `v.looseObject` (`loose`): the shape's
 * keys in order (a missing one is "required" at its path), then, strict, one issue at the first
 * unknown key naming them all.
 */
export const object =
  <S extends Shape>(shape: S, unknownKeys: 'strip' | 'strict' | 'loose' = 'strip'): Check<Out<S>> =>
  (value, path, issues) => {
    if (!isObject(value)) return invalidType('Object', value, path, issues);
    const before = issues.length;
    const output: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      if (key in value || check[OPTIONAL]) {
        const field = check(value[key], [...path, key], issues);
        if (field !== undefined) output[key] = field;
      } else issues.push({ message: 'required', path: [...path, key] });
    }
    const unknown = unknownKeysOf(value, Object.keys(shape));
    if (unknownKeys === 'strict' && unknown[0] !== undefined)
      issues.push({ message: unknownKeysMessage(unknown, Object.keys(shape)), path: [...path, unknown[0]] });
    if (unknownKeys === 'loose')
      for (const key of copiedKeys(value)) if (!Object.hasOwn(shape, key)) output[key] = value[key];
    return issues.length === before ? (output as Out<S>) : undefined;
  };

/** `v.record(v.string(), item)`. */
export const record =
  <T>(item: Check<T>): Check<Record<string, T>> =>
  (value, path, issues) => {
    if (!isObject(value)) return invalidType('Object', value, path, issues);
    const before = issues.length;
    const output: Record<string, T> = {};
    for (const key of copiedKeys(value)) output[key] = item(value[key], [...path, key], issues) as T;
    return issues.length === before ? output : undefined;
  };

/** Validates with any Standard Schema that answers at once, as ours and valibot's do without async checks. */
export const validateNow = <S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>> => {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise)
    throw new TypeError('a schema with asynchronous checks cannot validate here');
  return result;
};
