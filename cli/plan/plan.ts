import { Cron } from 'croner';
import type { SuiteConfig } from '../../functions/shared/config';
import type { Fleet, Window } from '../../functions/shared/fleet';
import { DRAIN_SLACK_SECONDS, drainBoundSeconds } from '../../functions/shared/rollout/commands';
import {
  drainWindowMinutes,
  fleetsOnTemplate,
  maintenanceTiming,
  promotionTiming,
  recycleFleetsByManager,
  REPLACEMENT_START_MINUTES,
  type Timing,
} from '../../functions/shared/rollout/decide';
import { MAX_SEARCH_MINUTES, nextWindowStart, windowEnd } from '../../functions/shared/windows';
import { at as fullTime, localTime, nextRun, windowText } from '../../infra/local-time';
import { HOUSEKEEPING_SCHEDULE, RECONCILER_EVERY_MINUTES } from '../../infra/schedule';
import { SIMULATED_MINUTES } from '../../rehearsal/durations';

/**
 * What a config will do over the next days, offline: each scheduled bake, the candidates it
 * stages, when they are promoted (or what holds them), when their managers are drained or
 * restarted, and the windows and checks around them. Every decision is the functions' own
 * (`promotionTiming`, `maintenanceTiming`, `fleetsOnTemplate`); only the durations between a bake
 * and its canary's verdict are estimates, the ones the rehearsal simulates. Pure: the config and
 * the start time in, facts out (cli/plan/render.ts words them).
 */

const MINUTE = 60_000;
const after = (at: Date, minutes: number): Date => new Date(at.getTime() + minutes * MINUTE);
const minutesBetween = (from: Date, to: Date): number => Math.floor((to.getTime() - from.getTime()) / MINUTE);
const startOfMinute = (at: Date): Date => new Date(Math.floor(at.getTime() / MINUTE) * MINUTE);

/**
 * Bakes of the day before the plan starts count too: what they started (a restart waiting for
 * tonight's window) happens in it. Older ones are left out: with nightly windows they are done,
 * and what is really in flight is in the ledger (`runner-autopilot ledger`), not in the config.
 */
const LOOKBACK_MINUTES = 24 * 60;
/** Maintenance windows looked at to tell how long the longest one is. */
const WINDOWS_LOOKED_AT = 14;

/** The durations between a bake's start and its canary's verdict, as the rehearsal plays them. */
export const ESTIMATES = {
  bakeMinutes: SIMULATED_MINUTES.bake,
  bootMinutes: SIMULATED_MINUTES.boot,
  smokeMinutes: SIMULATED_MINUTES.command,
} as const;

/** A stretch of consecutive minutes inside windows; `end` (first minute outside) undefined: not within a month. */
export interface Span {
  readonly start: Date;
  readonly end: Date | undefined;
  /** It had begun before the plan starts: `start` is the plan's start. */
  readonly open: boolean;
}

export interface BakeRef {
  readonly pipeline: string;
  readonly at: Date;
}

/** A manager's drain after a promotion: its replacement (manager image) or restart (recycle). */
export interface Maintenance {
  readonly action: 'replace' | 'restart';
  readonly manager: Fleet;
  /** The `recycle` fleets a restart replaces; none for a replacement. */
  readonly recycled: readonly Fleet[];
  /** When the drain may start (`maintenanceTiming` from the promotion); undefined: never. */
  readonly at: Date | undefined;
  /** It starts at the promotion itself, whose time is an estimate. */
  readonly estimate: boolean;
  /** The first window after the promotion, too short by then for a drain. */
  readonly skipped?: { readonly start: Date; readonly end: Date; readonly leftMinutes: number };
  /** Other drains of this manager due at the same time: they take its lease one at a time. */
  readonly sharedWith: readonly BakeRef[];
  /** A newer candidate promoted on the template before this drain began: nothing left to drain. */
  readonly supersededBy?: BakeRef;
}

