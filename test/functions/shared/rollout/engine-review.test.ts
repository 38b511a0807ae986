import * as v from '../../../../functions/shared/valibot';
import type { Group } from '../../../../functions/shared/aws/autoscaling';
import { CommandRefusedError } from '../../../../functions/shared/aws/ssm';
import { ALL_STEPS } from '../../../../functions/shared/rollout/all-steps';
import type { Ports, Trigger } from '../../../../functions/shared/rollout/context';
import { maintenanceTiming } from '../../../../functions/shared/rollout/decide';
import { createEngine } from '../../../../functions/shared/rollout/engine';
import {
  FINAL_STATES,
  type Lease,
  type Rollout,
  type RolloutState,
} from '../../../../functions/shared/rollout/model';
import { RolloutSettings } from '../../../../functions/shared/rollout/settings';
import { TABLE } from '../../../../functions/shared/rollout/table';
import { Fleet } from '../../../../functions/shared/fleet';
import { rollout } from '../../../fixtures/rollout';
import { MANAGER_FLEET, ROLLOUT_SETTINGS, PLACEHOLDER_DOCUMENTS } from '../../../fixtures/rollout-settings';

/**
 * Review of the rollout engine (issue 9): its edge cases through `createEngine(ALL_STEPS)` over an
 * in-memory AWS in which nothing answers unless a test says so. A failing test here is a defect
 * found by the review; its comment says what happens and what should.
 */

const settings = v.parse(RolloutSettings, {
  ...ROLLOUT_SETTINGS,
  connectorUsers: { jobs: 'ubuntu' },
  documents: PLACEHOLDER_DOCUMENTS,
});
const MANAGER_GROUP = MANAGER_FLEET.autoScalingGroup;
// Tuesday 02:00 UTC: inside the manager's window (01:00-04:59 UTC).
const NOW = new Date('2026-03-03T02:00:00.000Z');
const PAST = '2026-03-03T01:00:00.000Z';
const OLD = 'i-0old0000000000000';
const NEW = 'i-0new0000000000000';
const CANARY = 'i-0canary0000000000';

/** A step run that recurses past this many AWS reads is looping (the engine never yields). */
const LOOP_GUARD = 50;

/**
 * An in-memory AWS and ledger: one manager group (max 1) with `OLD` in service on version 1, the
 * template's default at version 2 (the candidate), SSM commands that stay `InProgress` unless
 * `finish` says otherwise, and a lease table with the engine's re-entrant rules.
 */
