import { CommandRefusedError } from '../aws/ssm';
import { due, fail, settle, unchanged } from './common';
import type { Ports, StepContext, StepResult, Trigger } from './context';
import { FINAL_STATES, type Rollout } from './model';
import type { RolloutSettings } from './settings';
import { HANDS_ON, type StepName, STEP_TARGETS, stepOf, TABLE } from './table';

/** A step: reads facts, decides with `decide.ts`, acts through the ports, saves the item. */
export type StepFn = (item: Rollout, ctx: StepContext, trigger: Trigger) => Promise<StepResult>;
export type Steps = Readonly<Partial<Record<StepName, StepFn>>>;

export interface EngineInput {
  readonly settings: RolloutSettings;
  readonly now: Date;
  readonly ports: Ports;
}

/**
 * Runs `step` for one item; SSM refusing a command (CommandRefusedError) can never succeed on a
 * retry, so the item fails (alerted, lease released, canary gone) and the error goes on as
 * permanent, instead of the reconciler sending the same command forever.
 */
export const guardRefusal = async (
  ctx: StepContext,
  fleet: string,
  candidateId: string,
  step: () => Promise<StepResult>,
): Promise<StepResult> => {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof CommandRefusedError)) throw error;
    const item = await ctx.ports.ledger.get(fleet, candidateId);
    if (item && !FINAL_STATES.has(item.state)) {
      if (item.kind === 'rollout' && item.canaryInstanceId && !item.promotedAt)
        await ctx.ports.fleet.terminateInstances([item.canaryInstanceId]);
      if (item.kind === 'config')
        await settle(ctx, { ...item, reason: error.message, result: 'failed' }, 'failed', error.message, {
          alert: { stage: 'refused', outcome: 'refused' },
        });
      else await fail(ctx, item, error.message);
    }
    throw error;
  }
};

/** Triggers that carry news the step must read even past the deadline (a verdict, a rollback). */
const NEWS: ReadonlySet<Trigger['kind']> = new Set(['command', 'rollback']);

/**
 * The engine of one function, holding only the steps that function runs. Every trigger, from an
 * event or from the reconciler, goes through the transition table: the state's deadline first,
 * then the step its cell names.
 */
export const createEngine = (steps: Steps) => {
  const dispatch = async (
    item: Rollout,
    trigger: Trigger,
    ctx: StepContext,
    handedOn = false,
  ): Promise<StepResult> => {
    const rule = TABLE[item.state];
    const final = FINAL_STATES.has(item.state);
    // A hand-on carries the verdict its step just read: turning it into a timeout would loop.
    const timedOut = !final && !handedOn && !NEWS.has(trigger.kind) && due(item.deadline, ctx.now);
    const cell = timedOut ? rule?.timeout : trigger.kind === 'timeout' ? undefined : rule?.on[trigger.kind];
    if (!cell)
      return unchanged(
        item,
        final ? `already ${item.state}` : `${trigger.kind} does not apply in state ${item.state}`,
      );
    const name = stepOf(cell, item);
    const step = steps[name];
    if (!step)
      throw new Error(`step ${name} (${item.state} x ${trigger.kind}) is not registered in this function`);
    const handingOn: StepContext = {
      ...ctx,
      dispatch: (next, then) => {
        if (!HANDS_ON[name]?.includes(then.kind))
          throw new Error(`step ${name} may not hand on to ${then.kind}: declare it in HANDS_ON`);
        return dispatch(next, then, ctx, true);
      },
    };
    const result = await step(item, handingOn, timedOut ? { kind: 'timeout' } : trigger);
    if (result.to !== item.state && !STEP_TARGETS[name].includes(result.to))
      throw new Error(
        `step ${name} left ${item.candidateId} in ${result.to}, which the table does not allow`,
      );
    return result;
  };

  const context = (input: EngineInput): StepContext => {
    const ctx: StepContext = { ...input, dispatch: (item, trigger) => dispatch(item, trigger, ctx) };
    return ctx;
  };

  /** Advances one item by a trigger; a trigger the table has no cell for changes nothing. */
  const advance = (
    fleet: string,
    candidateId: string,
    trigger: Trigger,
    input: EngineInput,
  ): Promise<StepResult> => {
    const ctx = context(input);
    return guardRefusal(ctx, fleet, candidateId, async () => {
      const item = await ctx.ports.ledger.get(fleet, candidateId);
      if (!item) throw new Error(`no rollout ${candidateId} for fleet ${fleet}`);
      return ctx.dispatch(item, trigger);
    });
  };

  return { advance, context, steps };
};
export type Engine = ReturnType<typeof createEngine>;