/** A candidate staged on one launch template from one bake, and what becomes of it. */
export interface Candidate {
  readonly bake: BakeRef;
  readonly launchTemplate: string;
  /** Every fleet on the template, the lead (whose canary settings apply) first. */
  readonly fleets: readonly Fleet[];
  /** Estimates: the image is AVAILABLE and staged; the canary's smoke test has passed. */
  readonly stagedAt: Date;
  readonly passedAt: Date;
  /** `promotionTiming` when the canary passes. */
  readonly promotion: Timing;
  /** When it becomes the default; undefined when a freeze never ends. */
  readonly promotedAt: Date | undefined;
  /** A newer candidate becomes the default at the same moment (both held by one freeze). */
  readonly supersededBy?: BakeRef;
  /**
   * The drains its promotion leads to: the manager's replacement for a manager image, a restart of
   * each manager whose `recycle` fleets are on the template for a jobs image; none otherwise.
   */
  readonly maintenance: readonly Maintenance[];
}

export interface Bake extends BakeRef {
  readonly cron: string;
  readonly timeZone: string;
  readonly candidates: readonly Candidate[];
}

interface EventBase {
  readonly at: Date;
  /** The time is an estimate (it follows a bake). */
  readonly estimate: boolean;
  /** A pipeline, launch template or fleet. */
  readonly subject: string;
  /** The fleets it concerns: it is shown in their time zones. */
  readonly fleets: readonly string[];
}

export type PlanEvent =
  | (EventBase & { readonly kind: 'bake'; readonly bake: Bake })
  /** At the promotion: a candidate becomes the default (or is superseded at that moment). */
  | (EventBase & { readonly kind: 'promotion'; readonly candidate: Candidate })
  /** The canary passed inside a freeze: the promotion waits (`promotion` follows), or never comes. */
  | (EventBase & { readonly kind: 'promotion-held'; readonly candidate: Candidate })
  | (EventBase & {
      readonly kind: 'manager-replacement' | 'manager-restart';
      readonly candidate: Candidate;
      readonly maintenance: Maintenance;
    })
  | (EventBase & { readonly kind: 'drift-check'; readonly fleet: Fleet })
  | (EventBase & {
      readonly kind: 'freeze-window';
      readonly span: Span;
      readonly launchTemplate: string;
      /** The fleets whose freeze windows these are. */
      readonly owners: readonly string[];
      /** Candidates whose canary passed inside it: their promotion waits for its end. */
      readonly held: readonly Candidate[];
    })
  | (EventBase & {
      readonly kind: 'maintenance-window';
      readonly span: Span;
      readonly manager: Fleet;
      /** Whether a drain may start in it at all (`maintenanceTiming` at its start). */
      readonly drainFits: boolean;
      /** The last minute a drain may start in it; undefined when none or when it never ends. */
      readonly drainsUntil: Date | undefined;
    });

export type EventKind = PlanEvent['kind'];

/** Something the config makes happen, or not, that a person should know before deploying it. */
export interface Finding {
  readonly severity: 'warning' | 'note';
  readonly kind:
    | 'no-maintenance-window'
    | 'maintenance-window-too-short'
    | 'freeze-never-ends'
    | 'freeze-covers-maintenance'
    | 'recycle-next-night';
  readonly fleets: readonly string[];
  /** The windows concerned, as the config writes them. */
  readonly windows: readonly string[];
  /** The reason, then what to change. */
  readonly message: string;
}

/** What holds all along: the rules windows set, and what runs regardless of bakes (one sentence, not one event per run). */
export interface Throughout {
  readonly kind:
    | 'freeze-rule'
    | 'drain-rule'
    | 'sweep'
    | 'reconcile'
    | 'housekeeping'
    | 'webhook'
    | 'unscheduled-pipeline';
  readonly sentence: string;
}

export interface Plan {
  readonly deployment: string;
  readonly region: string;
  readonly from: Date;
  readonly until: Date;
  readonly days: number;
  readonly fleets: readonly Fleet[];
  /** Events from `from` (inclusive) to `until` (exclusive), in time order. */
  readonly events: readonly PlanEvent[];
  readonly throughout: readonly Throughout[];
  readonly findings: readonly Finding[];
}

