import type { Values } from './render';

/**
 * Rendering a `config.toml` template (syntax in `render.ts`), apart from the values' schema: the
 * apply function renders values the stack validated when it published them, and so builds no
 * schema at import.
 */

export const PLACEHOLDER_NAME = /^[a-z][a-z0-9_]*$/;
/** `$${` (a literal `${`) or a placeholder. */
const TOKEN = /\$\$\{|\$\{([a-z][a-z0-9_]*)\}/g;
/** What a secret renders as without a resolver: a string that lints but is no secret. */
export const SECRET_DUMMY_PREFIX = 'secret:';

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
