import fc from 'fast-check';

import {
  FINAL_STATES,
  ROLLOUT_STATES,
  type Rollout,
  type RolloutState,
} from '../../../../functions/shared/rollout/model';
import * as v from '../../../../functions/shared/valibot';
import { Fleet } from '../../../../functions/shared/fleet';
import {
  INITIAL_STATES,
  STEP_NAMES,
  STEP_TARGETS,
  stepOf,
  TABLE,
  type Cell,
  type StepName,
} from '../../../../functions/shared/rollout/table';

/**
 * The transition table's safety properties, walked over the table itself: every state is
 * reachable, every live state has a deadline and a timeout step and leads to a final state.
 */

const KINDS: readonly Rollout['kind'][] = ['rollout', 'restart', 'config'];
const cells = (cell: Cell): StepName[] =>
  typeof cell === 'string' ? [cell] : KINDS.map((k) => stepOf(cell, { kind: k } as Rollout));
const liveStates = ROLLOUT_STATES.filter((s) => !FINAL_STATES.has(s));

/** Every state a step run from `state` may leave the item in. */
const successors = (state: RolloutState): Set<RolloutState> => {
  const rule = TABLE[state];
  if (!rule) return new Set();
  const steps = [
    ...Object.values(rule.on).flatMap((c) => (c ? cells(c) : [])),
    ...(rule.timeout ? cells(rule.timeout) : []),
  ];
  return new Set(steps.flatMap((s) => STEP_TARGETS[s]));
};

const reachableFrom = (starts: readonly RolloutState[]): Set<RolloutState> => {
  const seen = new Set<RolloutState>(starts);
  const queue = [...starts];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const next of successors(state)) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
};

const fleet = (overrides: Record<string, unknown> = {}): Fleet =>
  v.parse(Fleet, {
    name: 'manager',
    role: 'manager',
    pipeline: 'manager',
    launchTemplate: 'lt',
    autoScalingGroup: 'asg',
    instanceRole: 'role',
    maintenanceWindows: [{ periods: ['* 1-4 * * *'], timeZone: 'UTC' }],
    canary: { subnetId: 'subnet-0123456789abcdef0' },
    ...overrides,
  });

describe('the transition table', () => {
  it('reaches every state from the states items are created in', () => {
    expect([...ROLLOUT_STATES].filter((s) => !reachableFrom(INITIAL_STATES).has(s))).toEqual([]);
  });

  it('gives every live state a deadline and a timeout step, and no final state either', () => {
    expect(liveStates.filter((s) => !TABLE[s]?.deadline || !TABLE[s]?.timeout)).toEqual([]);
    // A final state only answers a person's rollback of a finished rollout.
    expect(
      [...FINAL_STATES].filter((s) => TABLE[s] && Object.keys(TABLE[s]?.on ?? {}).join() !== 'rollback'),
    ).toEqual([]);
  });

  it('leads from every live state to a final state', () => {
    const stuck = liveStates.filter((s) => ![...reachableFrom([s])].some((r) => FINAL_STATES.has(r)));
    expect(stuck).toEqual([]);
  });

  it('names only steps that exist and targets that are states', () => {
    const named = Object.values(TABLE).flatMap((rule) => [
      ...(rule.timeout ? cells(rule.timeout) : []),
      ...Object.values(rule.on).flatMap((c) => (c ? cells(c) : [])),
    ]);
    expect(named.filter((n) => !STEP_NAMES.includes(n))).toEqual([]);
    expect(STEP_NAMES.filter((n) => !named.includes(n))).toEqual([]);
    expect(
      Object.values(STEP_TARGETS)
        .flat()
        .filter((s) => !ROLLOUT_STATES.includes(s)),
    ).toEqual([]);
  });

  it('sets every live deadline after the moment the item enters its state, whatever the fleet', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...liveStates),
        fc.constantFrom(...KINDS),
        fc.integer({ min: 1, max: 2800 }),
        fc.integer({ min: 2, max: 120 }),
        fc.integer({ min: 0, max: 10080 }),
        fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }),
        (state, kind, maxJobMinutes, healthTimeoutMinutes, bakePeriodMinutes, now) => {
          const manager = fleet({ maxJobMinutes, healthTimeoutMinutes, bakePeriodMinutes });
          const item = { kind, state, fleet: 'manager' } as Rollout;
          const deadline = TABLE[state]?.deadline?.({ now, item, lead: manager, manager });
          expect(deadline?.getTime()).toBeGreaterThanOrEqual(
            now.getTime() + (state === 'baking' ? bakePeriodMinutes * 60_000 : 60_000),
          );
        },
      ),
    );
  });
});