/** `a, b and c` */
export const list = (items: readonly string[], conjunction: 'and' | 'or' = 'and'): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;

/** `03:01 UTC`: a time of day in the zone it is written in. */
const clock = (date: Date, zone: string): string => `${localTime(date, zone).time} ${zone}`;

/** The zone a finding about these windows speaks in: theirs. */
const zoneOfWindows = (windows: readonly Window[]): string => windows[0]?.timeZone ?? 'UTC';

/** `03:30 UTC`: the housekeeper's time of day (its schedule is daily). */
const housekeepingClock = (from: Date): string => {
  const { cron, timeZone } = HOUSEKEEPING_SCHEDULE;
  const next = nextRun(cron, timeZone, from) as Date;
  return clock(next, timeZone);
};

/**
 * The runs of a 5-field cron from `from` (inclusive) to `until` (exclusive), as EventBridge
 * Scheduler makes them: a run whose local time does not exist (the spring daylight-saving gap) is
 * skipped (AWS re:Post knowledge center, "eventbridge-scheduler-adjust-dst"), where croner would
 * move it to the next valid minute, so a run croner gives that its cron does not match is dropped.
 */
const runs = (cron: string, timeZone: string, from: Date, until: Date): Date[] => {
  const schedule = new Cron(cron, { timezone: timeZone, paused: true });
  const out: Date[] = [];
  for (let t = nextRun(cron, timeZone, after(from, -1 / 60)); t && t < until; t = nextRun(cron, timeZone, t))
    if (schedule.match(t)) out.push(t);
  return out;
};

/** The stretches inside `windows` that begin before `until` (one already begun at `from` included). */
const spans = (windows: readonly Window[], from: Date, until: Date, most = Infinity): Span[] => {
  const out: Span[] = [];
  let t = from;
  while (out.length < most) {
    const start = nextWindowStart(windows, t);
    if (!start || start >= until) break;
    const end = windowEnd(windows, start);
    out.push({ start, end, open: start.getTime() === from.getTime() });
    if (!end) break;
    t = end;
  }
  return out;
};

const drainFitsAt = (manager: Fleet, at: Date): boolean =>
  maintenanceTiming(manager, at, drainWindowMinutes(manager)).kind === 'now';

/**
 * The last minute of `span` at which `maintenanceTiming` lets a drain start; undefined when none
 * does, or when the window never ends within a month (any minute does).
 */
const lastDrainStart = (manager: Fleet, span: Span): Date | undefined => {
  const fits = (minutes: number) => drainFitsAt(manager, after(span.start, minutes));
  if (!span.end || !fits(0)) return undefined;
  // Inside one window the time left only shrinks: the last fitting minute is found by halving.
  let [fit, late] = [0, minutesBetween(span.start, span.end)];
  while (late - fit > 1) {
    const mid = Math.floor((fit + late) / 2);
    if (fits(mid)) fit = mid;
    else late = mid;
  }
  return after(span.start, fit);
};

const canaryPassedAt = (stagedAt: Date, lead: Fleet): Date => {
  const every = lead.canary.checkIntervalMinutes;
  // The canary is checked every interval after its launch; the first check that finds it online starts the smoke test.
  const online = Math.ceil(ESTIMATES.bootMinutes / every) * every;
  return after(stagedAt, online + ESTIMATES.smokeMinutes);
};

const fleetByName = (config: SuiteConfig, name: string | undefined): Fleet | undefined =>
  config.fleets.find((f) => f.name === name);

type Drain = Omit<Maintenance, 'sharedWith'>;

