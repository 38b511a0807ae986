/**
 * The rollout of one candidate image to one fleet, as the ledger keeps it (one DynamoDB item per
 * fleet and candidate). Every step reads the item, decides from it and from facts fetched from
 * AWS, applies the decision, and writes the item back under an optimistic lock (`revision`), so
 * a redelivered event or a crash between two calls ends in the same state.
 */

export const ROLLOUT_STATES = [
  /** The fleet's group failed its pre-flight check; nothing was created. */
  'refused',
  /** Candidate launch template version created (not default); the canary is being launched. */
  'staged',
  /** Canary launched; scheduled checks wait for it to come online in SSM. */
  'canary-booting',
  /** Smoke command(s) sent; the SSM command status event brings the verdict. */
  'canary-testing',
  /** Config apply: the command runs with no restart allowed (live apply, in sync, or drift report). */
  'applying',
  /** Passed, but inside a freeze window: promotion is scheduled at the window's end. */
  'promotion-deferred',
  /** Manager fleet: promoted, waiting for a maintenance window and the fleet's lease. */
  'awaiting-maintenance',
  /** Manager fleet: the drain command runs until every running job has finished. */
  'draining',
  /** Manager fleet: the old manager was terminated through its group; waiting for the new one. */
  'replacing',
  /** Manager fleet: the health command runs on the new manager. */
  'verifying',
  /** Promoted; rollback alarms are watched until the bake period ends. */
  'baking',
  /** Rolled out and baked. */
  'done',
  /** Canary failed or timed out: the default version never changed. */
  'rejected',
  /** Manager fleet: rolling back, draining the new manager to replace it on the previous version. */
  'rollback-draining',
  /** Manager fleet: rolling back, waiting for the replacement on the previous version. */
  'rollback-replacing',
  /** The previous default is back (and, for a manager, running). */
  'rolled-back',
  /** Gave up (bounded waits exceeded, resource deleted); needs a person. */
  'failed',
] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const FINAL_STATES: ReadonlySet<RolloutState> = new Set([
  'refused',
  'done',
  'rejected',
  'rolled-back',
  'failed',
]);

export interface HistoryEntry {
  readonly at: string;
  readonly state: RolloutState;
  readonly note: string;
}

export interface Rollout {
  /**
   * `rollout`: a candidate image to a fleet. `restart`: a graceful manager restart asked for by a
   * jobs fleet's `recycle` strategy. `config`: an apply (or drift check) of the manager's
   * config.toml. Restarts and restarting applies use the same lease, windows and command states.
   */
  readonly kind: 'rollout' | 'restart' | 'config';
  /** Config applies: `apply` or `drift`, what started it, the published hash, and the result. */
  readonly mode?: 'apply' | 'drift';
  readonly trigger?: string;
  readonly configHash?: string;
  readonly result?: string;
  /** The lead fleet: the first by name of the fleets sharing the launch template. */
  readonly fleet: string;
  /** Every fleet whose group launches from this launch template (a candidate serves them all). */
  readonly fleets: readonly string[];
  /** Stable per fleet and image: `hash(fleet, imageArn)`; also the root of every client token. */
  readonly candidateId: string;
  readonly role: 'jobs' | 'manager';
  readonly pipeline: string;
  readonly imageArn: string;
  readonly amiId: string;
  readonly state: RolloutState;
  /** ISO time the item entered `state`. */
  readonly stateSince: string;
  readonly launchTemplateId?: string;
  readonly candidateVersion?: number;
  /** The default version before promotion: the rollback target. */
  readonly previousDefault?: number;
  readonly canaryInstanceId?: string;
  /** SSM commands whose verdict the current state waits for, with the instance each runs on. */
  readonly commands?: readonly { readonly commandId: string; readonly instanceId: string }[];
  /** Manager fleets: the instance being drained / replaced. */
  readonly managerInstanceId?: string;
  /** Scheduled re-checks made so far in the current state. */
  readonly attempts: number;
  /** ISO time after which the current wait fails. */
  readonly deadline?: string;
  /** ISO time a deferred step is due. */
  readonly dueAt?: string;
  readonly promotedAt?: string;
  readonly reason?: string;
  /** Last lines of the smoke output, secret-free by construction of the scripts. */
  readonly excerpt?: string;
  readonly history: readonly HistoryEntry[];
  /** A default version found in place of the promoted one, already alerted. */
  readonly revertNoticed?: number;
  /** Optimistic lock: every write expects the revision it read. */
  readonly revision: number;
}

/** A fleet's manager lease: drain, replace, recycle, roll back and restarting applies never overlap. */
export interface Lease {
  readonly fleet: string;
  readonly holder: string;
  readonly action: string;
  readonly acquiredAt: string;
  readonly expiresAt: string;
}
