import * as v from '../../../../functions/shared/valibot';
import * as applyConfig from '../../../../functions/apply-config/run';
import * as commandStatus from '../../../../functions/command-status/run';
import * as managerRestart from '../../../../functions/manager-restart/run';
import * as reconciler from '../../../../functions/reconciler/run';
import * as rollback from '../../../../functions/rollback/run';
import * as rolloutStep from '../../../../functions/rollout-step/run';
import { persist, settle } from '../../../../functions/shared/rollout/common';
import type { Ports, StepContext, TriggerKind } from '../../../../functions/shared/rollout/context';
import { createEngine, type Engine, type StepFn } from '../../../../functions/shared/rollout/engine';
import { FINAL_STATES, type FinalState, type Rollout } from '../../../../functions/shared/rollout/model';
import { RolloutSettings } from '../../../../functions/shared/rollout/settings';
import {
  HANDS_ON,
  STEP_NAMES,
  stepOf,
  type StepName,
  TABLE,
} from '../../../../functions/shared/rollout/table';
import { wirePorts } from '../../../../functions/shared/rollout/wire-ports';
import * as stageCandidate from '../../../../functions/stage-candidate/run';
import { rollout } from '../../../fixtures/rollout';
import { ROLLOUT_SETTINGS, PLACEHOLDER_DOCUMENTS } from '../../../fixtures/rollout-settings';

/** The engine's rules: what each function registers, and what it refuses. */

const settings = v.parse(RolloutSettings, {
  ...ROLLOUT_SETTINGS,
  connectorUsers: {},
  documents: PLACEHOLDER_DOCUMENTS,
});
const NOW = new Date('2026-03-03T02:00:00.000Z');

/** The steps a step may reach within its invocation: itself and, transitively, those it hands on to. */
const reach = (entries: readonly StepName[]): Set<StepName> => {
  const seen = new Set<StepName>();
  const visit = (name: StepName) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const trigger of HANDS_ON[name] ?? []) {
      for (const rule of Object.values(TABLE)) {
        const cell = rule.on[trigger as Exclude<TriggerKind, 'timeout'>];
        if (!cell) continue;
        for (const kind of ['rollout', 'restart', 'config'] as const)
          visit(stepOf(cell, { kind } as Rollout));
      }
    }
  };
  entries.forEach(visit);
  return seen;
};

const registered = (engine: Engine): StepName[] => Object.keys(engine.steps).sort() as StepName[];

describe('steps registered per function', () => {
  it.each([
    ['rollout-step', rolloutStep.engine],
    ['command-status', commandStatus.engine],
    ['reconciler', reconciler.engine],
  ])('%s runs any state: it registers every step', (_name, engine) => {
    expect(registered(engine)).toEqual([...STEP_NAMES].sort());
  });

  it.each([
    ['rollback', rollback.engine, ['roll-back']],
    ['manager-restart', managerRestart.engine, ['start-drain']],
    ['stage-candidate', stageCandidate.engine, []],
    ['apply-config', applyConfig.engine, []],
  ] as const)('%s registers exactly the steps its entry reaches', (_name, engine, entries) => {
    expect(registered(engine)).toEqual([...reach(entries)].sort());
  });
});

/** Ports whose every operation is a recording mock; the ledger saves return what they were given. */
const recordingPorts = () => {
  const calls: string[] = [];
  const record =
    (name: string) =>
    (...args: unknown[]): Promise<never> => {
      calls.push(`${name} ${JSON.stringify(args)}`);
      return Promise.resolve(undefined as never);
    };
  const ports: Ports = wirePorts({
    ledger: {
      get: record('get'),
      save: (next, revision) => {
        calls.push(`save ${next.state} @${revision}`);
        return Promise.resolve({ ...next, revision: revision + 1 });
      },
      releaseLease: record('releaseLease'),
    },
    fleet: { resumeProcesses: record('resumeProcesses'), terminateInstances: record('terminateInstances') },
    bus: { put: record('put') },
  });
  return { ports, calls };
};

const contextWith = (ports: Ports, engine: Engine = createEngine({})): StepContext =>
  engine.context({ settings, now: NOW, ports });

