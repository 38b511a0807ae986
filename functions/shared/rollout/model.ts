/**
 * What the ledger keeps of the suite's work on a fleet: one DynamoDB item per fleet and
 * candidate image (a rollout), manager restart or config apply. Every step reads the item, decides
 * from it and from facts fetched from AWS, acts, and writes the item back under an optimistic lock
 * (`revision`), so a redelivered event or a crash between two calls ends in the same state.
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
  /** Passed, but held: a freeze window, a firing rollback alarm or the emergency brake; retried. */
  'promotion-deferred',
  /** Manager: promoted (or a restart asked for), waiting for a maintenance window and the lease. */
  'awaiting-maintenance',
  /** Manager: the drain (restart, restarting apply) command runs until every running job finished. */
  'draining',
  /** Manager: the old manager was terminated through its group; waiting for the new one. */
  'replacing',
  /** Manager: the health command runs on the new manager. */
  'verifying',
  /** Promoted; rollback alarms are watched until the bake period ends. */
  'baking',
  /** Rolled out and baked (restart done, config applied). */
  'done',
  /** Canary failed, timed out or was held too long: the default version never changed. */
  'rejected',
  /** Manager: rolling back, draining the new manager to replace it on the previous version. */
  'rollback-draining',
  /** Manager: rolling back, waiting for the replacement on the previous version. */
  'rollback-replacing',
  /** Manager: rolling back, the health command runs on the replacement. */
  'rollback-verifying',
  /** The previous default is back (and, for a manager, running). */
  'rolled-back',
  /** A newer candidate was promoted on the same template before this one ended: it carries on. */
  'superseded',
  /** Gave up (bounded waits exceeded, resource deleted); needs a person. */
  'failed',
] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const FINAL_STATES: ReadonlySet<RolloutState> = new Set([
  'refused',
  'done',
  'rejected',
  'rolled-back',
  'superseded',
  'failed',
]);
export type FinalState = 'refused' | 'done' | 'rejected' | 'rolled-back' | 'superseded' | 'failed';

export interface HistoryEntry {
  readonly at: string;
  readonly state: RolloutState;
  readonly note: string;
}

/** An SSM command the current state waits for, with the instance it runs on. */
export interface AwaitedCommand {
  readonly commandId: string;
  readonly instanceId: string;
}

/** What every item kind shares: where it is, since when, until when, and why. */
interface ItemBase {
  /** The lead fleet: the first by name of the fleets sharing the launch template. */
  readonly fleet: string;
  /** Every fleet whose group launches from this launch template (a candidate serves them all). */
  readonly fleets: readonly string[];
  /** Stable per item: the root of every client token, schedule and command comment. */
  readonly candidateId: string;
  readonly role: 'jobs' | 'manager';
  readonly pipeline: string;
  readonly state: RolloutState;
  /** ISO time the item entered `state`. */
  readonly stateSince: string;
  /** SSM commands whose verdict the current state waits for. */
  readonly commands?: readonly AwaitedCommand[];
  /** Manager: the instance drained (restarted, applied to); never confused with its replacement. */
  readonly managerInstanceId?: string;
  /** Manager: the replacement found after a drain, on which the health command runs. */
  readonly replacementInstanceId?: string;
  /**
   * Manager: `ReplaceUnhealthy` was suspended by this item around its drain (recorded before the
   * call), so it is resumed by this item and by nothing else.
   */
  readonly suspendedReplaceUnhealthy?: boolean;
  /** A rollback of a manager being replaced: drains at once, inside a window or not. */
  readonly immediate?: boolean;
  /** Scheduled re-checks made so far in the current state. */
  readonly attempts: number;
  /** ISO time after which the current state times out (every non-final state has one). */
  readonly deadline?: string;
  /** ISO time a deferred step is due. */
  readonly dueAt?: string;
  readonly reason?: string;
  /** Last lines of a command's output, secret-free by construction of the scripts. */
  readonly excerpt?: string;
  readonly history: readonly HistoryEntry[];
  /** Optimistic lock: every write expects the revision it read. */
  readonly revision: number;
}

/** A candidate image rolled out to the fleets of one launch template. */
export interface ImageRollout extends ItemBase {
  readonly kind: 'rollout';
  readonly imageArn: string;
  readonly amiId: string;
  readonly launchTemplateId?: string;
  readonly candidateVersion?: number;
  /** The default version before promotion: the rollback target. */
  readonly previousDefault?: number;
  readonly canaryInstanceId?: string;
  readonly promotedAt?: string;
  /** The previous default is being restored (recorded before the call, so a retry knows it). */
  readonly restoring?: boolean;
  /** A default version found in place of the promoted one, already alerted. */
  readonly revertNoticed?: number;
}

/** A graceful manager restart asked for by a jobs fleet's `recycle` strategy. */
export interface ManagerRestart extends ItemBase {
  readonly kind: 'restart';
  /** Recycles the fleets back onto a rollback's restored default: like a rollback, never held by a brake. */
  readonly afterRollback?: boolean;
  readonly role: 'manager';
}

/** An apply (or drift check) of a manager fleet's config.toml. */
export interface ConfigApply extends ItemBase {
  readonly kind: 'config';
  readonly role: 'manager';
  readonly mode: 'apply' | 'drift';
  /** What started it. */
  readonly trigger: string;
  /** The published config's hash. */
  readonly configHash?: string;
  readonly result?: string;
}

export type Rollout = ImageRollout | ManagerRestart | ConfigApply;

/** A fleet's manager lease: drain, replace, recycle, roll back and restarting applies never overlap. */
export interface Lease {
  readonly fleet: string;
  readonly holder: string;
  readonly action: string;
  readonly acquiredAt: string;
  readonly expiresAt: string;
}

/** Where an emergency brake applies: one fleet by name, or every fleet of the deployment. */
export const ALL_FLEETS = '*';

/**
 * An emergency brake an operator set (`runner-autopilot freeze`): until `until`, promotion, the
 * start of a drain, a manager restart and a config apply of `scope` are held. Rollbacks are not.
 */
export interface Brake {
  /** A fleet name, or {@link ALL_FLEETS}. */
  readonly scope: string;
  readonly until: string;
  readonly reason: string;
  readonly who: string;
  readonly setAt: string;
}
