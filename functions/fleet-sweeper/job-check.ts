/**
 * What `image/ssm/job-check.sh` prints, and what one SSM invocation of it means. Pure.
 *
 * Contract: progress lines, then `JOBS <n>` and, last, `RESULT busy` or `RESULT idle` (exit 0),
 * or `RESULT fail: <reason>` (exit 1) when the instance could not tell.
 */

/** One answer of an instance to the job check, as the sweeper reads it from command history. */
export type JobAnswer =
  | { readonly kind: 'busy'; readonly jobs: number; readonly at: Date }
  | { readonly kind: 'idle'; readonly at: Date }
  /** Sent and not finished yet: asked, so not asked again. */
  | { readonly kind: 'pending'; readonly at: Date }
  /** Finished without an answer (failed, timed out, undeliverable, unparseable output). */
  | { readonly kind: 'failed'; readonly at: Date };

/** SSM invocation statuses that are not final yet. */
const RUNNING = new Set(['Pending', 'InProgress', 'Delayed']);

/** `busy` / `idle` with the job count, or `undefined` when the output carries no valid answer. */
export const parseJobCheckOutput = (
  output: string,
): { result: 'busy'; jobs: number } | { result: 'idle' } | undefined => {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines[lines.length - 1];
  const jobsLine = [...lines].reverse().find((l) => /^JOBS \d+$/.test(l));
  const jobs = jobsLine === undefined ? undefined : Number(jobsLine.slice(5));
  if (last === 'RESULT idle') return jobs === undefined || jobs === 0 ? { result: 'idle' } : undefined;
  // A busy answer without a count still means busy: count one job.
  if (last === 'RESULT busy') return { result: 'busy', jobs: Math.max(1, jobs ?? 1) };
  return undefined;
};

/** The answer of one invocation (its status, output and when the command was sent). */
export const answerOf = (invocation: { status: string; output: string; requestedAt: Date }): JobAnswer => {
  const at = invocation.requestedAt;
  if (RUNNING.has(invocation.status)) return { kind: 'pending', at };
  if (invocation.status !== 'Success') return { kind: 'failed', at };
  const parsed = parseJobCheckOutput(invocation.output);
  if (!parsed) return { kind: 'failed', at };
  return parsed.result === 'busy' ? { kind: 'busy', jobs: parsed.jobs, at } : { kind: 'idle', at };
};