const memoryAws = () => {
  const items = new Map<string, Rollout>();
  const invocations = new Map<string, { status: string; stdout: string }>();
  const calls: string[] = [];
  let lease: Lease | undefined;
  let reads = 0;
  let sendRefusal: Error | undefined;
  let commandSeq = 0;
  const online = new Set<string>([OLD, NEW, CANARY]);
  const group: Group = {
    name: MANAGER_GROUP,
    minSize: 1,
    maxSize: 1,
    desiredCapacity: 1,
    launchTemplate: { id: 'lt-1', version: '$Default' },
    suspendedProcesses: ['AZRebalance'],
    instances: [
      {
        instanceId: OLD,
        lifecycleState: 'InService',
        healthStatus: 'Healthy',
        launchTemplateVersion: '1',
        protectedFromScaleIn: false,
      },
    ],
  };
  const key = (fleet: string, id: string) => `${fleet}/${id}`;
  const guard = (what: string) => {
    reads += 1;
    if (reads > LOOP_GUARD) throw new Error(`loop: ${reads} AWS reads in one step run (last ${what})`);
  };
  /** Runs `before` right before the next ledger save (another invocation winning the race). */
  let beforeSave: (() => void) | undefined;

  const ports: Ports = {
    ledger: {
      get: (fleet, id) => {
        guard('ledger.get');
        const item = items.get(key(fleet, id));
        return Promise.resolve(item ? structuredClone(item) : undefined);
      },
      create: (item) => {
        if (items.has(key(item.fleet, item.candidateId))) return Promise.resolve('exists' as const);
        items.set(key(item.fleet, item.candidateId), structuredClone(item));
        return Promise.resolve('created' as const);
      },
      save: (next, expected) => {
        const race = beforeSave;
        beforeSave = undefined;
        race?.();
        const stored = items.get(key(next.fleet, next.candidateId));
        if (stored && stored.revision !== expected)
          return Promise.reject(
            Object.assign(new Error('The conditional request failed'), {
              name: 'ConditionalCheckFailedException',
            }),
          );
        const saved = { ...structuredClone(next), revision: expected + 1 };
        items.set(key(next.fleet, next.candidateId), saved);
        calls.push(`save ${next.state}`);
        return Promise.resolve(structuredClone(saved));
      },
      listFleet: (fleet) => Promise.resolve([...items.values()].filter((i) => i.fleet === fleet)),
      acquireLease: (input) => {
        if (lease && lease.holder !== input.holder && Date.parse(lease.expiresAt) > input.now.getTime())
          return Promise.resolve({ acquired: false as const, heldBy: lease });
        lease = {
          fleet: input.fleet,
          holder: input.holder,
          action: input.action,
          acquiredAt: input.now.toISOString(),
          expiresAt: new Date(input.now.getTime() + input.ttlMinutes * 60_000).toISOString(),
        };
        calls.push(`acquireLease ${input.holder}`);
        return Promise.resolve({ acquired: true as const });
      },
      releaseLease: (_fleet, holder) => {
        if (lease?.holder === holder) lease = undefined;
        calls.push(`releaseLease ${holder}`);
        return Promise.resolve();
      },
      getLease: () => Promise.resolve(lease),
      // No brake in these reviews: the brake has its own tests (brake.test.ts).
      getBrake: () => Promise.resolve(undefined),
    },
    fleet: {
      describeGroup: () => {
        guard('describeGroup');
        return Promise.resolve(structuredClone(group));
      },
      describeWarmPool: () => Promise.resolve({ configured: false }),
      terminateInGroup: (id) => {
        calls.push(`terminateInGroup ${id}`);
        return Promise.resolve(undefined as never);
      },
      suspendProcesses: (_g, processes) => {
        group.suspendedProcesses = [...new Set([...group.suspendedProcesses, ...processes])];
        calls.push(`suspend ${processes.join(',')}`);
        return Promise.resolve();
      },
      resumeProcesses: (_g, processes) => {
        group.suspendedProcesses = group.suspendedProcesses.filter(
          (p) => !(processes as readonly string[]).includes(p),
        );
        calls.push(`resume ${processes.join(',')}`);
        return Promise.resolve();
      },
      getLaunchTemplate: () =>
        Promise.resolve({
          launchTemplateId: 'lt-1',
          launchTemplateName: MANAGER_FLEET.launchTemplate,
          defaultVersion: 2,
          latestVersion: 2,
        }),
      createCandidateVersion: () => Promise.resolve({ version: 2 } as never),
      setDefaultVersion: (_lt, version) => {
        calls.push(`setDefault ${version}`);
        return Promise.resolve();
      },
      runCanary: () => Promise.resolve({ instanceId: CANARY } as never),
      describeInstances: (ids) => {
        guard('describeInstances');
        return Promise.resolve(
          ids.map((instanceId) => ({
            instanceId,
            state: 'running',
            tags: {},
            privateIpAddress: '10.0.0.9',
            launchTemplateVersion: group.instances.find((i) => i.instanceId === instanceId)
              ?.launchTemplateVersion,
          })),
        );
      },
      terminateInstances: (ids) => {
        calls.push(`terminateInstances ${ids.join(',')}`);
        return Promise.resolve();
      },
      alarmStates: () => Promise.resolve({}),
    },
    commands: {
      send: (input) => {
        if (sendRefusal) return Promise.reject(sendRefusal);
        commandSeq += 1;
        const commandId = `cmd-${commandSeq}`;
        invocations.set(commandId, { status: 'InProgress', stdout: '' });
        calls.push(`send ${input.documentName} ${input.instanceIds.join(',')}`);
        return Promise.resolve({ commandId });
      },
      find: () => Promise.resolve([]),
      invocation: (commandId) => {
        guard(`invocation ${commandId}`);
        const found = invocations.get(commandId);
        return Promise.resolve(found ? { ...found, stderr: '' } : undefined);
      },
      online: (ids) => Promise.resolve(new Set(ids.filter((i) => online.has(i)))),
      parameter: () => Promise.resolve(undefined),
    },
    bus: {
      put: (entries) => {
        calls.push(...entries.map((e) => `event ${String(e.DetailType)}`));
        return Promise.resolve();
      },
    },
    schedules: {
      once: (input) => {
        calls.push(`schedule ${String((input.input as { step: string }).step)} at ${input.at.toISOString()}`);
        return Promise.resolve(undefined as never);
      },
    },
  };

  return {
    ports,
    calls,
    group,
    online,
    seed: (item: Rollout) => items.set(key(item.fleet, item.candidateId), structuredClone(item)),
    item: (fleet: string, id: string) => items.get(key(fleet, id)),
    finish: (commandId: string, status: string, stdout = 'RESULT pass') =>
      invocations.set(commandId, { status, stdout }),
    refuseSends: (error: Error) => {
      sendRefusal = error;
    },
    holdLease: (holder: string, expiresAt: string) => {
      lease = { fleet: 'manager', holder, action: 'replace', acquiredAt: PAST, expiresAt };
    },
    lease: () => lease,
    /** The next ledger save finds `change` applied first, as a concurrent invocation's write. */
    raceNextSave: (change: (stored: Rollout) => Rollout) => {
      beforeSave = () => {
        for (const [k, v] of items) items.set(k, { ...change(v), revision: v.revision + 1 });
      };
    },
    resetReads: () => {
      reads = 0;
    },
  };
};

