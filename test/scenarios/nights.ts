import fc from 'fast-check';

import { startCapture, stopCapture } from '../helpers/output';
import { clearCapture } from '../helpers/output';
import { endScenario, Scenario } from '../../rehearsal/driver';
import { type DocumentKey, MINUTE, type Outcome } from '../../rehearsal/fake-aws';
import { exampleConfigWith, liveManagers, standardFleet } from './fleet';

/**
 * Generated nights for the randomized rollout scenarios (issue 9): images arriving, alarms
 * flipping, commands passing, failing or taking long, events duplicated, dropped and throttled,
 * and functions dying right after an AWS call took effect, all through the real handlers routed
 * by the synthesized template. The checks read only what AWS and the ledger show from outside (the
 * world, our bus, the ledger items), never the engine's modules, so they hold across a rewrite of
 * functions/shared/rollout/.
 */

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 2026-11-02 00:00 UTC; the example's windows: manager 01:00-04:59 UTC, jobs-instance frozen Friday 12:00-23:59 Berlin. */
const WEEK_START = Date.parse('2026-11-02T00:00:00Z');

const FLEETS = ['manager', 'jobs-docker', 'jobs-instance'] as const;
const alarmOf = (fleet: string): string => `${fleet}-errors`;

/** The example config with one rollback alarm per fleet, so alarm flips reach every rollout. */
export const nightsConfig = (): string =>
  exampleConfigWith('randomized', (config) => {
    for (const fleet of config.fleets as { name: string; rollbackAlarms?: string[] }[]) {
      fleet.rollbackAlarms = [alarmOf(fleet.name)];
    }
  });

/**
 * Final states, as issue 9 names them. Written out rather than imported from the engine's model:
 * the test states what every rollout must reach, whatever the engine calls its other states.
 */
const FINAL = new Set(['refused', 'done', 'rejected', 'rolled-back', 'superseded', 'failed']);
const ROLLBACK_STATES = new Set(['rollback-draining', 'rollback-replacing', 'rolled-back']);

/**
 * How long a rollout may take, from the moment its item appears to its final state. The longest
 * legitimate path of the example config: a manager candidate promoted as its window closes waits
 * ~20 h for the next one, drains (maxJobMinutes 120 + 15), verifies (15), bakes (60); an alarm by
 * day then rolls it back in the window after (~20 h more), behind the lease of a recycle or two.
 */
export const ROLLOUT_BOUND_MS = 3 * DAY;
/** Inputs (images, alarms, jobs) all arrive within this much of the night's start. */
const INPUT_SPAN_MINUTES = 4 * 60;

// ---------------------------------------------------------------------------------------------
// What a night is

type CommandVerdict = 'pass' | 'fail' | 'slow';
const COMMAND_KEYS = ['smoke-jobs', 'smoke-path', 'smoke-manager', 'manager-health'] as const;
type CommandKey = (typeof COMMAND_KEYS)[number];

export interface Night {
  /** Minutes after Monday 00:00 UTC. */
  readonly startMinute: number;
  readonly images: readonly { readonly pipeline: 'jobs' | 'manager'; readonly atMinute: number }[];
  /** Rollback alarms already in ALARM when the night starts. */
  readonly alarmsAtStart: readonly string[];
  readonly alarmFlips: readonly {
    readonly atMinute: number;
    readonly fleet: string;
    readonly state: 'ALARM' | 'OK';
  }[];
  /**
   * EC2 status checks failing on a manager that is draining at these times: its group would
   * replace it (killing its jobs) unless health replacement is suspended around the drain.
   */
  readonly drainFailures: readonly number[];
  /** Verdicts of the nth command of each document (cycled). */
  readonly commands: Readonly<Record<CommandKey, readonly CommandVerdict[]>>;
  /** Jobs the running manager takes at these times (minutes long; at most maxJobMinutes). */
  readonly jobs: readonly { readonly atMinute: number; readonly minutes: number }[];
  /** Deliveries (routed events and schedule runs, counted from 0) that arrive twice. */
  readonly duplicates: readonly { readonly delivery: number; readonly how: 'sequential' | 'concurrent' }[];
  /** Routed events (counted from 0) EventBridge loses. */
  readonly drops: readonly number[];
  /** Invocations (counted from 0) that die right after their nth AWS call took effect. */
  readonly crashes: readonly { readonly invocation: number; readonly afterCall: number }[];
  /** Share of call attempts throttled (the SDK retries them), and of calls failing even so. */
  readonly throttleRate: number;
  readonly surfacedThrottleRate: number;
  readonly seed: number;
}

const minuteIn = (fromMinute: number, toMinute: number) => fc.integer({ min: fromMinute, max: toMinute - 1 });
const day = fc.integer({ min: 0, max: 6 });

