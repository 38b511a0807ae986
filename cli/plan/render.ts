import type { Fleet } from '../../functions/shared/fleet';
import { drainWindowMinutes } from '../../functions/shared/rollout/decide';
import { at as fullTime, localTime, zoneOf } from '../../infra/local-time';
import {
  type BakeRef,
  type Candidate,
  ESTIMATES,
  type Finding,
  list,
  type Maintenance,
  type Plan,
  type PlanEvent,
  type Throughout,
} from './plan';

/**
 * A plan in words: one section per time zone of the fleets, each event in the local time of the
 * fleets it concerns, grouped by local day; or the same as JSON (`planJson`, shape below).
 */

const DAY = 24 * 60 * 60_000;

/** A time seen from a day of the timeline: `03:01` that day, `Sun 01:00` within a week, else dated. */
const timeFrom = (date: Date, zone: string, day: string): string => {
  const t = localTime(date, zone);
  if (t.date === day) return t.time;
  const days = Math.abs(date.getTime() - Date.parse(`${day}T12:00:00Z`)) / DAY;
  return days < 6 ? `${t.weekday} ${t.time}` : `${t.weekday} ${t.date} ${t.time}`;
};

const names = (fleets: readonly Fleet[]): string => list(fleets.map((f) => f.name));

/** What a fleet does with a promoted candidate of its template. */
const strategy = (fleet: Fleet): string =>
  fleet.role === 'manager' ? 'replaced in a maintenance window' : fleet.rollout;

/** `the candidate of the 02:00 bake of jobs` */
const candidateOf = (bake: BakeRef, zone: string, day: string): string =>
  `the candidate of the ${timeFrom(bake.at, zone, day)} bake of ${bake.pipeline}`;

const freezeOwners = (c: Candidate): string => names(c.fleets.filter((f) => f.freezeWindows.length > 0));

/** Why a drain is not in the first window after the promotion, if it is not. */
const skippedReason = (m: Maintenance, zone: string, day: string): string =>
  m.skipped
    ? ` (by then the window until ${timeFrom(m.skipped.end, zone, day)} has about ${m.skipped.leftMinutes} of the ${drainWindowMinutes(m.manager)} min a drain needs)`
    : '';

/** When a drain after a promotion starts. */
const drainTime = (m: Maintenance & { at: Date }, zone: string, day: string): string =>
  m.estimate
    ? 'right away, inside its maintenance window'
    : `${timeFrom(m.at, zone, day)}${skippedReason(m, zone, day)}`;

const sharedNote = (m: Maintenance, zone: string, day: string): string =>
  m.sharedWith.length
    ? `; the drain for ${list(m.sharedWith.map((b) => candidateOf(b, zone, day)))} is due at the same time: they take the lease of ${m.manager.name} one at a time, and the second waits for the next window if too little of this one is left`
    : '';

/** The rollback alarms of the fleets: their own and, by default, each one's manager's system-failure alarm. */
const rollbackAlarms = (fleets: readonly Fleet[]): string => {
  const managers = [
    ...new Set(fleets.map((f) => (f.role === 'manager' ? f.name : f.manager)).filter((m) => m !== undefined)),
  ];
  const own = [...new Set(fleets.flatMap((f) => f.rollbackAlarms))];
  // Any one of them firing rolls back.
  return list([...own, ...managers.map((m) => `the runner system-failure alarm of ${m}`)], 'or');
};

/** What follows a promotion: the fleets' rollout by strategy, and the bake period. */
const followUp = (c: Candidate, zone: string, day: string): string => {
  const lead = c.fleets[0] as Fleet;
  const alarms = `${rollbackAlarms(c.fleets)} fires within ${lead.bakePeriodMinutes} min`;
  if (lead.role === 'manager') {
    const m = c.maintenance[0];
    if (!m?.at) return `; ${lead.name} is never drained: no maintenance window is long enough (see warnings)`;
    if (m.supersededBy)
      return `; before its window, ${candidateOf(m.supersededBy, zone, day)} is promoted over it, and ${lead.name} is replaced once, from that one`;
    return `; ${lead.name} is drained and replaced ${drainTime({ ...m, at: m.at }, zone, day)}, and rolled back if ${alarms} of its replacement`;
  }
  const natural = c.fleets.filter((f) => f.rollout === 'natural');
  const parts = natural.length
    ? [
        `${names(natural)} ${natural.length > 1 ? 'take' : 'takes'} it at ${natural.length > 1 ? 'their' : 'its'} next launches (natural)`,
      ]
    : [];
  for (const m of c.maintenance) {
    const recycled = `${names(m.recycled)} (recycle)`;
    parts.push(
      m.at
        ? `${recycled} ${m.recycled.length > 1 ? 'are' : 'is'} replaced by a graceful restart of ${m.manager.name} ${drainTime({ ...m, at: m.at }, zone, day)}`
        : `${recycled} ${m.recycled.length > 1 ? 'are' : 'is'} never recycled: no maintenance window of ${m.manager.name} is long enough (see warnings)`,
    );
  }
  return `: ${list(parts)}; rolled back if ${alarms}`;
};

