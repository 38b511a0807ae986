import type { RolloutState } from '../functions/shared/rollout/model';

/** What a rehearsal saw: the timeline, the instances and rollouts over time, and the summary. */

export interface TimelineEntry {
  readonly at: string;
  readonly service: string;
  /** What delivered it: the rule and event, or the schedule. */
  readonly via: string;
  readonly attempt: number;
  /** Its outcome, as the handler returned it (or the error it died of). */
  readonly outcome: string;
  /** What it logged at info and above: its decisions and their reasons, in the logs' words. */
  readonly said: readonly string[];
}

export interface JobSpan {
  readonly id: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /** Set when an instance it ran on was terminated under it. */
  readonly killedAt?: string;
}

export interface InstanceSpan {
  readonly id: string;
  readonly group?: string;
  readonly role: 'manager' | 'canary' | 'job';
  readonly imageId: string;
  readonly launchedAt: string;
  readonly endedAt?: string;
  readonly jobs: readonly JobSpan[];
}

export interface RolloutTrack {
  /** The lead fleet of the launch template. */
  readonly fleet: string;
  /** Every fleet the candidate serves (those launching from the same template). */
  readonly fleets: readonly string[];
  readonly kind: string;
  readonly candidateId: string;
  readonly states: readonly { readonly state: RolloutState; readonly at: string; readonly note: string }[];
}

export interface FleetFigures {
  readonly fleet: string;
  readonly bakes: number;
  readonly candidates: number;
  readonly promotions: number;
  readonly rollbacks: number;
  /** Manager drains: before a replacement, and graceful restarts (both wait for running jobs). */
  readonly drains: number;
  /** Manager fleets: managers replaced; jobs fleets: job instances launched on a new image. */
  readonly replacements: number;
}

export interface AlertSent {
  readonly at: string;
  readonly subject: string;
  readonly text: string;
}

export interface SafetyFigures {
  /** Jobs running on an instance when it was terminated: must be 0. */
  readonly jobsKilled: number;
  /** Per manager group, the most manager instances live at once: must be 1. */
  readonly mostManagers: Readonly<Record<string, number>>;
  /** Rollouts still in a non-final state at the end of the night. */
  readonly rolloutsUnfinished: number;
  /** Every broken rule, in words. */
  readonly violations: readonly string[];
}

export interface RehearsalResult {
  readonly config: string;
  readonly from: string;
  readonly until: string;
  /** The faults asked for, as given on the command line. */
  readonly faults: readonly string[];
  readonly timeline: readonly TimelineEntry[];
  readonly instances: readonly InstanceSpan[];
  readonly rollouts: readonly RolloutTrack[];
  readonly fleets: readonly FleetFigures[];
  readonly alerts: readonly AlertSent[];
  /** Per function, its AWS API calls by operation. */
  readonly apiCalls: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly jobs: { readonly started: number; readonly finished: number; readonly waitingAtEnd: number };
  readonly safety: SafetyFigures;
  /** False when a safety figure is broken. */
  readonly ok: boolean;
}