const engine = createEngine(ALL_STEPS);
const advance = (aws: ReturnType<typeof memoryAws>, item: Rollout, trigger: Trigger, now = NOW) => {
  aws.resetReads();
  return engine.advance(item.fleet, item.candidateId, trigger, { settings, now, ports: aws.ports });
};

/** A manager image rollout of candidate version 2 over default 1, on the manager fleet. */
const managerRollout = (over: Partial<Rollout> = {}): Rollout =>
  rollout({
    fleet: 'manager',
    fleets: ['manager'],
    launchTemplateId: 'lt-1',
    candidateVersion: 2,
    previousDefault: 1,
    canaryInstanceId: CANARY,
    stateSince: PAST,
    history: [],
    ...over,
  } as never);

describe('a verdict handed on past the deadline', () => {
  // canary-testing: read-smoke reads a passed smoke test and hands on with `passed`. Past the
  // state's deadline the engine does not let `passed` through (it is not "news"): it runs the
  // timeout step again, which is read-smoke, which reads the same pass and hands on again, for
  // ever. Seen: the reconciler (or a late Success event) reaching a passed canary after its
  // deadline never returns; it re-reads the invocation until the Lambda times out, every 5
  // minutes, and the candidate is never promoted nor rejected. Should: `passed` is news (or a
  // hand-on is never re-routed to the timeout cell), so the passed canary promotes.
  it.each<[string, Trigger]>([
    ['the reconciler', { kind: 'reconcile' }],
    ['a late Success event', { kind: 'command', commandId: 'cmd-smoke' }],
  ])('promotes a canary whose smoke test passed, read by %s after the deadline', async (_by, trigger) => {
    const aws = memoryAws();
    const item = managerRollout({
      state: 'canary-testing',
      deadline: PAST,
      commands: [{ commandId: 'cmd-smoke', instanceId: CANARY }],
    });
    aws.seed(item);
    aws.finish('cmd-smoke', 'Success');

    await advance(aws, item, trigger);

    expect(aws.item('manager', 'c-1')?.state).not.toBe('canary-testing');
    expect(aws.calls).toContain('setDefault 2');
  });
});

describe('a timeout that lost the race', () => {
  // draining past its deadline, the drain still InProgress when the reconciler reads it: read-drain
  // decides `failed` and settle() releases the lease and resumes ReplaceUnhealthy *before* its
  // revision-checked save. Meanwhile the Success event's invocation moved the item to `replacing`
  // (it terminated the old manager and waits for the new one). The stale save fails, as it
  // should, but the lease is already gone: the rollout carries on replacing and verifying the
  // manager without the lease, and a waiting restart or config apply may drain the new manager
  // in the middle of its health check. Should: a step that loses the race releases nothing (save
  // the final state first, or release only what the saved item still holds).
  it('keeps the lease of a rollout that moved on while a stale timeout tried to fail it', async () => {
    const aws = memoryAws();
    const item = managerRollout({
      state: 'draining',
      deadline: PAST,
      promotedAt: PAST,
      managerInstanceId: OLD,
      suspendedReplaceUnhealthy: true,
      commands: [{ commandId: 'cmd-drain', instanceId: OLD }],
    });
    aws.seed(item);
    aws.finish('cmd-drain', 'InProgress');
    aws.holdLease('c-1', '2026-03-03T06:00:00.000Z');
    aws.group.suspendedProcesses.push('ReplaceUnhealthy');
    aws.raceNextSave((stored) => ({
      ...stored,
      state: 'replacing',
      deadline: '2026-03-03T02:15:00.000Z',
      suspendedReplaceUnhealthy: undefined,
      commands: [],
    }));

    await expect(advance(aws, item, { kind: 'reconcile' })).rejects.toThrow(/conditional/i);

    expect(aws.item('manager', 'c-1')?.state).toBe('replacing');
    expect(aws.lease()?.holder).toBe('c-1');
  });
});