/** When the drain of `manager` asked for at `promotedAt` may start, and the window it misses. */
const drainAfter = (
  action: Maintenance['action'],
  manager: Fleet,
  recycled: readonly Fleet[],
  promotedAt: Date,
): Drain => {
  const timing = maintenanceTiming(manager, promotedAt, drainWindowMinutes(manager));
  if (timing.kind === 'never') return { action, manager, recycled, at: undefined, estimate: false };
  if (timing.kind === 'now') return { action, manager, recycled, at: promotedAt, estimate: true };
  const first = nextWindowStart(manager.maintenanceWindows, promotedAt);
  const firstEnd = first && windowEnd(manager.maintenanceWindows, first);
  const skipped =
    first && firstEnd && first < timing.until
      ? {
          start: first,
          end: firstEnd,
          leftMinutes: minutesBetween(first > promotedAt ? first : promotedAt, firstEnd),
        }
      : undefined;
  return { action, manager, recycled, at: timing.until, estimate: false, ...(skipped ? { skipped } : {}) };
};

/**
 * The drains a promotion leads to, as promotion.ts and manager.ts decide them: the manager's
 * replacement, or a restart of each manager of the template's recycle fleets.
 */
const drainsAfter = (config: SuiteConfig, fleets: readonly Fleet[], promotedAt: Date): Drain[] => {
  const lead = fleets[0] as Fleet;
  if (lead.role === 'manager') return [drainAfter('replace', lead, [], promotedAt)];
  return [...recycleFleetsByManager(fleets)].flatMap(([name, recycled]) => {
    const manager = fleetByName(config, name);
    return manager ? [drainAfter('restart', manager, recycled, promotedAt)] : [];
  });
};

const sameTime = (a: Date | undefined, b: Date | undefined): boolean =>
  a !== undefined && b !== undefined && a.getTime() === b.getTime();

const refOf = (c: { bake: BakeRef }): BakeRef => c.bake;

/**
 * Every candidate of every scheduled bake from `lookFrom` to `until`, and what becomes of it:
 * promotion (or a freeze that holds it), then the drain it needs, with what supersedes what.
 */
const candidatesOf = (config: SuiteConfig, lookFrom: Date, until: Date): Bake[] => {
  type Draft = Omit<Candidate, 'maintenance' | 'supersededBy'>;
  const bakes = config.pipelines
    .filter((p) => p.schedule.enabled)
    .flatMap((p) => {
      const templates = [
        ...new Set(config.fleets.filter((f) => f.pipeline === p.name).map((f) => f.launchTemplate)),
      ].sort();
      return runs(p.schedule.cron, p.schedule.timeZone, lookFrom, until).map((at) => ({
        pipeline: p.name,
        at,
        cron: p.schedule.cron,
        timeZone: p.schedule.timeZone,
        drafts: templates.map((launchTemplate): Draft => {
          const fleets = fleetsOnTemplate(config.fleets, launchTemplate);
          const stagedAt = after(at, ESTIMATES.bakeMinutes);
          const passedAt = canaryPassedAt(stagedAt, fleets[0] as Fleet);
          const promotion = promotionTiming(fleets, passedAt);
          const promotedAt =
            promotion.kind === 'now' ? passedAt : promotion.kind === 'wait' ? promotion.until : undefined;
          return {
            bake: { pipeline: p.name, at },
            launchTemplate,
            fleets,
            stagedAt,
            passedAt,
            promotion,
            promotedAt,
          };
        }),
      }));
    });
  const drafts = bakes.flatMap((b) => b.drafts);
  const newer = (d: Draft) =>
    drafts.filter((o) => o.launchTemplate === d.launchTemplate && o.bake.at > d.bake.at);
  // Held by one freeze, candidates of one template wake together: only the newest stays the default.
  const promotedOver = (d: Draft) => newer(d).find((o) => sameTime(o.promotedAt, d.promotedAt));
  const drains = new Map<Draft, Drain[]>();
  for (const d of drafts) {
    if (!d.promotedAt || promotedOver(d)) continue;
    const promotedAt = d.promotedAt;
    drains.set(
      d,
      drainsAfter(config, d.fleets, promotedAt).map((m) => {
        // A newer promotion ends a replacement still waiting for its window (promotion.ts, supersedeOlder).
        const over =
          m.action === 'replace'
            ? newer(d)
                .filter((o) => o.promotedAt && !promotedOver(o) && (!m.at || o.promotedAt < m.at))
                .sort((a, b) => (a.promotedAt as Date).getTime() - (b.promotedAt as Date).getTime())[0]
            : undefined;
        return over ? { ...m, supersededBy: refOf(over) } : m;
      }),
    );
  }
  const live = [...drains].flatMap(([d, ms]) =>
    ms.filter((m) => !m.supersededBy && m.at).map((m) => [d, m] as const),
  );
  const sharedWith = (d: Draft, m: Drain): BakeRef[] =>
    live
      .filter(([o, om]) => o !== d && om.manager.name === m.manager.name && sameTime(om.at, m.at))
      .map(([o]) => refOf(o));
  return bakes.map(({ drafts: own, ...bake }) => ({
    ...bake,
    candidates: own.map((d): Candidate => {
      const over = promotedOver(d);
      return {
        ...d,
        ...(over ? { supersededBy: refOf(over) } : {}),
        maintenance: (drains.get(d) ?? []).map((m) => ({
          ...m,
          sharedWith: m.supersededBy ? [] : sharedWith(d, m),
        })),
      };
    }),
  }));
};