describe('ending an item', () => {
  const finals = [...FINAL_STATES] as FinalState[];

  it.each(finals)(
    'releases the manager lease and resumes what it suspended when it ends %s',
    async (state) => {
      const { ports, calls } = recordingPorts();
      const item = rollout({
        fleet: 'manager',
        fleets: ['manager'],
        state: 'draining',
        suspendedReplaceUnhealthy: true,
      });

      const result = await settle(contextWith(ports), item, state, 'why');

      expect(result.to).toBe(state);
      // The ending is claimed (a conditional save) before anything held is let go.
      expect(calls).toEqual([
        'save draining @0',
        `resumeProcesses ["${settings.fleets.find((f) => f.name === 'manager')?.autoScalingGroup}",["ReplaceUnhealthy"]]`,
        `releaseLease ["manager","c-1"]`,
        `save ${state} @1`,
      ]);
    },
  );

  it('never resumes a process the item did not suspend', async () => {
    const { ports, calls } = recordingPorts();

    await settle(
      contextWith(ports),
      rollout({ fleet: 'manager', fleets: ['manager'], state: 'draining' }),
      'failed',
      'why',
    );

    expect(calls.filter((c) => c.startsWith('resumeProcesses'))).toEqual([]);
  });

  it('refuses to reach a final state other than through settle', async () => {
    const { ports } = recordingPorts();
    const item = rollout({ state: 'baking' });

    await expect(persist(contextWith(ports), item, { ...item, state: 'done' })).rejects.toThrow(/settle/);
  });
});

describe('dispatch', () => {
  const stored = (over: Partial<Rollout> = {}) =>
    rollout({ state: 'baking', deadline: '2026-03-03T03:00:00.000Z', ...over } as never);
  const engineWith = (steps: Partial<Record<StepName, StepFn>>, item: Rollout) => {
    const { ports } = recordingPorts();
    const withItem: Ports = { ...ports, ledger: { ...ports.ledger, get: () => Promise.resolve(item) } };
    const engine = createEngine(steps);
    return (trigger: Parameters<Engine['advance']>[2]) =>
      engine.advance(item.fleet, item.candidateId, trigger, { settings, now: NOW, ports: withItem });
  };
  const to =
    (state: Rollout['state']): StepFn =>
    (item) =>
      Promise.resolve({
        fleet: item.fleet,
        candidateId: item.candidateId,
        from: item.state,
        to: state,
        note: '',
      });

  it('runs the timeout step once the state is past its deadline, with a timeout trigger', async () => {
    const endBake = jest.fn(to('done'));
    const advance = engineWith({ 'end-bake': endBake }, stored({ deadline: '2026-03-03T01:00:00.000Z' }));

    await advance({ kind: 'reconcile' });

    expect(endBake).toHaveBeenCalledWith(expect.anything(), expect.anything(), { kind: 'timeout' });
  });

  it('lets news through past the deadline: a rollback is a rollback', async () => {
    const rollBack = jest.fn(to('rolled-back'));
    const advance = engineWith({ 'roll-back': rollBack }, stored({ deadline: '2026-03-03T01:00:00.000Z' }));

    await advance({ kind: 'rollback', reason: 'alarm' });

    expect(rollBack).toHaveBeenCalledWith(expect.anything(), expect.anything(), {
      kind: 'rollback',
      reason: 'alarm',
    });
  });

  it('changes nothing for a trigger the state has no cell for', async () => {
    const advance = engineWith({}, stored());

    await expect(advance({ kind: 'canary-check' })).resolves.toMatchObject({ from: 'baking', to: 'baking' });
  });

  it('refuses a step this function did not register, naming it', async () => {
    await expect(engineWith({}, stored())({ kind: 'bake-end' })).rejects.toThrow(
      /end-bake .* not registered/,
    );
  });

  it('refuses a step that leaves its item in a state the table does not allow it', async () => {
    const advance = engineWith({ 'end-bake': to('draining') }, stored());

    await expect(advance({ kind: 'bake-end' })).rejects.toThrow(/does not allow/);
  });

  it('refuses a hand-on the table does not declare for the step', async () => {
    const advance = engineWith(
      { 'end-bake': (item, ctx) => ctx.dispatch(item, { kind: 'maintenance' }) },
      stored(),
    );

    await expect(advance({ kind: 'bake-end' })).rejects.toThrow(/may not hand on to maintenance/);
  });
});
