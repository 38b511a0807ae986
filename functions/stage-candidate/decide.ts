import type { StepResult } from '../shared/rollout/context';

export type StagingOutcome =
  | { readonly outcome: 'staged'; readonly reason: string; readonly results: readonly StepResult[] }
  | { readonly outcome: 'no-fleet'; readonly reason: string; readonly results: readonly [] };

/** What staging an image came to: each fleet's new state, or that no fleet is fed by its pipeline. */
export const stagingOutcome = (pipeline: string, results: readonly StepResult[]): StagingOutcome =>
  results.length
    ? { outcome: 'staged', reason: results.map((r) => `${r.fleet}: ${r.to}`).join('; '), results }
    : { outcome: 'no-fleet', reason: `no fleet is fed by pipeline ${pipeline}`, results: [] };
