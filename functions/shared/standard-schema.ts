import type { StandardSchemaV1 } from '@standard-schema/spec';

export type { StandardSchemaV1 };

/** Validates with any Standard Schema that answers at once, as valibot's do without async checks. */
export const validateNow = <S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>> => {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise)
    throw new TypeError('a schema with asynchronous checks cannot validate here');
  return result;
};