/**
 * Mostly just before or early in the manager's window (work that misses a window waits a day of
 * reconciler runs, the main cost of a night), some late in it, in the jobs freeze, or any time.
 */
const startMinute = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(day, minuteIn(0, 150)).map(([d, m]) => d * 1440 + m) },
  { weight: 1, arbitrary: fc.tuple(day, minuteIn(150, 300)).map(([d, m]) => d * 1440 + m) },
  // Friday 11:00-22:59 UTC is Friday 12:00-23:59 in Berlin in November (CET).
  { weight: 1, arbitrary: minuteIn(660, 1380).map((m) => 4 * 1440 + m) },
  { weight: 1, arbitrary: minuteIn(0, 7 * 1440) },
);

const verdicts = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.constant<CommandVerdict>('pass') },
    { weight: 1, arbitrary: fc.constant<CommandVerdict>('fail') },
    { weight: 1, arbitrary: fc.constant<CommandVerdict>('slow') },
  ),
  { minLength: 1, maxLength: 3 },
);

const rate = (max: number) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 100 }).map((n) => (n / 100) * max) },
  );

export const nightArbitrary: fc.Arbitrary<Night> = fc.record({
  startMinute,
  images: fc.array(
    fc.record({ pipeline: fc.constantFrom('jobs' as const, 'manager' as const), atMinute: minuteIn(0, 90) }),
    { minLength: 1, maxLength: 3 },
  ),
  alarmsAtStart: fc.subarray(FLEETS.map(alarmOf), { maxLength: 1 }),
  alarmFlips: fc.array(
    fc.record({
      atMinute: minuteIn(0, INPUT_SPAN_MINUTES),
      fleet: fc.constantFrom(...FLEETS),
      state: fc.constantFrom('ALARM' as const, 'OK' as const),
    }),
    { maxLength: 3 },
  ),
  drainFailures: fc.array(minuteIn(0, INPUT_SPAN_MINUTES), { maxLength: 2 }),
  commands: fc.record({
    'smoke-jobs': verdicts,
    'smoke-path': verdicts,
    'smoke-manager': verdicts,
    'manager-health': verdicts,
  }),
  jobs: fc.array(fc.record({ atMinute: minuteIn(0, 300), minutes: fc.integer({ min: 1, max: 120 }) }), {
    maxLength: 4,
  }),
  duplicates: fc.array(
    fc.record({
      delivery: fc.integer({ min: 0, max: 60 }),
      how: fc.constantFrom('sequential' as const, 'concurrent' as const),
    }),
    { maxLength: 4 },
  ),
  drops: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 3 }),
  crashes: fc.array(
    fc.record({ invocation: fc.integer({ min: 0, max: 80 }), afterCall: fc.integer({ min: 1, max: 8 }) }),
    { maxLength: 3 },
  ),
  throttleRate: rate(0.3),
  surfacedThrottleRate: rate(0.03),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

// ---------------------------------------------------------------------------------------------
// Playing a night

/** A command's end: a pass or fail after 2 minutes, or a pass that comes near or past its bound. */
const outcomeOf = (key: CommandKey, verdict: CommandVerdict): Outcome => {
  if (verdict === 'slow') return { kind: 'pass', afterMinutes: key === 'manager-health' ? 14 : 19 };
  return verdict === 'pass'
    ? { kind: 'pass', afterMinutes: 2 }
    : { kind: 'fail', afterMinutes: 2, output: `RESULT fail: ${key} failed (generated)` };
};

interface Promotion {
  readonly at: number;
  readonly launchTemplateId: string;
  readonly candidateId: string;
  readonly version: number;
  readonly previousVersion: number;
}

interface DefaultMove {
  readonly at: number;
  readonly template: string;
  readonly from: number;
  readonly to: number;
  /** Promotions announced on our bus before the move. */
  readonly promotedBefore: readonly Promotion[];
}

/** The night's checks: `step` after every delivered event, `finish` once the night is over. */
export class Watch {
  readonly defaults = new Map<string, number>();
  readonly initialDefaults = new Map<string, number>();
  readonly moves: DefaultMove[] = [];
  /** Ledger rollout items: when each was first seen, and when first in a final state. */
  readonly items = new Map<string, { firstSeen: number; finalAt?: number }>();
  readonly failures: string[] = [];
  steps = 0;

  constructor(private readonly s: Scenario) {
    for (const lt of s.world.launchTemplates.values()) {
      this.defaults.set(lt.id, lt.defaultVersion);
      this.initialDefaults.set(lt.id, lt.defaultVersion);
    }
  }