const sentence = (e: PlanEvent, zone: string, day: string): string => {
  const at = (date: Date) => timeFrom(date, zone, day);
  switch (e.kind) {
    case 'bake': {
      const { bake } = e;
      const schedule = `pipeline ${bake.pipeline} bakes (schedule "${bake.cron}" ${bake.timeZone})`;
      if (bake.candidates.length === 0) return `${schedule}; no fleet takes its image`;
      const on = bake.candidates.map(
        (c) =>
          `${c.launchTemplate} for ${list(c.fleets.map((f, i) => `${f.name} (${strategy(f)}${i === 0 && c.fleets.length > 1 ? '; its canary settings apply' : ''})`))}`,
      );
      const staged = bake.candidates[0]?.stagedAt as Date;
      return `${schedule}; at about ${at(staged)} its image is staged as a candidate on launch template${on.length > 1 ? 's' : ''} ${list(on)}`;
    }
    case 'promotion-held': {
      const c = e.candidate;
      const head = `${candidateOf(c.bake, zone, day)} passes its canary inside a freeze window of ${freezeOwners(c)}`;
      return c.promotion.kind === 'wait'
        ? `${head}: its promotion on ${c.launchTemplate} waits until ${at(c.promotion.until)}`
        : `${head} that does not end within a month: the rollout fails and nothing is promoted (see warnings)`;
    }
    case 'promotion': {
      const c = e.candidate;
      const what = `${candidateOf(c.bake, zone, day)}${c.promotion.kind === 'now' ? ' passes its canary and' : ', held by the freeze,'}`;
      if (c.supersededBy)
        return `${what} is not promoted: ${candidateOf(c.supersededBy, zone, day)} becomes the default of ${c.launchTemplate} at the same time`;
      return `${what} becomes the default of ${c.launchTemplate}${followUp(c, zone, day)}`;
    }
    case 'manager-replacement': {
      const { maintenance: m, candidate: c } = e;
      return `${m.manager.name} is drained (running jobs finish) and replaced from ${candidateOf(c.bake, zone, day)}, the default of ${c.launchTemplate} since ${c.promotion.kind === 'now' ? 'about ' : ''}${at(c.promotedAt as Date)}${sharedNote(m, zone, day)}`;
    }
    case 'manager-restart': {
      const { maintenance: m, candidate: c } = e;
      return `${m.manager.name} restarts gracefully (running jobs finish), as asked when ${candidateOf(c.bake, zone, day)} was promoted: every job instance of ${names(m.recycled)} is replaced from the default of ${c.launchTemplate}${sharedNote(m, zone, day)}`;
    }
    case 'drift-check':
      return `drift check of the live config.toml of ${e.fleet.name} against the published one (report only)`;
    case 'freeze-window': {
      const { span } = e;
      const begins = `${span.open ? 'inside' : 'start of'} the freeze windows of ${list(e.owners)}: nothing is promoted on ${e.launchTemplate}`;
      if (!span.end) return `${begins}, and they do not end within a month (see warnings)`;
      const held = e.held.length
        ? `; it holds back ${list(e.held.map((c) => candidateOf(c.bake, zone, day)))}`
        : '; no candidate passes its canary in it';
      return `${begins} until ${at(span.end)}${held}`;
    }
    case 'maintenance-window': {
      const { span, manager } = e;
      const head = `${span.open ? 'inside' : 'start of'} a maintenance window of ${manager.name}`;
      if (!span.end) return `${head} that does not end within a month: a drain may start at any time`;
      const until = `${head} until ${at(span.end)}`;
      if (!e.drainFits)
        return `${until}: too short ${span.open ? 'by now ' : ''}for a drain, which needs ${drainWindowMinutes(manager)} min`;
      return `${until}: a drain or restart may start until ${at(e.drainsUntil as Date)}`;
    }
  }
};

/**
 * An event in `plan`'s words as it shows it in `zone`, its times seen from the event's own day
 * there (doctor's tonight area says the next day in UTC).
 */
export const eventSentence = (e: PlanEvent, zone = 'UTC'): string =>
  sentence(e, zone, localTime(e.at, zone).date);

/** One zone's share of the plan: the fleets whose windows are in it. */
export interface Section {
  readonly zone: string;
  readonly fleets: readonly string[];
}

const sectionsOf = (plan: Plan): Section[] => {
  const zones = new Map<string, string[]>();
  for (const f of plan.fleets) zones.set(zoneOf(f), [...(zones.get(zoneOf(f)) ?? []), f.name]);
  const sections = [...zones].map(([zone, fleets]) => ({ zone, fleets }));
  return sections.length ? sections : [{ zone: 'UTC', fleets: [] }];
};

/** An event as one zone shows it. */
export interface ShownEvent {
  /** ISO 8601, UTC. */
  readonly at: string;
  /** Windows: when they end (ISO 8601, UTC); absent when they do not end within a month. */
  readonly until?: string;
  readonly zone: string;
  /** `Sat 2026-12-05 03:01` in `zone`. */
  readonly local: string;
  readonly estimate: boolean;
  readonly kind: PlanEvent['kind'];
  readonly subject: string;
  readonly fleets: readonly string[];
  readonly sentence: string;
}