describe('SSM refusing a command (CommandRefusedError), in each state that sends one', () => {
  const refusal = new CommandRefusedError(
    'drain',
    Object.assign(new Error('bad parameter'), { name: 'InvalidParameters' }),
  );
  const cases: [string, Partial<Rollout>, Trigger][] = [
    [
      'canary-booting (smoke)',
      { state: 'canary-booting', deadline: '2026-03-03T03:00:00.000Z' },
      { kind: 'canary-check' },
    ],
    [
      'awaiting-maintenance (drain)',
      { state: 'awaiting-maintenance', deadline: '2026-03-09T00:00:00.000Z', promotedAt: PAST },
      { kind: 'maintenance' },
    ],
    [
      'replacing (health)',
      {
        state: 'replacing',
        deadline: '2026-03-03T03:00:00.000Z',
        promotedAt: PAST,
        managerInstanceId: 'i-0gone000000000000',
      },
      { kind: 'health-check' },
    ],
    [
      'rollback-draining (drain)',
      { state: 'rollback-draining', deadline: '2026-03-03T08:00:00.000Z', promotedAt: PAST, immediate: true },
      { kind: 'maintenance' },
    ],
  ];

  it.each(cases)(
    'ends %s failed, with the lease free and health replacement resumed',
    async (_s, over, trigger) => {
      const aws = memoryAws();
      // The manager runs the candidate in the rollback case, the previous version otherwise.
      aws.group.instances[0] = {
        ...aws.group.instances[0]!,
        instanceId: over.state === 'replacing' ? NEW : OLD,
        launchTemplateVersion: over.state === 'rollback-draining' || over.state === 'replacing' ? '2' : '1',
      };
      const item = managerRollout(over);
      aws.seed(item);
      if (over.state === 'rollback-draining') aws.holdLease('c-1', '2026-03-03T06:00:00.000Z');
      aws.refuseSends(refusal);

      await expect(advance(aws, item, trigger)).rejects.toBe(refusal);

      const after = aws.item('manager', 'c-1');
      expect(FINAL_STATES.has(after?.state as RolloutState)).toBe(true);
      expect(aws.lease()).toBeUndefined();
      expect(aws.group.suspendedProcesses).toEqual(['AZRebalance']);
      expect(aws.calls.filter((c) => c.startsWith('event'))).toContain('event Rollout Failed');
    },
  );
});

describe('the reconciler on an item past its deadline, in every live state', () => {
  /** Per live state, what the item records there (its commands, its drained instance). */
  const LIVE: Partial<Record<RolloutState, Partial<Rollout>>> = {
    staged: {},
    'canary-booting': {},
    'canary-testing': { commands: [{ commandId: 'cmd-smoke', instanceId: CANARY }] },
    'promotion-deferred': { dueAt: PAST },
    'awaiting-maintenance': { promotedAt: PAST },
    draining: {
      promotedAt: PAST,
      managerInstanceId: OLD,
      commands: [{ commandId: 'cmd-drain', instanceId: OLD }],
    },
    replacing: { promotedAt: PAST, managerInstanceId: OLD },
    verifying: {
      promotedAt: PAST,
      managerInstanceId: OLD,
      replacementInstanceId: NEW,
      commands: [{ commandId: 'cmd-health', instanceId: NEW }],
    },
    baking: { promotedAt: PAST },
    'rollback-draining': { promotedAt: PAST, dueAt: PAST },
    'rollback-replacing': { promotedAt: PAST, managerInstanceId: OLD },
    'rollback-verifying': {
      promotedAt: PAST,
      managerInstanceId: OLD,
      replacementInstanceId: NEW,
      commands: [{ commandId: 'cmd-health', instanceId: NEW }],
    },
  };
  const states = (Object.keys(TABLE) as RolloutState[]).filter((s) => TABLE[s]?.deadline);

  it('covers every state with a deadline', () => {
    expect(states.filter((s) => s !== 'applying').sort()).toEqual(Object.keys(LIVE).sort());
  });

  // Nothing answers: commands stay InProgress, the canary never comes online. One reconciler pass
  // must end the item or move it to another state with a deadline still ahead (never stay past it).
  it.each(Object.entries(LIVE))('%s: one pass ends it or moves it on', async (state, over) => {
    const aws = memoryAws();
    aws.online.delete(CANARY);
    const item = managerRollout({ state: state as RolloutState, deadline: PAST, ...over });
    aws.seed(item);
    if ('promotedAt' in over) aws.holdLease('c-1', '2026-03-03T06:00:00.000Z');

    await advance(aws, item, { kind: 'reconcile' }).catch(() => undefined);

    const after = aws.item('manager', 'c-1') as Rollout;
    const ended = FINAL_STATES.has(after.state);
    const movedOn =
      after.state !== state && after.deadline !== undefined && Date.parse(after.deadline) > NOW.getTime();
    expect({ state: after.state, endedOrMovedOn: ended || movedOn }).toEqual({
      state: after.state,
      endedOrMovedOn: true,
    });
    if (ended) expect(aws.lease()).toBeUndefined();
  });
});

