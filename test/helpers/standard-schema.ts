import type { StandardSchemaV1 } from '@standard-schema/spec';

import { formatIssues } from '../../functions/shared/issues';
import { validateNow } from '../../functions/shared/standard-schema';

/** Like valibot's `parse`, for any Standard Schema: the value, or an error naming every issue. */
export const parseStandard = <S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): StandardSchemaV1.InferOutput<S> => {
  const result = validateNow(schema, value);
  if (result.issues) throw new Error(formatIssues(result.issues));
  return result.value;
};
