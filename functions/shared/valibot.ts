import { type BaseIssue, setGlobalMessage } from 'valibot';

/**
 * The schema library of every function and of the config loader: valibot, whose schemas are plain
 * objects built by small functions (a cold start pays for the schemas a function builds, not for a
 * class hierarchy). Import it as `import * as v from '<path>/shared/valibot'`, never from 'valibot':
 * the messages must be set before any schema parses.
 *
 * valibot's own messages quote the value they refused ("Expected ... but received \"...\""), and
 * a value can be a secret (a token pasted in the wrong field): ours name what was expected and the
 * value's type only. A schema's or check's own message still wins.
 */
export const issueMessage = (issue: BaseIssue<unknown>): string => {
  const last = issue.path?.at(-1);
  if (last?.origin === 'key' && issue.expected === 'never') return 'unknown key';
  if (last?.origin === 'key' && issue.input === undefined) return 'required';
  if (issue.kind === 'schema')
    return `Invalid type: expected ${issue.expected}, received ${typeOf(issue.input)}`;
  const rule = issue.type.replaceAll('_', ' ');
  return issue.expected === null ? `Invalid ${rule}` : `Invalid ${rule}: expected ${issue.expected}`;
};

const typeOf = (input: unknown): string => {
  if (input === null) return 'null';
  return Array.isArray(input) ? 'array' : typeof input;
};

setGlobalMessage(issueMessage);

export * from 'valibot';
