import { createHash } from 'node:crypto';

import { formatIssues } from '../issues';
import * as v from '../valibot';
import { PLACEHOLDER_NAME } from './template';

/**
 * A manager fleet's `config.toml` is kept as a template plus its values (`config/manager/`).
 *
 * Template syntax:
 * - `${name}`, name matching `[a-z][a-z0-9_]*`, is replaced by the value called `name`.
 * - `$${` is a literal `${` (for gitlab-runner's own variables such as `${slot}`).
 * - Anything else, `$VAR` and `${UPPER_CASE}` included, is copied as-is.
 *
 * Values (a JSON object, published as a parameter): `{ "<name>": "<literal>" }` is inserted as
 * written (so it can be a number: `id = ${instance_runner_id}`) and must be one line, so template
 * and rendered lines stay aligned; a JSON number or boolean (`"capacity": 2`) is read as its text; `{ "<name>": { "secureParameter": "/path" } }` names a
 * SecureString parameter, read only by the render on the instance. A secret is inserted escaped
 * for a TOML basic string, so write it inside double quotes: `token = "${runner_token}"`.
 */

export {
  PLACEHOLDER_NAME,
  placeholdersOf,
  type Rendered,
  renderTemplate,
  SECRET_DUMMY_PREFIX,
} from './template';

/** An SSM parameter name: letters, digits and `_.-/`, absolute, at most 1011 characters. */
const parameterName = v.pipe(
  v.string(),
  v.regex(
    /^\/[A-Za-z0-9_.\-/]{1,1010}$/,
    'must be an absolute SSM parameter name such as /runner-autopilot/x',
  ),
);

export const ValueRef = v.union([
  v.pipe(v.string(), v.regex(/^[^\r\n]*$/, 'must be one line (so template and rendered line numbers match)')),
  // Where TOML wants a number or a boolean (`capacity_per_instance = ${capacity}`), JSON's own is
  // the natural way to write it; it is kept as its text, which is what the instance renders.
  v.pipe(
    v.union([v.pipe(v.number(), v.finite()), v.boolean()]),
    v.transform((value) => String(value)),
  ),
  v.strictObject({ secureParameter: parameterName }),
]);
export type ValueRef = v.InferOutput<typeof ValueRef>;
export const Values = v.record(
  v.pipe(
    v.string(),
    v.regex(
      PLACEHOLDER_NAME,
      'placeholder names use lowercase letters, digits and _, starting with a letter',
    ),
  ),
  ValueRef,
);
export type Values = v.InferOutput<typeof Values>;

/** Parses a values file's content; throws with every issue listed. */
export const parseValues = (value: unknown, source = 'values'): Values => {
  const result = v.safeParse(Values, value);
  if (result.success) return result.output;
  throw new Error(`${source} is not a valid values file:\n${formatIssues(result.issues)}`);
};

/**
 * JSON with keys sorted at every level, no spaces and non-ASCII escaped: byte for byte what the
 * on-instance script computes with Python's `json.dumps(v, sort_keys=True, separators=(",", ":"))`.
 */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${canonicalJson(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
};

/**
 * The manifest hash of a config source, shared with the instance (image/ssm): sha256 (hex) of the
 * template, a `\n\0\n` separator and the canonical JSON of the values. Secrets enter by parameter
 * name, never by value.
 */
export const configHash = (template: string, values: Values): string =>
  createHash('sha256')
    .update(`${template}\n\0\n${canonicalJson(values)}`, 'utf8')
    .digest('hex');