  promotions(): Promotion[] {
    return this.s.world.putEvents
      .filter((e) => e['detail-type'] === 'Candidate Promoted')
      .map((e) => ({
        at: Date.parse(e.time),
        launchTemplateId: String(e.detail.launchTemplateId),
        candidateId: String(e.detail.candidateId),
        version: Number(e.detail.version),
        previousVersion: Number(e.detail.previousVersion),
      }));
  }

  /** After every delivered event: the world's promises, default moves, ledger items. */
  step(): void {
    this.steps += 1;
    const { world } = this.s;
    if (world.violations.length > 0 || world.refusedCommands.length > 0) {
      throw new Error(
        `broken promise at ${this.s.now()}: ${[...world.violations, ...world.refusedCommands].join('; ')}`,
      );
    }
    const now = Date.now();
    for (const lt of world.launchTemplates.values()) {
      const before = this.defaults.get(lt.id);
      if (before !== undefined && before !== lt.defaultVersion) {
        this.moves.push({
          at: now,
          template: lt.id,
          from: before,
          to: lt.defaultVersion,
          promotedBefore: this.promotions().filter((p) => p.launchTemplateId === lt.id),
        });
      }
      this.defaults.set(lt.id, lt.defaultVersion);
    }
    for (const item of world.table.values()) {
      if (!String(item.sk).startsWith('ROLLOUT#')) continue;
      const key = `${String(item.pk)}/${String(item.sk)}`;
      const seen = this.items.get(key) ?? { firstSeen: now };
      if (seen.finalAt === undefined && FINAL.has(String(item.state))) seen.finalAt = now;
      this.items.set(key, seen);
    }
  }

  /** Candidates the ledger (or a Rollout Failed event) shows as rolled back, or being rolled back. */
  rolledBack(): Set<string> {
    const ids = new Set<string>();
    for (const item of this.s.world.table.values()) {
      if (!String(item.sk).startsWith('ROLLOUT#')) continue;
      const history = (item.history as { state: string }[] | undefined) ?? [];
      if (ROLLBACK_STATES.has(String(item.state)) || history.some((h) => ROLLBACK_STATES.has(h.state)))
        ids.add(String(item.candidateId));
    }
    for (const e of this.s.busEvents('Rollout Failed'))
      if (e.outcome === 'rolled-back') ids.add(String(e.candidateId));
    return ids;
  }

  /**
   * The checks of the night's end. A default move is judged here, not when it happens: a crash
   * between restoring the default and saving the rollback leaves a correct rollback unexplained
   * until Lambda's retry saves it.
   */
  finish(): void {
    const { world } = this.s;
    const rolledBack = this.rolledBack();
    const promotions = this.promotions();
    for (const move of this.moves) {
      const live = move.promotedBefore.filter((p) => !rolledBack.has(p.candidateId)).map((p) => p.version);
      const newest = Math.max(...live);
      if (move.to < newest)
        this.failures.push(
          `${new Date(move.at).toISOString()} the default of ${move.template} moved ${move.from} -> ${move.to}, older than version ${newest}, promoted and never rolled back`,
        );
    }
    for (const lt of world.launchTemplates.values()) {
      const live = promotions
        .filter((p) => p.launchTemplateId === lt.id && !rolledBack.has(p.candidateId))
        .map((p) => p.version);
      const expected = live.length ? Math.max(...live) : this.initialDefaults.get(lt.id);
      if (lt.defaultVersion !== expected)
        this.failures.push(
          `the default of ${lt.name} ends at ${lt.defaultVersion}, not ${expected} (the newest promotion not rolled back, or the default before the night)`,
        );
    }
    for (const item of world.table.values()) {
      const at = `${String(item.pk)}/${String(item.sk)}`;
      if (String(item.sk).startsWith('ROLLOUT#')) {
        const seen = this.items.get(at);
        const state = String(item.state);
        if (!FINAL.has(state)) {
          this.failures.push(`${at} (${String(item.kind)}) ends in ${state}, not a final state`);
        } else if (seen?.finalAt !== undefined && seen.finalAt - seen.firstSeen > ROLLOUT_BOUND_MS) {
          this.failures.push(
            `${at} (${String(item.kind)}) took ${Math.round((seen.finalAt - seen.firstSeen) / HOUR)} h to reach ${state}`,
          );
        }
      } else if (item.sk === 'LEASE' && Date.parse(String(item.expiresAt)) > Date.now()) {
        // ledger.ts: a lease is free when its item is gone (released) or its expiresAt has passed.
        this.failures.push(
          `${at} still held by ${String(item.holder)} (${String(item.action)}) until ${String(item.expiresAt)}`,
        );
      }
    }
    const fakeErrors = this.s.invocations.filter((i) => /fake( aws)?:/.test(i.result));
    if (fakeErrors.length > 0)
      this.failures.push(
        `calls the fake AWS does not model: ${fakeErrors.map((i) => `${i.service}: ${i.result}`).join('; ')}`,
      );
    if (this.s.permanentFailures.length > 0)
      this.failures.push(
        `events rejected as permanent failures: ${this.s.permanentFailures.map((i) => `${i.at} ${i.service} [${i.via}] ${i.result}`).join('; ')}`,
      );
  }
}