const names = (fleets: readonly Fleet[]): string[] => fleets.map((f) => f.name);

const bakeEvents = (bakes: readonly Bake[]): PlanEvent[] =>
  bakes.flatMap((bake) => {
    const events: PlanEvent[] = [
      {
        kind: 'bake',
        at: bake.at,
        estimate: false,
        subject: bake.pipeline,
        fleets: names(bake.candidates.flatMap((c) => c.fleets)),
        bake,
      },
    ];
    for (const c of bake.candidates) {
      const base = { subject: c.launchTemplate, fleets: names(c.fleets), candidate: c };
      if (c.promotion.kind !== 'now')
        events.push({ ...base, kind: 'promotion-held', at: c.passedAt, estimate: true });
      if (c.promotedAt)
        events.push({ ...base, kind: 'promotion', at: c.promotedAt, estimate: c.promotion.kind === 'now' });
      for (const m of c.maintenance.filter((m) => m.at && !m.supersededBy))
        events.push({
          kind: m.action === 'replace' ? 'manager-replacement' : 'manager-restart',
          at: m.at as Date,
          estimate: m.estimate,
          subject: m.manager.name,
          fleets: names([m.manager, ...m.recycled]),
          candidate: c,
          maintenance: m,
        });
    }
    return events;
  });

const windowEvents = (config: SuiteConfig, bakes: readonly Bake[], from: Date, until: Date): PlanEvent[] => {
  const templates = [...new Set(config.fleets.map((f) => f.launchTemplate))].sort();
  const candidates = bakes.flatMap((b) => b.candidates);
  const freezes = templates.flatMap((launchTemplate) => {
    const fleets = fleetsOnTemplate(config.fleets, launchTemplate);
    const owners = names(fleets.filter((f) => f.freezeWindows.length > 0));
    return spans(
      fleets.flatMap((f) => f.freezeWindows),
      from,
      until,
    ).map((span): PlanEvent => ({
      kind: 'freeze-window',
      at: span.start,
      estimate: false,
      subject: launchTemplate,
      fleets: names(fleets),
      span,
      launchTemplate,
      owners,
      held: candidates.filter(
        (c) =>
          c.launchTemplate === launchTemplate &&
          c.promotion.kind !== 'now' &&
          c.passedAt >= span.start &&
          (!span.end || c.passedAt < span.end),
      ),
    }));
  });
  const maintenance = config.fleets
    .filter((f) => f.role === 'manager')
    .flatMap((manager) =>
      spans(manager.maintenanceWindows, from, until).map((span): PlanEvent => ({
        kind: 'maintenance-window',
        at: span.start,
        estimate: false,
        subject: manager.name,
        fleets: [manager.name],
        span,
        manager,
        drainFits: drainFitsAt(manager, span.start),
        drainsUntil: lastDrainStart(manager, span),
      })),
    );
  const drift = config.fleets.flatMap((fleet) => {
    const check = fleet.runnerConfig?.driftCheck;
    return check
      ? runs(check.cron, check.timeZone, from, until).map((at): PlanEvent => ({
          kind: 'drift-check',
          at,
          estimate: false,
          subject: fleet.name,
          fleets: [fleet.name],
          fleet,
        }))
      : [];
  });
  return [...freezes, ...maintenance, ...drift];
};

