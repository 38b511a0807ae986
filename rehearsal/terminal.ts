import { FINAL_STATES } from '../functions/shared/rollout/model';
import type { RehearsalResult, TimelineEntry } from './result';

/** The rehearsal on a terminal: the timeline, then the summary. Plain text, no colour. */

const hhmm = (iso: string): string => `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;

const SERVICE_WIDTH = 16;

/** What an entry decided and why: its log lines, else its outcome; the error it died of first. */
const decision = (e: TimelineEntry): string => {
  // A dead invocation's lines say only that a step failed; its error says which call and why.
  const died = e.outcome.startsWith('error ') || e.outcome.startsWith('crashed ');
  const words = died || e.said.length === 0 ? e.outcome : e.said.join('; ');
  return e.attempt > 0 ? `${words} (retry ${e.attempt})` : words;
};

/**
 * One line per invocation: time, function, what it decided and why, and what delivered it.
 * A function deciding the same thing again and again (the reconciler finding nothing to do every
 * five minutes) is one line with its count and its last time, whatever other functions did between.
 */
export const timelineLines = (result: RehearsalResult): string[] => {
  const runs: { entry: TimelineEntry; words: string; count: number; last: string }[] = [];
  const open = new Map<string, (typeof runs)[number]>();
  for (const entry of result.timeline) {
    const words = decision(entry);
    const run = open.get(entry.service);
    if (run && run.words === words) {
      run.count += 1;
      run.last = entry.at;
      continue;
    }
    const next = { entry, words, count: 1, last: entry.at };
    runs.push(next);
    open.set(entry.service, next);
  }
  return runs.map((run) => {
    const repeat = run.count > 1 ? ` (x${run.count}, until ${hhmm(run.last)})` : '';
    return `${hhmm(run.entry.at)}  ${run.entry.service.padEnd(SERVICE_WIDTH)} ${run.words}${repeat}  [${run.entry.via}]`;
  });
};

const table = (head: string[], rows: (string | number)[][]): string[] => {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  return cells.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
  );
};

export const summaryLines = (result: RehearsalResult): string[] => {
  const { safety } = result;
  const calls = Object.entries(result.apiCalls)
    .map(([service, byApi]) => {
      const total = Object.values(byApi).reduce((a, b) => a + b, 0);
      const top = Object.entries(byApi)
        .sort((a, b) => b[1] - a[1])
        .map(([api, n]) => `${api} ${n}`)
        .join(', ');
      return { service, total, top };
    })
    .sort((a, b) => b.total - a.total);
  const managers = Object.entries(safety.mostManagers);
  const mostManagers = Math.max(0, ...managers.map(([, n]) => n));
  const mark = (ok: boolean) => (ok ? 'ok' : 'BROKEN');
  const unfinished = result.rollouts.filter((r) => {
    const last = r.states.at(-1)?.state;
    return last !== undefined && !FINAL_STATES.has(last);
  });
  return [
    `Summary: ${result.config}, ${result.from} to ${result.until}${result.faults.length ? `, with ${result.faults.join(' ')}` : ''}`,
    '',
    ...table(
      ['fleet', 'bakes', 'candidates', 'promotions', 'rollbacks', 'drains', 'replacements'],
      result.fleets.map((f) => [
        f.fleet,
        f.bakes,
        f.candidates,
        f.promotions,
        f.rollbacks,
        f.drains,
        f.replacements,
      ]),
    ),
    '',
    `Jobs: ${result.jobs.started} started, ${result.jobs.finished} finished, ${result.jobs.waitingAtEnd} waiting at the end.`,
    '',
    result.alerts.length === 0
      ? 'Alerts: none would have been sent.'
      : `Alerts that would have been sent (${result.alerts.length}):`,
    ...result.alerts.flatMap((a) => [
      `  ${hhmm(a.at)}  ${a.subject}`,
      ...a.text.split('\n').map((l) => `      ${l}`),
    ]),
    '',
    `AWS API calls per function (${calls.reduce((a, c) => a + c.total, 0)} in all):`,
    ...calls.map((c) => `  ${c.service.padEnd(SERVICE_WIDTH)} ${String(c.total).padStart(6)}  ${c.top}`),
    '',
    'Safety:',
    `  jobs killed: ${safety.jobsKilled} (must be 0) ${mark(safety.jobsKilled === 0)}`,
    `  most managers at once: ${managers.map(([g, n]) => `${n} in ${g}`).join(', ') || 'no manager group'} (must be 1) ${mark(mostManagers <= 1)}`,
    `  rollouts not finished: ${safety.rolloutsUnfinished}${unfinished.map((r) => `; ${r.fleet} ${r.kind} ${r.states.at(-1)?.state}: ${r.states.at(-1)?.note}`).join('')}`,
    ...safety.violations.map((v) => `  BROKEN: ${v}`),
  ];
};
