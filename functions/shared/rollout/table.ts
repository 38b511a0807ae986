import type { Fleet } from '../fleet';
import type { TriggerKind } from './context';
import { drainCommandSeconds, drainWindowMinutes, maintenanceTiming } from './decide';
import type { Rollout, RolloutState } from './model';

/**
 * The rollout's state machine, in one place: for each state, the step each trigger runs, how
 * long the state may last, and the step its deadline runs. The event path (schedules, SSM
 * status events, rollback requests) and the reconciler both read it; neither has a table of its
 * own. The table names steps only: each function registers the step code it runs (see
 * `engine.ts`), so a bundle holds only its own workflows.
 */

export const STEP_NAMES = [
  'launch-canary',
  'check-canary',
  'read-smoke',
  'reject-stale',
  'promote',
  'end-bake',
  'start-drain',
  'read-drain',
  'check-replacement',
  'read-health',
  'roll-back',
  'read-apply',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** A cell of the table: one step, or one per item kind where the kinds part ways. */
export type Cell = StepName | Readonly<Record<Rollout['kind'], StepName>>;

export interface DeadlineFacts {
  readonly now: Date;
  readonly item: Rollout;
  readonly lead: Fleet;
  /** The manager fleet of the item (the lead itself for a manager fleet). */
  readonly manager: Fleet | undefined;
}

export interface StateRule {
  /** When the state times out, from the facts at the moment the item enters it (live states). */
  readonly deadline?: (facts: DeadlineFacts) => Date;
  /** The step a passed deadline runs; it may still find the awaited result (live states). */
  readonly timeout?: Cell;
  readonly on: Partial<Readonly<Record<Exclude<TriggerKind, 'timeout'>, Cell>>>;
}

const MINUTE = 60_000;
const minutesAfter = (at: Date, minutes: number): Date => new Date(at.getTime() + minutes * MINUTE);

/** A scheduled step delivery or an SSM event can be late by this much before it counts as lost. */
export const SLACK_MINUTES = 10;
/** SSM command margin over the work it waits for (start-up, reporting). */
export const COMMAND_MARGIN_SECONDS = 600;
/** How long an instance has to pick a command up. */
export const DELIVERY_TIMEOUT_SECONDS = 600;
/** A promotion held by a firing rollback alarm waits this long for it to clear, then is rejected. */
export const ALARM_HOLD_MINUTES = 24 * 60;
/** Waiting for a maintenance window and the lease: a weekly window plus a day of held leases. */
export const MAINTENANCE_WAIT_MINUTES = 8 * 24 * 60;

/** Minutes a manager's lease must outlast: the longest command its holder may run, plus slack. */
export const leaseMinutes = (manager: Fleet, kind: Rollout['kind']): number =>
  Math.max(
    manager.maxJobMinutes + manager.healthTimeoutMinutes + 60,
    Math.ceil(drainCommandSeconds(manager, kind) / 60) + 30,
  );

const drainMinutes = ({ manager, item }: DeadlineFacts): number =>
  manager ? Math.ceil((drainCommandSeconds(manager, item.kind) + DELIVERY_TIMEOUT_SECONDS) / 60) : 0;

const healthCommandMinutes = (COMMAND_MARGIN_SECONDS + DELIVERY_TIMEOUT_SECONDS) / 60 + SLACK_MINUTES;

const dueOrNow = ({ item, now }: DeadlineFacts): Date => (item.dueAt ? new Date(item.dueAt) : now);

const readDrain: Cell = { rollout: 'read-drain', restart: 'read-drain', config: 'read-apply' };

export const TABLE: Readonly<Partial<Record<RolloutState, StateRule>>> = {
  staged: {
    deadline: ({ now }) => minutesAfter(now, 3 * SLACK_MINUTES),
    timeout: 'reject-stale',
    on: { reconcile: 'launch-canary' },
  },
  'canary-booting': {
    deadline: ({ now, lead }) => minutesAfter(now, lead.canary.onlineTimeoutMinutes),
    timeout: 'check-canary',
    on: { 'canary-check': 'check-canary', reconcile: 'check-canary' },
  },
  'canary-testing': {
    deadline: ({ now, lead }) =>
      minutesAfter(now, lead.canary.smokeTimeoutMinutes + DELIVERY_TIMEOUT_SECONDS / 60 + SLACK_MINUTES),
    timeout: 'read-smoke',
    on: { command: 'read-smoke', reconcile: 'read-smoke', passed: 'promote' },
  },
  'promotion-deferred': {
    deadline: (facts) => minutesAfter(dueOrNow(facts), ALARM_HOLD_MINUTES),
    timeout: 'promote',
    on: { promote: 'promote', reconcile: 'promote' },
  },
  applying: {
    deadline: ({ now }) => minutesAfter(now, (2 * COMMAND_MARGIN_SECONDS) / 60 + SLACK_MINUTES),
    timeout: 'read-apply',
    on: { command: 'read-apply', reconcile: 'read-apply' },
  },
  'awaiting-maintenance': {
    deadline: ({ now, manager }) => {
      // Longer when the next window long enough for a drain is far off (a monthly window).
      const timing = manager ? maintenanceTiming(manager, now, drainWindowMinutes(manager)) : undefined;
      const late = timing?.kind === 'wait' ? minutesAfter(timing.until, 24 * 60).getTime() : 0;
      return new Date(Math.max(minutesAfter(now, MAINTENANCE_WAIT_MINUTES).getTime(), late));
    },
    timeout: 'start-drain',
    on: { maintenance: 'start-drain', reconcile: 'start-drain', rollback: 'roll-back' },
  },
  draining: {
    deadline: (facts) => minutesAfter(facts.now, drainMinutes(facts) + SLACK_MINUTES),
    timeout: readDrain,
    on: { command: readDrain, reconcile: readDrain, rollback: 'roll-back' },
  },
  replacing: {
    deadline: ({ now, manager }) => minutesAfter(now, manager?.healthTimeoutMinutes ?? 0),
    timeout: 'check-replacement',
    on: { 'health-check': 'check-replacement', reconcile: 'check-replacement', rollback: 'roll-back' },
  },
  verifying: {
    deadline: ({ now }) => minutesAfter(now, healthCommandMinutes),
    timeout: 'read-health',
    on: { command: 'read-health', reconcile: 'read-health', rollback: 'roll-back' },
  },
  baking: {
    deadline: ({ now, lead }) => minutesAfter(now, lead.bakePeriodMinutes),
    timeout: 'end-bake',
    on: { 'bake-end': 'end-bake', reconcile: 'end-bake', rollback: 'roll-back' },
  },
  'rollback-draining': {
    // It may first wait for a window and for the lease, then drain.
    deadline: (facts) =>
      minutesAfter(
        dueOrNow(facts),
        (facts.manager ? leaseMinutes(facts.manager, facts.item.kind) : 0) +
          drainMinutes(facts) +
          SLACK_MINUTES,
      ),
    timeout: 'read-drain',
    on: { maintenance: 'start-drain', command: 'read-drain', reconcile: 'read-drain' },
  },
  'rollback-replacing': {
    deadline: ({ now, manager }) => minutesAfter(now, manager?.healthTimeoutMinutes ?? 0),
    timeout: 'check-replacement',
    on: { 'health-check': 'check-replacement', reconcile: 'check-replacement' },
  },
  'rollback-verifying': {
    deadline: ({ now }) => minutesAfter(now, healthCommandMinutes),
    timeout: 'read-health',
    on: { command: 'read-health', reconcile: 'read-health' },
  },
  // A person may roll back a finished rollout (rollback requests only; see `rollbackTarget`).
  done: { on: { rollback: 'roll-back' } },
};

/**
 * The states each step may leave its item in, its own writes and those of the steps it hands on
 * to. The engine refuses a step that ends elsewhere, so this list and the code cannot drift.
 */
export const STEP_TARGETS: Readonly<Record<StepName, readonly RolloutState[]>> = {
  'launch-canary': ['canary-booting', 'rejected'],
  'check-canary': ['canary-booting', 'canary-testing', 'rejected'],
  'read-smoke': [
    'canary-testing',
    'rejected',
    'promotion-deferred',
    'awaiting-maintenance',
    'draining',
    'replacing',
    'baking',
    'failed',
  ],
  'reject-stale': ['rejected'],
  promote: [
    'promotion-deferred',
    'rejected',
    'awaiting-maintenance',
    'draining',
    'replacing',
    'baking',
    'failed',
    // A retry that finds the candidate already the default and an alarm firing rolls it back.
    'rolled-back',
    'rollback-draining',
    'rollback-replacing',
    'superseded',
  ],
  'end-bake': [
    'baking',
    'done',
    'rolled-back',
    'rollback-draining',
    'rollback-replacing',
    'superseded',
    'failed',
  ],
  'start-drain': [
    'awaiting-maintenance',
    'draining',
    'replacing',
    'done',
    'failed',
    'rollback-draining',
    'rollback-replacing',
  ],
  'read-drain': ['draining', 'rollback-draining', 'replacing', 'rollback-replacing', 'done', 'failed'],
  'check-replacement': [
    'replacing',
    'rollback-replacing',
    'verifying',
    'rollback-verifying',
    'rollback-draining',
    'rolled-back',
    'superseded',
    'failed',
  ],
  'read-health': [
    'verifying',
    'rollback-verifying',
    'baking',
    'rollback-draining',
    'rollback-replacing',
    'rolled-back',
    'superseded',
    'failed',
  ],
  'roll-back': ['rolled-back', 'rollback-draining', 'rollback-replacing', 'superseded', 'failed'],
  'read-apply': ['applying', 'awaiting-maintenance', 'draining', 'done', 'failed'],
};

/**
 * The triggers a step may hand on to within its own invocation (`ctx.dispatch`): a passed canary
 * to its promotion, a promotion to its maintenance, a timeout or an alarm to the rollback. The
 * engine refuses any other, and a test checks that each function registers the steps these reach.
 */
export const HANDS_ON: Readonly<Partial<Record<StepName, readonly TriggerKind[]>>> = {
  'read-smoke': ['passed'],
  promote: ['maintenance', 'rollback'],
  'end-bake': ['rollback'],
  'check-replacement': ['rollback'],
  'read-health': ['rollback'],
  'roll-back': ['maintenance'],
  'read-drain': ['maintenance'],
  'read-apply': ['maintenance'],
};

/** The states an item is created in, by the request that creates it. */
export const INITIAL_STATES: readonly RolloutState[] = [
  'staged',
  'refused',
  'applying',
  'awaiting-maintenance',
  'failed',
];

/** The step a cell names for an item. */
export const stepOf = (cell: Cell, item: Rollout): StepName =>
  typeof cell === 'string' ? cell : cell[item.kind];