/** `the drain bound of 135 min (maxJobMinutes 120 + 15) and 10 for the replacement to start` */
export const drainNeeds = (manager: Fleet): string =>
  `${drainWindowMinutes(manager)} min: the drain bound of ${Math.ceil(drainBoundSeconds(manager) / 60)} (maxJobMinutes ${manager.maxJobMinutes} + ${DRAIN_SLACK_SECONDS / 60}) and ${REPLACEMENT_START_MINUTES} for the replacement to start`;

const recycledBy = (config: SuiteConfig, manager: Fleet): Fleet[] =>
  config.fleets.filter((f) => f.rollout === 'recycle' && f.manager === manager.name);

const maintenanceFindings = (config: SuiteConfig, from: Date): Finding[] =>
  config.fleets
    .filter((f) => f.role === 'manager')
    .flatMap((manager): Finding[] => {
      if (maintenanceTiming(manager, from, drainWindowMinutes(manager)).kind !== 'never') return [];
      const recycled = names(recycledBy(config, manager));
      const never = [
        'its own candidates are promoted but the rollout fails before its replacement',
        ...(recycled.length
          ? [`${recycled.join(', ')} (recycle) ${recycled.length > 1 ? 'are' : 'is'} never recycled`]
          : []),
        ...(manager.runnerConfig ? ['a config change that needs a restart is never applied'] : []),
      ];
      const stuck = `${manager.name} is never drained: ${list(never)}`;
      const windows = manager.maintenanceWindows.map(windowText);
      if (windows.length === 0)
        return [
          {
            severity: 'warning',
            kind: 'no-maintenance-window',
            fleets: [manager.name, ...recycled],
            windows,
            message: `manager fleet ${manager.name} has no maintenance window, so ${stuck}. Add a maintenance window of at least ${drainNeeds(manager)}.`,
          },
        ];
      const longest = Math.max(
        ...spans(manager.maintenanceWindows, from, after(from, MAX_SEARCH_MINUTES), WINDOWS_LOOKED_AT).map(
          (s) => (s.end ? minutesBetween(s.start, s.end) : 0),
        ),
      );
      return [
        {
          severity: 'warning',
          kind: 'maintenance-window-too-short',
          fleets: [manager.name, ...recycled],
          windows,
          message: `no maintenance window of manager fleet ${manager.name} (${windows.join('; ')}) is long enough for a drain, which needs ${drainNeeds(manager)}; the longest is ${longest} min. So ${stuck}. Lengthen a window to at least ${drainWindowMinutes(manager)} min, or lower maxJobMinutes (the drain bound is maxJobMinutes + ${DRAIN_SLACK_SECONDS / 60} min).`,
        },
      ];
    });