describe('maintenanceTiming', () => {
  const manager = (maintenanceWindows: unknown, maxJobMinutes = 120) =>
    v.parse(Fleet, { ...MANAGER_FLEET, maxJobMinutes, maintenanceWindows });

  // A one-hour window and a drain that needs exactly one hour (maxJobMinutes 35: bound 35 + 15,
  // plus 10 for the replacement's start). At 01:00:00 the window fits and the step is scheduled
  // for 01:00; Scheduler delivers "within the minute" and the function reads its clock a few
  // seconds later. Seen: at 01:00:20 the same window no longer fits (20 seconds short) and the
  // drain moves to the next night, where the same happens: every night until the 8-day deadline
  // fails the rollout as "no maintenance window with a free lease", a reason that is not the
  // cause. Should: a drain scheduled for a window's start may start within the minute, or a
  // window that can never fit once delivered is reported at once as too short.
  it('does not push a drain scheduled for its window start to the next night when it runs seconds late', () => {
    const fleet = manager([{ periods: ['* 1 * * *'], timeZone: 'UTC' }], 35);
    const onTime = maintenanceTiming(fleet, new Date('2026-03-03T01:00:00.000Z'), 60);
    const late = maintenanceTiming(fleet, new Date('2026-03-03T01:00:20.000Z'), 60);

    expect(onTime).toEqual({ kind: 'now' });
    expect(late).toEqual({ kind: 'now' });
  });

  it('ends with never for windows always shorter than the drain needs', () => {
    const fleet = manager([{ periods: ['* 1-3 * * *'], timeZone: 'Europe/Berlin' }], 600);
    expect(maintenanceTiming(fleet, NOW, 625)).toEqual({ kind: 'never' });
  });

  it('waits for the next window long enough, in its own time zone', () => {
    // 01:00-04:59 in New York is 06:00-09:59 UTC in March (EST, before the switch on the 8th).
    const fleet = manager([{ periods: ['* 1-4 * * *'], timeZone: 'America/New_York' }]);
    expect(maintenanceTiming(fleet, NOW, 145)).toEqual({
      kind: 'wait',
      until: new Date('2026-03-03T06:00:00.000Z'),
    });
  });

  it('skips a window shortened by the spring DST change when the drain no longer fits', () => {
    // Berlin 01:00-04:59 on 29 March 2026 loses 02:00-02:59: 180 minutes (00:00-02:59 UTC).
    const fleet = manager([{ periods: ['* 1-4 * * *'], timeZone: 'Europe/Berlin' }], 200);
    expect(maintenanceTiming(fleet, new Date('2026-03-28T12:00:00.000Z'), 225)).toEqual({
      kind: 'wait',
      until: new Date('2026-03-29T23:00:00.000Z'),
    });
  });

  it('takes a weekend window as one window across midnight', () => {
    const fleet = manager([{ periods: ['* * * * 6,0'], timeZone: 'UTC' }], 2800);
    expect(maintenanceTiming(fleet, NOW, 2825)).toEqual({
      kind: 'wait',
      until: new Date('2026-03-07T00:00:00.000Z'),
    });
  });
});