const scriptCommands = (s: Scenario, night: Night): void => {
  for (const key of COMMAND_KEYS) {
    const list = night.commands[key];
    let n = 0;
    s.world.scripts[key as DocumentKey] = () => outcomeOf(key, list[n++ % list.length] ?? 'pass');
  }
};

export interface NightResult {
  readonly scenario: Scenario;
  readonly failures: readonly string[];
  readonly steps: number;
}

/** Plays one night and returns what its checks found (empty: every promise held). */
export const playNight = async (configPath: string, night: Night): Promise<NightResult> => {
  // Each night starts a fresh capture: hundreds of nights of function logs would pile up.
  stopCapture();
  startCapture();
  const start = WEEK_START + night.startMinute * MINUTE;
  const duplicates = new Map(night.duplicates.map((d) => [d.delivery, d.how]));
  const drops = new Set(night.drops);
  const crashes = new Map(night.crashes.map((c) => [c.invocation, c.afterCall]));
  let watch: Watch | undefined;
  // One test plays every night: keep only this night's captured output.
  clearCapture();
  const s = new Scenario({
    configPath,
    start: new Date(start).toISOString(),
    duplicateWhen: (delivery) => duplicates.get(delivery),
    dropWhen: (_event, index) => drops.has(index),
    crashAfter: (invocation) => crashes.get(invocation),
    beforeStep: () => watch?.step(),
    warm: true,
  });
  try {
    const { world } = s;
    standardFleet(world);
    for (const fleet of FLEETS) world.alarms.set(alarmOf(fleet), 'OK');
    for (const alarm of night.alarmsAtStart) world.alarms.set(alarm, 'ALARM');
    scriptCommands(s, night);
    world.setThrottling(night.throttleRate, night.seed);
    world.surfacedThrottleRate = night.surfacedThrottleRate;
    watch = new Watch(s);

    const at = (minute: number) => start + minute * MINUTE;
    night.images.forEach((image, i) => {
      const build = i + 2;
      const amiId = `ami-0000000000000${image.pipeline === 'jobs' ? 'a' : 'b'}${String(build).padStart(3, '0')}`;
      world.at(at(image.atMinute), `Image Ready ${image.pipeline} ${build}`, () =>
        s.imageReady(image.pipeline, amiId, build),
      );
    });
    for (const flip of night.alarmFlips)
      world.at(at(flip.atMinute), `alarm ${flip.fleet} ${flip.state}`, () =>
        world.setAlarm(alarmOf(flip.fleet), flip.state),
      );
    for (const minute of night.drainFailures)
      world.at(at(minute), 'a draining manager fails its status checks', () => {
        const draining = liveManagers(world).find((m) => m.runner === 'draining');
        if (draining) world.markUnhealthy(draining.id);
      });
    for (const job of night.jobs)
      world.at(at(job.atMinute), `a job of ${job.minutes} min arrives`, () => {
        // Only a manager whose runner takes jobs gets one (a draining runner takes none).
        const manager = liveManagers(world).find((m) => m.runner === 'running');
        if (manager) world.startJob(manager.id, job.minutes);
      });

    try {
      await s.runUntilQuiet({
        maxSteps: 20_000,
        maxMinutes: INPUT_SPAN_MINUTES + ROLLOUT_BOUND_MS / MINUTE,
      });
    } catch (error) {
      // A broken promise stops the night where it happened; a run that never settles is judged below.
      const message = (error as Error).message;
      if (!/still busy after its time bound|did not settle/.test(message))
        return { scenario: s, failures: [message.split('\n')[0] ?? message], steps: watch.steps };
      watch.failures.push(message.split('\n')[0] ?? message);
    }
    watch.step();
    watch.finish();
    return { scenario: s, failures: watch.failures, steps: watch.steps };
  } finally {
    endScenario();
  }
};

/** `npm test` runs this many; a nightly run raises it with ROLLOUT_NIGHTS. */
export const nightCount = (fallback: number): number => {
  const raw = process.env.ROLLOUT_NIGHTS;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ROLLOUT_NIGHTS=${raw} is not a positive whole number`);
  return n;
};