const freezeFindings = (
  config: SuiteConfig,
  events: readonly PlanEvent[],
  from: Date,
  until: Date,
): Finding[] => {
  const endless = events.flatMap((e) => (e.kind === 'freeze-window' && !e.span.end ? [e] : []));
  const never: Finding[] = endless.map((e) => {
    const fleets = fleetsOnTemplate(config.fleets, e.launchTemplate);
    return {
      severity: 'warning',
      kind: 'freeze-never-ends',
      fleets: names(fleets),
      windows: fleets.flatMap((f) => f.freezeWindows.map(windowText)),
      message: `the freeze windows of ${e.owners.join(', ')} on launch template ${e.launchTemplate} do not end within a month of ${fullTime(e.span.start, zoneOfWindows(fleets.flatMap((f) => f.freezeWindows)))}: nothing is promoted on ${e.launchTemplate}, and a candidate whose canary passes inside them fails ("a freeze window never ends within a month"). Narrow the freeze windows so that they end.`,
    };
  });
  const covering = config.fleets
    .filter((f) => f.role === 'manager')
    .flatMap((manager): Finding[] => {
      const fleets = fleetsOnTemplate(config.fleets, manager.launchTemplate);
      const freeze = fleets.flatMap((f) => f.freezeWindows);
      const windows = spans(manager.maintenanceWindows, from, until);
      if (freeze.length === 0 || windows.length === 0) return [];
      const covered = windows.every((w) => {
        const thaw = windowEnd(freeze, w.start);
        return !thaw || !w.end || thaw >= w.end;
      });
      if (!covered) return [];
      const owners = names(fleets.filter((f) => f.freezeWindows.length > 0));
      return [
        {
          severity: 'warning',
          kind: 'freeze-covers-maintenance',
          fleets: [manager.name],
          windows: [...manager.maintenanceWindows, ...freeze].map(windowText),
          message: `every maintenance window of manager fleet ${manager.name} (${manager.maintenanceWindows.map(windowText).join('; ')}) lies inside the freeze windows of ${owners.join(', ')} (${freeze.map(windowText).join('; ')}). A freeze holds only promotions, never a drain: a candidate is promoted when a freeze ends, and the manager is then drained and replaced in its next maintenance window, inside the freeze. If nothing may change during the freeze, move the maintenance windows out of it; to hold drains for a while, use \`runner-autopilot freeze\`.`,
        },
      ];
    });
  return [...never, ...covering];
};

/**
 * A manager whose recycle lands a night later after every bake of the plan: said once per
 * manager, with how to change it.
 */
const recycleFindings = (bakes: readonly Bake[], from: Date): Finding[] => {
  const restarts = bakes
    .filter((b) => b.at >= from)
    .flatMap((b) => b.candidates)
    .flatMap((c) =>
      c.maintenance.filter((m) => m.action === 'restart' && m.at && !m.supersededBy).map((m) => ({ c, m })),
    );
  const managers = [...new Set(restarts.map(({ m }) => m.manager.name))];
  return managers.flatMap((manager) => {
    const own = restarts.filter(({ m }) => m.manager.name === manager);
    const { c: first, m } = own[0] as (typeof own)[number];
    return m.skipped && own.every(({ m }) => m.skipped) ? [recycleNextNight(first, m, m.skipped)] : [];
  });
};

const recycleNextNight = (
  first: Candidate,
  m: Maintenance,
  skipped: NonNullable<Maintenance['skipped']>,
): Finding => {
  const zone = zoneOfWindows(m.manager.maintenanceWindows);
  // The whole window the promotion fell in (the skipped part begins at the promotion itself).
  const promotedAt = first.promotedAt as Date;
  const window =
    spans(m.manager.maintenanceWindows, after(promotedAt, -24 * 60), after(promotedAt, 1)).find(
      (s) => s.start <= promotedAt && s.end !== undefined && s.end > promotedAt,
    ) ?? skipped;
  const lastStart = lastDrainStart(m.manager, { ...window, open: false });
  const lead = minutesBetween(first.bake.at, first.passedAt);
  const recycled = names(m.recycled);
  // A freeze that holds the promotion holds an earlier bake's too: only the freeze or the window can move.
  const advice =
    first.promotion.kind === 'wait'
      ? `The promotion waits for a freeze window until about ${clock(promotedAt, zone)}, whatever the bake time: to recycle the same night, end that freeze earlier or the maintenance window later.`
      : lastStart
        ? `To recycle the same night, bake by about ${clock(after(lastStart, -lead), zone)} or end the window later.`
        : 'To recycle the same night, end the window later.';
  return {
    severity: 'note',
    kind: 'recycle-next-night',
    fleets: [m.manager.name, ...recycled],
    windows: m.manager.maintenanceWindows.map(windowText),
    message: `${recycled.join(', ')} ${recycled.length > 1 ? 'are' : 'is'} not recycled in the maintenance window after the promotion of a candidate, but in the one after: the candidate of a ${clock(first.bake.at, zone)} bake of pipeline ${first.bake.pipeline} is promoted at about ${clock(promotedAt, zone)}, when the maintenance window of ${m.manager.name} (until ${clock(skipped.end, zone)}) has about ${skipped.leftMinutes} min left, less than the ${drainNeeds(m.manager)}. ${advice}`,
  };
};