const shownIn = (plan: Plan, section: Section, first: boolean): ShownEvent[] =>
  plan.events
    .filter((e) => (e.fleets.length ? e.fleets.some((f) => section.fleets.includes(f)) : first))
    .map((e) => {
      const t = localTime(e.at, section.zone);
      const end = 'span' in e ? e.span.end : undefined;
      return {
        at: e.at.toISOString(),
        ...(end ? { until: end.toISOString() } : {}),
        zone: section.zone,
        local: `${t.weekday} ${t.date} ${t.time}`,
        estimate: e.estimate,
        kind: e.kind,
        subject: e.subject,
        fleets: e.fleets,
        sentence: sentence(e, section.zone, t.date),
      };
    });

const shown = (plan: Plan): { section: Section; events: ShownEvent[] }[] =>
  sectionsOf(plan).map((section, i) => ({ section, events: shownIn(plan, section, i === 0) }));

/** What `plan` prints: the header, what holds throughout, each zone's days, then warnings and notes. */
export const planText = (plan: Plan): string => {
  const lines = [
    `Plan of deployment ${plan.deployment} (${plan.region}) for ${plan.days} day${plan.days > 1 ? 's' : ''} from ${fullTime(plan.from, 'UTC')}.`,
    `Times after a bake starts are estimates ("about"): a build takes about ${ESTIMATES.bakeMinutes} min, a canary ${ESTIMATES.bootMinutes} min to come online (seen at its next check) and ${ESTIMATES.smokeMinutes} min for its smoke test, as a rehearsal plays them.`,
    '',
    'Throughout:',
    ...plan.throughout.map((t) => `  ${t.sentence}`),
  ];
  for (const { section, events } of shown(plan)) {
    lines.push('', `In ${section.zone}${section.fleets.length ? ` (${section.fleets.join(', ')})` : ''}:`);
    if (events.length === 0) lines.push('  nothing scheduled');
    let day = '';
    for (const e of events) {
      const [weekday, date, time] = e.local.split(' ') as [string, string, string];
      if (date !== day) {
        day = date;
        lines.push(`  ${weekday} ${date}`);
      }
      lines.push(`    ${(e.estimate ? `about ${time}` : time).padEnd('about 00:00'.length)}  ${e.sentence}`);
    }
  }
  const warnings = plan.findings.filter((f) => f.severity === 'warning');
  const notes = plan.findings.filter((f) => f.severity === 'note');
  lines.push(
    '',
    warnings.length ? 'Warnings:' : 'Warnings: none.',
    ...warnings.map((w) => `  - ${w.message}`),
    ...(notes.length ? ['', 'Notes:', ...notes.map((n) => `  - ${n.message}`)] : []),
  );
  return lines.join('\n');
};

type FindingJson = Pick<Finding, 'kind' | 'fleets' | 'windows' | 'message'>;

/**
 * `plan --json`: a stable shape for scripts.
 * - `from`, `until`: ISO 8601 (UTC); `days`; `deployment`, `region`.
 * - `estimates`: the minutes a build, the canary's boot and its smoke test are taken to last.
 * - `zones`: `{ zone, fleets }`, one per time zone of the fleets' windows.
 * - `events`: {@link ShownEvent}s in zone order, then time order. An event appears once per zone
 *   of the fleets it concerns, worded in that zone's time. `kind`: bake, promotion-held,
 *   promotion, manager-replacement, manager-restart, drift-check, freeze-window,
 *   maintenance-window.
 * - `throughout`: `{ kind, sentence }`: the rules windows set, and what runs all the time.
 * - `warnings`, `notes`: `{ kind, fleets, windows, message }`.
 */
export interface PlanJson {
  readonly deployment: string;
  readonly region: string;
  readonly from: string;
  readonly until: string;
  readonly days: number;
  readonly estimates: typeof ESTIMATES;
  readonly zones: readonly Section[];
  readonly events: readonly ShownEvent[];
  readonly throughout: readonly Throughout[];
  readonly warnings: readonly FindingJson[];
  readonly notes: readonly FindingJson[];
}

export const planJson = (plan: Plan): PlanJson => {
  const sections = shown(plan);
  const finding = (f: Finding): FindingJson => ({
    kind: f.kind,
    fleets: f.fleets,
    windows: f.windows,
    message: f.message,
  });
  return {
    deployment: plan.deployment,
    region: plan.region,
    from: plan.from.toISOString(),
    until: plan.until.toISOString(),
    days: plan.days,
    estimates: ESTIMATES,
    zones: sections.map((s) => s.section),
    events: sections.flatMap((s) => s.events),
    throughout: plan.throughout,
    warnings: plan.findings.filter((f) => f.severity === 'warning').map(finding),
    notes: plan.findings.filter((f) => f.severity === 'note').map(finding),
  };
};
