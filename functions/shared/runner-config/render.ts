import { createHash } from 'node:crypto';

import { formatIssues } from '../issues';
import * as z from '../zod';

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

export const PLACEHOLDER_NAME = /^[a-z][a-z0-9_]*$/;
/** `$${` (a literal `${`) or a placeholder. */
const TOKEN = /\$\$\{|\$\{([a-z][a-z0-9_]*)\}/g;
/** What a secret renders as without a resolver: a string that lints but is no secret. */
export const SECRET_DUMMY_PREFIX = 'secret:';

/** An SSM parameter name: letters, digits and `_.-/`, absolute, at most 1011 characters. */
const parameterName = z
  .string()
  .check(
    z.regex(
      /^\/[A-Za-z0-9_.\-/]{1,1010}$/,
      'must be an absolute SSM parameter name such as /runner-autopilot/x',
    ),
  );

export const ValueRef = z.union([
  z.string().check(z.regex(/^[^\r\n]*$/, 'must be one line (so template and rendered line numbers match)')),
  // Where TOML wants a number or a boolean (`capacity_per_instance = ${capacity}`), JSON's own is
  // the natural way to write it; it is kept as its text, which is what the instance renders.
  z.pipe(
    z.union([z.number().check(z.refine(Number.isFinite)), z.boolean()]),
    z.transform((v) => String(v)),
  ),
  z.strictObject({ secureParameter: parameterName }),
]);
export type ValueRef = z.infer<typeof ValueRef>;
export const Values = z.record(z.string(), ValueRef).check(
  z.superRefine((values, ctx) => {
    for (const name of Object.keys(values))
      if (!PLACEHOLDER_NAME.test(name))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'placeholder names use lowercase letters, digits and _, starting with a letter',
        });
  }),
);
export type Values = z.infer<typeof Values>;

/** Parses a values file's content; throws with every issue listed. */
export const parseValues = (value: unknown, source = 'values'): Values => {
  const result = Values.safeParse(value);
  if (result.success) return result.data;
  throw new Error(`${source} is not a valid values file:\n${formatIssues(result.error.issues)}`);
};

export interface Rendered {
  text: string;
  /** Placeholder names with no value, in order of first use; they are left as `${name}`. */
  unresolved: string[];
  /** SecureString parameter names the template uses, in order of first use. */
  secretsUsed: string[];
}

/** Escapes a value for the inside of a TOML basic string ("..."). */
const escapeBasic = (value: string): string =>
  // Control characters are exactly what must be escaped here.
  // eslint-disable-next-line no-control-regex
  value.replace(/["\\\u0000-\u001f\u007f]/g, (c) =>
    c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/**
 * Renders a template. Pure: secrets come from `resolveSecret` (on the instance only); without it a
 * secret renders as `secret:<parameter name>`, so the Lambda can lint a template it never holds
 * secrets for.
 */
export const renderTemplate = (
  template: string,
  values: Values,
  resolveSecret?: (path: string) => string,
): Rendered => {
  const unresolved = new Set<string>();
  const secretsUsed = new Set<string>();
  const text = template.replace(TOKEN, (match, name: string | undefined) => {
    if (name === undefined) return '${';
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) {
      unresolved.add(name);
      return match;
    }
    if (typeof value === 'string') return value;
    secretsUsed.add(value.secureParameter);
    return resolveSecret
      ? escapeBasic(resolveSecret(value.secureParameter))
      : `${SECRET_DUMMY_PREFIX}${value.secureParameter}`;
  });
  return { text, unresolved: [...unresolved], secretsUsed: [...secretsUsed] };
};

/** The placeholder names a template uses, in order of first use. */
export const placeholdersOf = (template: string): string[] => [
  ...new Set([...template.matchAll(TOKEN)].flatMap((m) => (m[1] === undefined ? [] : [m[1]]))),
];

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