const throughoutOf = (config: SuiteConfig, from: Date): Throughout[] => [
  ...[...new Set(config.fleets.map((f) => f.launchTemplate))]
    .sort()
    .flatMap((launchTemplate): Throughout[] => {
      const fleets = fleetsOnTemplate(config.fleets, launchTemplate).filter(
        (f) => f.freezeWindows.length > 0,
      );
      return fleets.length
        ? [
            {
              kind: 'freeze-rule',
              sentence: `Nothing is promoted on launch template ${launchTemplate} inside the freeze windows of ${fleets.map((f) => `${f.name} (${f.freezeWindows.map(windowText).join('; ')})`).join(', ')}: a candidate whose canary passes inside one is promoted when it ends.`,
            },
          ]
        : [];
    }),
  ...config.fleets
    .filter((f) => f.role === 'manager')
    .map((manager): Throughout => ({
      kind: 'drain-rule',
      sentence: `A drain, replacement or restart of manager fleet ${manager.name} starts only inside a maintenance window (${manager.maintenanceWindows.map(windowText).join('; ') || 'none'}) that still holds ${drainNeeds(manager)}; running jobs finish first.`,
    })),
  {
    kind: 'sweep',
    sentence: `The fleet sweeper runs every ${config.sweepEveryMinutes} minutes: idle, stuck, orphaned and outdated instances become metrics and alarms.`,
  },
  {
    kind: 'reconcile',
    sentence: `The reconciler runs every ${RECONCILER_EVERY_MINUTES} minutes and advances a rollout whose expected event never came.`,
  },
  {
    kind: 'housekeeping',
    sentence: `Housekeeping runs daily at ${housekeepingClock(from)}: old launch template versions and unused AMIs${config.housekeeping.dryRun ? ' are only reported (dryRun)' : ' are deleted'}.`,
  },
  ...(config.gitlab.webhook
    ? config.gitlab.webhook.rules.map((r): Throughout => ({
        kind: 'webhook',
        sentence: `A push matching webhook rule ${r.name} (${r.project}) bakes ${r.pipelines.join(', ')} at any time, as \`runner-autopilot bake\` does: its candidates take the same path as a scheduled bake's, from their own time.`,
      }))
    : []),
  ...config.pipelines
    .filter((p) => !p.schedule.enabled)
    .map((p): Throughout => ({
      kind: 'unscheduled-pipeline',
      sentence: `Pipeline ${p.name} has no scheduled bake (schedule.enabled is false): its fleets take candidates only from webhook pushes and \`runner-autopilot bake\`.`,
    })),
];

/** The plan of `days` days from `from` (bakes of the day before count too: see LOOKBACK_MINUTES). */
export const planConfig = (config: SuiteConfig, from: Date, days: number): Plan => {
  const start = startOfMinute(from);
  const until = after(start, days * 24 * 60);
  const bakes = candidatesOf(config, after(start, -LOOKBACK_MINUTES), until);
  const windows = windowEvents(config, bakes, start, until);
  const events = [...bakeEvents(bakes), ...windows]
    .filter((e) => e.at >= start && e.at < until)
    // Windows open before what happens in them at the same minute.
    .sort((a, b) => a.at.getTime() - b.at.getTime() || windowFirst(b) - windowFirst(a));
  return {
    deployment: config.deployment,
    region: config.region,
    from: start,
    until,
    days,
    fleets: config.fleets,
    events,
    throughout: throughoutOf(config, start),
    findings: [
      ...maintenanceFindings(config, start),
      ...freezeFindings(config, windows, start, until),
      ...recycleFindings(bakes, start),
    ],
  };
};

const windowFirst = (e: PlanEvent): number => (e.kind.endsWith('-window') ? 1 : 0);
