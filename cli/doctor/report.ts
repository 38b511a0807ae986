import { AREAS, type Finding, type Status } from './finding';

/** `doctor`'s output: pass / warn / fail per finding, grouped by area, then the counts. */

const LABEL: Record<Status, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL' };

const counts = (findings: readonly Finding[]): Record<Status, number> => ({
  pass: findings.filter((f) => f.status === 'pass').length,
  warn: findings.filter((f) => f.status === 'warn').length,
  fail: findings.filter((f) => f.status === 'fail').length,
});

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export const renderText = (findings: readonly Finding[]): string => {
  const lines: string[] = [];
  for (const area of AREAS) {
    const of = findings.filter((f) => f.area === area);
    if (of.length === 0) continue;
    lines.push(area);
    for (const f of of) {
      lines.push(`  ${LABEL[f.status]}  ${f.subject}: ${f.says}`);
      if (f.fix) lines.push(`        fix: ${f.fix}`);
    }
  }
  const n = counts(findings);
  lines.push('', `${plural(n.pass, 'check')} passed, ${plural(n.warn, 'warning')}, ${n.fail} failed`);
  return lines.join('\n');
};

/** `--json`: a stable shape for CI: `{ ok, counts, findings }`. */
export const renderJson = (findings: readonly Finding[]): string =>
  JSON.stringify({ ok: exitCode(findings) === 0, counts: counts(findings), findings }, null, 2);

/** 3 on any fail (1 and 2 are the CLI's error and usage codes); warnings alone do not fail a pipeline. */
export const exitCode = (findings: readonly Finding[]): number =>
  findings.some((f) => f.status === 'fail') ? 3 : 0;
