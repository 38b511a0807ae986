/** A schema issue as Standard Schema reports it: path segments may be `{ key }` objects (valibot's are). */
export interface SchemaIssue {
  readonly path?: readonly unknown[];
  readonly message: string;
}

const pathOf = (issue: SchemaIssue): string => {
  const path = (issue.path ?? []).map((p) => (typeof p === 'object' && p !== null && 'key' in p ? p.key : p));
  return path.length ? path.join('.') : '(root)';
};

/**
 * Paths and messages only (a value can hold a secret, so it never reaches a message):
 * `lines` puts each issue on its own line so one run shows every mistake in a file; `inline`
 * keeps the first few on one line, for a log line or an HTTP answer.
 */
export const formatIssues = (
  issues: readonly SchemaIssue[],
  style: 'lines' | 'inline' = 'lines',
  max = 10,
): string =>
  style === 'lines'
    ? issues.map((i) => `  - ${pathOf(i)}: ${i.message}`).join('\n')
    : issues
        .slice(0, max)
        .map((i) => `${pathOf(i)}: ${i.message}`)
        .join('; ');
