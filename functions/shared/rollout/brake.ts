import { after, commit, emitFailure, enter, scheduleStep, unchanged, withDeadline } from './common';
import type { StepContext, StepResult } from './context';
import { ALL_FLEETS, type Brake, type Rollout, type RolloutState } from './model';

/**
 * The emergency brake (`runner-autopilot freeze`): while a brake covers a fleet, or all of them,
 * the steps that change something live (promotion, the start of a drain, a manager restart, a
 * config apply's send) hold their item where it waits. Rollbacks are never held: a brake is set
 * during an incident, and a rollback is how an incident caused by a rollout ends; holding it
 * would keep the bad version live. Canary staging and bakes change nothing live and go on.
 */

/** A held item looks at the brake again after this (or when the brake ends, if sooner). */
export const BRAKE_RECHECK_MINUTES = 15;

export type BrakeDecision =
  | { readonly kind: 'free' }
  | {
      readonly kind: 'held';
      readonly brake: Brake;
      readonly note: string;
      readonly recheckAt: Date;
      /** The item already says so: no new history entry, no second alert. */
      readonly announced: boolean;
    };

export const brakeNote = (brake: Brake): string =>
  `held by the emergency brake until ${brake.until}: ${brake.reason}`;

/**
 * Whether any of `brakes` (those stored for the item's fleets and for all fleets) still holds at
 * `now`, and which: the one that ends last, since the item waits for all of them. A brake whose
 * `until` does not parse holds nothing (the CLI writes only valid times).
 */
export const decideBrake = (input: {
  readonly brakes: readonly (Brake | undefined)[];
  readonly now: Date;
  /** The item's state, and the state a hold leaves it in. */
  readonly state: RolloutState;
  readonly holdState: RolloutState;
  /** The item's last history note. */
  readonly lastNote: string | undefined;
}): BrakeDecision => {
  const active = input.brakes
    .filter((b): b is Brake => b !== undefined && Date.parse(b.until) > input.now.getTime())
    .sort((a, b) => Date.parse(b.until) - Date.parse(a.until));
  const brake = active[0];
  if (!brake) return { kind: 'free' };
  const until = new Date(Date.parse(brake.until));
  const recheck = after(input.now, BRAKE_RECHECK_MINUTES);
  const note = brakeNote(brake);
  return {
    kind: 'held',
    brake,
    note,
    recheckAt: until < recheck ? until : recheck,
    announced: input.state === input.holdState && input.lastNote === note,
  };
};

/** Reads the brakes of `fleets` and of all fleets, and decides whether `item` is held. */
export const brakeOn = async (
  ctx: StepContext,
  item: Rollout,
  fleets: readonly string[],
  holdState: RolloutState = item.state,
): Promise<BrakeDecision> => {
  const scopes = [...new Set([ALL_FLEETS, ...fleets])];
  const brakes = await Promise.all(scopes.map((scope) => ctx.ports.ledger.getBrake(scope)));
  return decideBrake({
    brakes,
    now: ctx.now,
    state: item.state,
    holdState,
    lastNote: item.history.at(-1)?.note,
  });
};

/**
 * Holds `item` in `state` until the brake's recheck: the first hold writes the note and sends one
 * alert (outcome `held`); later ones only move the recheck. The brake pauses the state's clock:
 * its deadline counts from the recheck, so a long brake never times the item out.
 */
export const holdByBrake = async (
  ctx: StepContext,
  item: Rollout,
  held: Extract<BrakeDecision, { kind: 'held' }>,
  options: { readonly state?: RolloutState; readonly step?: string } = {},
): Promise<StepResult> => {
  const patch = { dueAt: held.recheckAt.toISOString(), attempts: item.attempts + 1 };
  const entered = held.announced
    ? { ...item, ...patch }
    : enter(ctx, item, options.state ?? item.state, held.note, patch);
  const paused = withDeadline({ ...ctx, now: held.recheckAt }, entered).deadline;
  const next =
    paused && Date.parse(paused) > Date.parse(entered.deadline ?? '')
      ? { ...entered, deadline: paused }
      : entered;
  const result = await commit(ctx, item, next);
  if (!held.announced) await emitFailure(ctx, next, item.state, 'held', held.note);
  if (options.step) await scheduleStep(ctx, next, options.step, held.recheckAt);
  return held.announced ? unchanged(next, held.note) : result;
};
