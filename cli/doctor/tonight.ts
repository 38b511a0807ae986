import type { ImageSummary } from '@aws-sdk/client-imagebuilder';

import { listPipelineImages } from '../../functions/shared/aws/imagebuilder';
import type { Fleet, SuiteConfig } from '../../functions/shared/config';
import { getBrake, getLease, listFleetRollouts } from '../../functions/shared/ledger';
import { BRAKE_RECHECK_MINUTES, decideBrake } from '../../functions/shared/rollout/brake';
import { LEASE_RETRY_MINUTES } from '../../functions/shared/rollout/common';
import {
  candidateIdFor,
  drainWindowMinutes,
  fleetsOnTemplate,
  maintenanceTiming,
  promotionTiming,
  type Timing,
} from '../../functions/shared/rollout/decide';
import {
  ALL_FLEETS,
  type Brake,
  FINAL_STATES,
  type Lease,
  type Rollout,
  type RolloutState,
} from '../../functions/shared/rollout/model';
import {
  decideLostImage,
  type LostImageDecision,
  type SeenImage,
} from '../../functions/reconciler/lost-images';
import { ledgerTableName } from '../../infra/naming';
import {
  type Candidate,
  type Maintenance,
  type Finding as PlanFinding,
  type PlanEvent,
  planConfig,
} from '../plan/plan';
import { eventSentence } from '../plan/render';
import { findImagePipelines } from './aws/image-pipelines';
import { describeTableStatus } from './aws/ledger-table';
import type { Check } from './doctor';
import { type Finding, pass, warn } from './finding';
import { imagePipelineName } from './images';
import { deployFix, durationText, ledgerFix, missingUntilDeployed, sinceText, timeText } from './wording';

/**
 * The tonight area: what the account's state adds to the config's plan. Whether a candidate
 * would be staged now (the reconciler's own rule for images whose event was lost), the rollouts
 * in progress and where they stand, the managers' leases and the emergency brakes, all from the
 * ledger. These are facts: a pass says what will happen, a warn what is stuck.
 */

/** The reconciler runs every 5 minutes (infra/rollout/rollout.ts). */
const RECONCILER_MINUTES = 5;
/**
 * The reconciler asks every item that waited 10 minutes about its state, and fails one past its
 * deadline: an item still live this long after its deadline was missed by three of its runs.
 */
export const STUCK_AFTER_DEADLINE_MINUTES = 3 * RECONCILER_MINUTES;

const MINUTE = 60_000;

export const judgeLedgerTable = (
  tableName: string,
  status: string | undefined,
  configFile: string,
  deployed = true,
): Finding =>
  status === undefined
    ? missingUntilDeployed(
        { area: 'tonight', subject: `ledger ${tableName}`, deployed, configFile },
        'the ledger table does not exist, so no rollout, restart or config apply can start: the autopilot stack is not deployed',
      )
    : status === 'ACTIVE'
      ? pass('tonight', `ledger ${tableName}`, 'the ledger table is active')
      : warn(
          'tonight',
          `ledger ${tableName}`,
          `the ledger table is ${status}, so rollouts cannot write to it until it is ACTIVE`,
          `wait for it: aws dynamodb wait table-exists --table-name ${tableName}`,
        );

const inForce = (brake: Brake | undefined, now: Date): brake is Brake =>
  brake !== undefined && Date.parse(brake.until) > now.getTime();

/** Brakes in force (warn: they hold tonight's live changes), or one pass when none is. */
export const judgeBrakes = (
  brakes: ReadonlyMap<string, Brake | undefined>,
  now: Date,
  configFile: string,
): Finding[] => {
  const held = [...brakes.values()].filter((b): b is Brake => inForce(b, now));
  if (held.length === 0) return [pass('tonight', 'emergency brake', 'no brake in force')];
  return held.map((b) =>
    warn(
      'tonight',
      b.scope === ALL_FLEETS ? 'all fleets' : `fleet ${b.scope}`,
      `frozen until ${timeText(new Date(b.until))} by ${b.who}: ${b.reason}; promotions, drains, manager restarts and config applies wait until then (rollbacks still run)`,
      unfreezeFix(b, configFile),
    ),
  );
};

const unfreezeFix = (b: Brake, configFile: string): string =>
  `when it is no longer needed: npm run unfreeze -- ${b.scope === ALL_FLEETS ? 'all' : b.scope} -c ${configFile}`;

/** A manager fleet's lease: held (a drain, restart or restarting apply runs), free, or left expired. */
export const judgeLease = (
  fleet: string,
  lease: Lease | undefined,
  now: Date,
  configFile: string,
): Finding => {
  const subject = `fleet ${fleet} lease`;
  if (!lease)
    return pass(
      'tonight',
      subject,
      'free: a drain, restart or restarting apply may take it in a maintenance window',
    );
  const expires = new Date(lease.expiresAt);
  if (expires.getTime() > now.getTime())
    return pass(
      'tonight',
      subject,
      `held by ${lease.holder} for ${lease.action} since ${sinceText(new Date(lease.acquiredAt), now)}, until ${timeText(expires)}: other maintenance of the fleet waits for it`,
    );
  return warn(
    'tonight',
    subject,
    `${lease.holder} took it for ${lease.action} and it expired ${durationText(now.getTime() - expires.getTime())} ago without being released: its holder stopped before the end (the next drain takes it over)`,
    `see where ${lease.holder} stopped: ${ledgerFix(fleet, configFile)}`,
  );
};

const whatOf = (r: Rollout): string =>
  r.kind === 'restart'
    ? `manager restart ${r.candidateId}`
    : r.kind === 'config'
      ? `config ${r.mode} ${r.candidateId}`
      : `candidate ${r.amiId} of pipeline ${r.pipeline}${r.candidateVersion === undefined ? '' : ` (version ${r.candidateVersion})`}`;

const lastNote = (r: Rollout): string => {
  const note = r.history[r.history.length - 1]?.note;
  return note ? `: ${note}` : '';
};

/**
 * A fleet's live rollouts, each where it stands (a warn once it is well past its deadline: the
 * reconciler should have moved it on), or one pass naming the last finished one.
 */
export const judgeRollouts = (
  fleet: { readonly name: string; readonly launchTemplate: string; readonly lead: string },
  rollouts: readonly Rollout[],
  now: Date,
  configFile: string,
  deployment: string,
): Finding[] => {
  const subject = `fleet ${fleet.name}`;
  const live = rollouts.filter((r) => !FINAL_STATES.has(r.state));
  // The ledger keeps a template's image rollouts under its lead fleet only.
  if (rollouts.length === 0 && fleet.lead !== fleet.name)
    return [
      pass(
        'tonight',
        subject,
        `its image rollouts are fleet ${fleet.lead}'s, which leads launch template ${fleet.launchTemplate} (the first of its fleets by name)`,
      ),
    ];
  if (live.length === 0) {
    const last = rollouts[0];
    return [
      pass(
        'tonight',
        subject,
        last
          ? `no rollout in progress; the last, ${whatOf(last)}, is ${last.state} since ${sinceText(new Date(last.stateSince), now)}`
          : 'no rollout in progress, and none recorded yet',
      ),
    ];
  }
  return live.map((r) => {
    const since = sinceText(new Date(r.stateSince), now);
    const deadline = r.deadline === undefined ? undefined : new Date(r.deadline);
    if (deadline && now.getTime() - deadline.getTime() > STUCK_AFTER_DEADLINE_MINUTES * MINUTE)
      return warn(
        'tonight',
        subject,
        `${whatOf(r)} is ${r.state} since ${since}, ${durationText(now.getTime() - deadline.getTime())} past its deadline: the reconciler (every ${RECONCILER_MINUTES} minutes) should have moved it on or failed it${lastNote(r)}`,
        `read its history: ${ledgerFix(fleet.name, configFile)}; then look at the errors of the reconciler function of stack ${deployment}-autopilot`,
      );
    const due = r.dueAt ? `, next step due ${timeText(new Date(r.dueAt))}` : '';
    return pass('tonight', subject, `${whatOf(r)} is ${r.state} since ${since}${due}${lastNote(r)}`);
  });
};

/** Every image rollout the ledger holds for the fleets of one template, as the reconciler sees them. */
export const seenImages = (rollouts: readonly Rollout[]): SeenImage[] => {
  const seen = new Map<string, SeenImage>();
  for (const r of rollouts)
    if (r.kind === 'rollout')
      seen.set(`${r.fleet}/${r.candidateId}`, {
        candidateId: r.candidateId,
        imageArn: r.imageArn,
        recordedAt: r.history[0]?.at ?? r.stateSince,
      });
  return [...seen.values()];
};

/** The newest AVAILABLE image's ARN, ordered as the reconciler orders them (by creation, then ARN). */
const newestAvailable = (images: readonly ImageSummary[]): string | undefined =>
  images
    .flatMap((i) => {
      const created = Date.parse(i.dateCreated ?? '');
      return i.arn && i.state?.status === 'AVAILABLE' && Number.isFinite(created)
        ? [{ arn: i.arn, created }]
        : [];
    })
    .sort((a, b) => b.created - a.created || b.arn.localeCompare(a.arn))[0]?.arn;

export interface CandidateFacts {
  readonly pipeline: { readonly name: string; readonly arn: string };
  readonly region: string;
  readonly images: readonly ImageSummary[];
  /** Each template the pipeline feeds, with its lead fleet and every rollout of its fleets. */
  readonly templates: readonly {
    readonly launchTemplate: string;
    readonly lead: string;
    readonly rollouts: readonly Rollout[];
  }[];
}

/**
 * Per template: would a candidate be staged now? The reconciler's own decision for a pipeline's
 * newest AVAILABLE image, then, where the template has a rollout of it, that rollout's outcome.
 */
export const judgeCandidates = (facts: CandidateFacts, now: Date, configFile: string): Finding[] => {
  const decision: LostImageDecision = decideLostImage({
    pipeline: facts.pipeline,
    region: facts.region,
    images: facts.images,
    templates: facts.templates.map((t) => ({
      launchTemplate: t.launchTemplate,
      seen: seenImages(t.rollouts),
    })),
  });
  const newestArn =
    decision.kind === 'announce'
      ? decision.detail.imageArn
      : decision.kind === 'hold'
        ? decision.imageArn
        : newestAvailable(facts.images);
  const pipeline = `pipeline ${facts.pipeline.name}`;
  return facts.templates.map((t) => {
    const subject = `launch template ${t.launchTemplate}`;
    if (newestArn === undefined)
      return pass('tonight', subject, `nothing to stage: ${pipeline} has no AVAILABLE image yet`);
    const version = newestArn.split('/').slice(-2).join('/');
    const rollout = t.rollouts.find(
      (r) => r.kind === 'rollout' && r.candidateId === candidateIdFor(t.launchTemplate, newestArn),
    );
    if (rollout) {
      const since = sinceText(new Date(rollout.stateSince), now);
      if (!FINAL_STATES.has(rollout.state))
        return pass(
          'tonight',
          subject,
          `the newest image of ${pipeline} (${version}) is being rolled out: ${rollout.state} since ${since}`,
        );
      if (rollout.state === 'done' || rollout.state === 'superseded')
        return pass(
          'tonight',
          subject,
          `the newest image of ${pipeline} (${version}) is rolled out (${rollout.state} since ${since}): nothing to stage until the next bake`,
        );
      return warn(
        'tonight',
        subject,
        `the newest image of ${pipeline} (${version}) was ${rollout.state} at ${timeText(new Date(rollout.stateSince))}${rollout.reason ? `: ${rollout.reason}` : ''}; the default stays as it is until the next bake`,
        `read why: ${ledgerFix(t.lead, configFile)}`,
      );
    }
    if (decision.kind === 'announce')
      return pass(
        'tonight',
        subject,
        `a candidate would be staged now: the newest image of ${pipeline} (${version}, ${decision.detail.amis.find((a) => a.region === facts.region)?.imageId ?? 'its AMI'}) has no rollout here yet; stage-candidate takes it from its image event, or the reconciler within ${RECONCILER_MINUTES} minutes`,
      );
    return warn(
      'tonight',
      subject,
      `the newest image of ${pipeline} (${version}) is not staged, and the reconciler holds it: ${decision.reason}`,
      `a person decides: read the template's rollouts with ${ledgerFix(t.lead, configFile)}, then bake again (npm run bake -- ${facts.pipeline.name} -c ${configFile}) or roll back`,
    );
  });
};

/*
 * The plan half: the next 24 hours of `plan` (the config's own schedule, in plan's words), refined
 * by what the ledger holds now where that changes the answer: a brake over a promotion or a drain,
 * a rollout already on the template of tonight's candidate, a lease held into tonight's window.
 */

/** The plan's events tonight shows: what happens, and the windows drains wait for. */
const TONIGHT_EVENTS: ReadonlySet<PlanEvent['kind']> = new Set([
  'maintenance-window',
  'bake',
  'promotion-held',
  'promotion',
  'manager-replacement',
  'manager-restart',
]);

type DrainEvent = Extract<PlanEvent, { readonly kind: 'manager-replacement' | 'manager-restart' }>;

const eventSubject = (e: PlanEvent): string =>
  e.kind === 'bake'
    ? `pipeline ${e.subject}`
    : e.kind === 'promotion' || e.kind === 'promotion-held'
      ? `launch template ${e.subject}`
      : `fleet ${e.subject}`;

const brakeText = (b: Brake): string =>
  `the emergency brake on ${b.scope === ALL_FLEETS ? 'all fleets' : `fleet ${b.scope}`} (set by ${b.who}: ${b.reason})`;

/** The brake a step would find at `at` (`decideBrake`, the steps' own rule: the one ending last), if any. */
const brakeAt = (
  brakes: ReadonlyMap<string, Brake | undefined>,
  fleets: readonly string[],
  at: Date,
  state: RolloutState,
): Brake | undefined => {
  const decision = decideBrake({
    brakes: [...new Set([ALL_FLEETS, ...fleets])].map((scope) => brakes.get(scope)),
    now: at,
    state,
    holdState: state,
    lastNote: undefined,
  });
  return decision.kind === 'held' ? decision.brake : undefined;
};

/** When a drain asked for at `at` may start (`maintenanceTiming`); undefined: never. */
const drainFrom = (manager: Fleet, at: Date): Date | undefined => {
  const timing = maintenanceTiming(manager, at, drainWindowMinutes(manager));
  return timing.kind === 'now' ? at : timing.kind === 'wait' ? timing.until : undefined;
};

const drainStartText = (manager: Fleet, start: Date | undefined): string =>
  start
    ? `at ${timeText(start)} at the earliest`
    : `never: no maintenance window of ${manager.name} is long enough`;

/** A brake in force at a promotion, and when the candidate is promoted after it (undefined: never). */
const promotionBrake = (
  c: Candidate,
  brakes: ReadonlyMap<string, Brake | undefined>,
): { brake: Brake; timing: Timing; promoted: Date | undefined } | undefined => {
  if (!c.promotedAt || c.supersededBy) return undefined;
  const brake = brakeAt(
    brakes,
    c.fleets.map((f) => f.name),
    c.promotedAt,
    'promotion-deferred',
  );
  if (!brake) return undefined;
  const timing = promotionTiming(c.fleets, new Date(brake.until));
  const promoted =
    timing.kind === 'now' ? new Date(brake.until) : timing.kind === 'wait' ? timing.until : undefined;
  return { brake, timing, promoted };
};

/** The brake scopes that hold a drain: a replacement is its image rollout's item, a restart the manager's own. */
const drainScopes = (c: Candidate, m: Maintenance): string[] =>
  m.action === 'replace' ? [...c.fleets.map((f) => f.name), m.manager.name] : [m.manager.name];

/** A brake in force at a promotion holds it (promote checks the brake before the freeze windows). */
const judgePromotionBrake = (
  c: Candidate,
  brakes: ReadonlyMap<string, Brake | undefined>,
  configFile: string,
): Finding | undefined => {
  const held = promotionBrake(c, brakes);
  if (!held) return undefined;
  const { brake, timing, promoted } = held;
  const end = new Date(brake.until);
  const then =
    timing.kind === 'now'
      ? `promotes it when the brake ends, at ${timeText(end)}`
      : timing.kind === 'wait'
        ? `when the brake ends a freeze window still holds it, until ${timeText(timing.until)}`
        : 'when the brake ends a freeze window that never ends within a month fails it';
  const drain = (m: Maintenance, at: Date): string => {
    const start = drainFrom(m.manager, at);
    // The manager's own brake, if one holds the drain then, has its own warning.
    const own = start && brakeAt(brakes, drainScopes(c, m), start, 'awaiting-maintenance');
    return own ? `after ${brakeText(own)} (see fleet ${m.manager.name})` : drainStartText(m.manager, start);
  };
  const follow = promoted
    ? c.maintenance
        .filter((m) => !m.supersededBy)
        .map(
          (m) =>
            `; ${m.manager.name} ${m.action === 'replace' ? 'is then replaced' : 'then restarts'} ${drain(m, promoted)}`,
        )
        .join('')
    : '';
  return warn(
    'tonight',
    `launch template ${c.launchTemplate}`,
    `${brakeText(brake)} is in force until ${timeText(end)}, past this promotion: promote (functions/shared/rollout/promotion.ts) holds the candidate in promotion-deferred, looking again every ${BRAKE_RECHECK_MINUTES} minutes, and ${then}${follow}`,
    unfreezeFix(brake, configFile),
  );
};

/** A brake in force when a drain is due holds it (start-drain checks the brake before the window). */
const judgeDrainBrake = (
  e: DrainEvent,
  brakes: ReadonlyMap<string, Brake | undefined>,
  configFile: string,
): Finding | undefined => {
  const m = e.maintenance;
  const brake = brakeAt(brakes, drainScopes(e.candidate, m), e.at, 'awaiting-maintenance');
  if (!brake) return undefined;
  const end = new Date(brake.until);
  return warn(
    'tonight',
    `fleet ${m.manager.name}`,
    `${brakeText(brake)} is in force until ${timeText(end)}, past the start of this ${m.action === 'replace' ? 'replacement' : 'restart'}: start-drain (functions/shared/rollout/manager.ts) holds it, looking again every ${BRAKE_RECHECK_MINUTES} minutes; after the brake it starts only while a maintenance window still holds ${drainWindowMinutes(m.manager)} min (maintenanceTiming), ${drainStartText(m.manager, drainFrom(m.manager, end))}`,
    unfreezeFix(brake, configFile),
  );
};

const PROMOTED_WAITING: ReadonlySet<RolloutState> = new Set(['baking', 'awaiting-maintenance']);
const MID_DRAIN: ReadonlySet<RolloutState> = new Set(['draining', 'replacing', 'verifying']);

/**
 * What a rollout still live on the template means for tonight's candidate, by the functions' own
 * rules: staging never waits for it (stageOnTemplate), promote never makes an older candidate the
 * default over a newer one, and a promotion ends older promoted rollouts that have not begun to
 * act (supersedeOlder). One finding per live image rollout; none where it changes nothing.
 */
const judgeAlongside = (
  c: Candidate & { readonly promotedAt: Date },
  live: readonly Rollout[],
  now: Date,
): Finding[] => {
  const lead = c.fleets[0] as Fleet;
  // Only a manager template's rollouts wait for a window and drain (under the lead's lease).
  const orWindow = lead.role === 'manager' ? ' or waits for its window' : '';
  const at = timeText(c.promotedAt);
  const subject = `launch template ${c.launchTemplate}`;
  return live.flatMap((r): Finding[] => {
    if (r.kind !== 'rollout' || FINAL_STATES.has(r.state)) return [];
    const what = `${whatOf(r)}, ${r.state} since ${sinceText(new Date(r.stateSince), now)}`;
    const due = r.dueAt ? new Date(r.dueAt) : undefined;
    if (r.state.startsWith('rollback-'))
      return [
        pass(
          'tonight',
          subject,
          `${what}, is rolling back: tonight's candidate does not wait for it (stageOnTemplate in functions/shared/rollout/staging.ts stages from the default then in place), and its promotion at about ${at} does not end a rollback (supersedeOlder in promotion.ts ends only rollouts still baking or awaiting maintenance)`,
        ),
      ];
    if (MID_DRAIN.has(r.state))
      return [
        pass(
          'tonight',
          subject,
          `${what}, holds the lease of ${lead.name}: tonight's promotion at about ${at} does not end it (supersedeOlder in functions/shared/rollout/promotion.ts ends only rollouts still baking or awaiting maintenance); it finishes and bakes what it finds, and tonight's replacement takes the lease after it (holdLease in common.ts tries again every ${LEASE_RETRY_MINUTES} minutes)`,
        ),
      ];
    if (PROMOTED_WAITING.has(r.state)) {
      // Baking until its deadline; awaiting maintenance until its drain is due.
      const until = r.state === 'baking' ? (r.deadline ? new Date(r.deadline) : undefined) : due;
      if (until && until <= c.promotedAt) {
        if (r.state === 'baking') return [];
        return [
          pass(
            'tonight',
            subject,
            `${what}, is due to drain ${lead.name} at ${timeText(until)}, before tonight's promotion at about ${at}: it goes first under the lease, and tonight's replacement takes the lease after it (holdLease in functions/shared/rollout/common.ts tries again every ${LEASE_RETRY_MINUTES} minutes)`,
          ),
        ];
      }
      return [
        pass(
          'tonight',
          subject,
          `${what}${until ? `, ${r.state === 'baking' ? 'baking' : 'waiting for its window'} until ${timeText(until)}` : ''}: tonight's promotion at about ${at} supersedes it (supersedeOlder in functions/shared/rollout/promotion.ts)${r.state === 'awaiting-maintenance' ? `, so ${lead.name} is replaced once, from tonight's candidate` : ', ending its bake period'}`,
        ),
      ];
    }
    // Not promoted yet: staged, testing its canary, or deferred.
    const order =
      r.state === 'promotion-deferred' && due
        ? due < c.promotedAt
          ? `its promotion is due at ${timeText(due)}, before tonight's at about ${at}, which then supersedes it while it still bakes${orWindow} (supersedeOlder)`
          : `its promotion is due at ${timeText(due)}, after tonight's at about ${at}: promote then rejects it, the default being newer than it`
        : `promoted before tonight's candidate (about ${at}), it is superseded then while it still bakes${orWindow} (supersedeOlder); promoted after, promote rejects it, the default being newer than it`;
    return [
      pass(
        'tonight',
        subject,
        `${what}, is not promoted yet: tonight's candidate does not wait for it (stageOnTemplate in functions/shared/rollout/staging.ts), and the newer stays the default (promote in promotion.ts): ${order}`,
      ),
    ];
  });
};

/**
 * A lease held past the start of a manager's next maintenance window, by nothing the ledger shows
 * at work: every drain, replacement, restart and restarting apply due in the window waits for it.
 */
const judgeWindowLease = (
  manager: Fleet,
  window: { readonly start: Date; readonly open: boolean },
  lease: Lease | undefined,
  managerRollouts: readonly Rollout[],
  now: Date,
  configFile: string,
  tableName: string,
): Finding | undefined => {
  if (!lease) return undefined;
  const expires = new Date(lease.expiresAt);
  if (expires <= now || expires <= window.start) return undefined;
  // Held by a live item of the fleet: its own maintenance, which the others rightly wait for.
  if (managerRollouts.some((r) => r.candidateId === lease.holder && !FINAL_STATES.has(r.state)))
    return undefined;
  const start = drainFrom(manager, expires);
  const then = !start
    ? `no maintenance window of ${manager.name} is then long enough`
    : start.getTime() === expires.getTime()
      ? `the window still holds the ${drainWindowMinutes(manager)} min a drain needs then`
      : `too late for this window (maintenanceTiming: a drain needs ${drainWindowMinutes(manager)} min of it): a drain starts at ${timeText(start)} at the earliest`;
  const key = JSON.stringify({ pk: { S: `FLEET#${manager.name}` }, sk: { S: 'LEASE' } });
  const holder = JSON.stringify({ ':h': { S: lease.holder } });
  return warn(
    'tonight',
    `fleet ${manager.name} lease`,
    `held by ${lease.holder} for ${lease.action} until ${timeText(expires)}, ${window.open ? 'into the maintenance window open now' : `past the start of the maintenance window at ${timeText(window.start)}`}, and no rollout of ${manager.name} in the ledger holds it: a drain, replacement or restart due in the window waits for it (holdLease in functions/shared/rollout/common.ts tries again every ${LEASE_RETRY_MINUTES} minutes); free at ${timeText(expires)} at the latest, ${then}`,
    `see what ${lease.holder} is: ${ledgerFix(manager.name, configFile)}; only once sure nothing runs under it, free it: aws dynamodb delete-item --table-name ${tableName} --key '${key}' --condition-expression 'holder = :h' --expression-attribute-values '${holder}'`,
  );
};

const fleetsText = (fleets: readonly string[]): string =>
  `${fleets.length > 1 ? 'fleets' : 'fleet'} ${fleets.join(', ')}`;

/** A plan warning: windows that hold a rollout back for good. */
const judgePlanWarning = (w: PlanFinding, configFile: string): Finding =>
  warn(
    'tonight',
    fleetsText(w.fleets),
    w.message,
    `change the windows in ${configFile} as it says, see the result with npm run plan -- ${configFile}, then ${deployFix(configFile)}`,
  );

export interface TonightFacts {
  readonly config: SuiteConfig;
  readonly now: Date;
  readonly configFile: string;
  readonly tableName: string;
  /** Every brake stored, by scope (a fleet, or ALL_FLEETS). */
  readonly brakes: ReadonlyMap<string, Brake | undefined>;
  /** Each fleet's rollouts, from the ledger. */
  readonly rollouts: ReadonlyMap<string, readonly Rollout[]>;
  /** Each manager fleet's lease. */
  readonly leases: ReadonlyMap<string, Lease | undefined>;
}

/**
 * The next 24 hours of `plan` from `now`, each event a pass in plan's words, followed by what the
 * account's state changes about it, then plan's warnings. Events of candidates baked before `now`
 * are left out: what became of them is in the ledger (the rollout findings), not in the config.
 */
export const judgeTonight = (facts: TonightFacts): Finding[] => {
  const { config, now, configFile, brakes } = facts;
  const plan = planConfig(config, now, 1);
  const findings: Finding[] = [];
  const alongside = new Set<Candidate>();
  const windows = new Set<string>();
  const earlier = (e: PlanEvent): boolean => 'candidate' in e && e.candidate.bake.at < plan.from;
  for (const e of plan.events) {
    if (!TONIGHT_EVENTS.has(e.kind) || earlier(e)) continue;
    // A brake that holds a promotion moves its drains: the promotion's warning says when they come,
    // and a brake of the manager's own, in force then, has its warning at that time.
    const held =
      (e.kind === 'manager-replacement' || e.kind === 'manager-restart') &&
      promotionBrake(e.candidate, brakes);
    if (held) {
      const start = held.promoted && drainFrom(e.maintenance.manager, held.promoted);
      if (start)
        findings.push(
          ...[judgeDrainBrake({ ...e, at: start }, brakes, configFile)].filter((f) => f !== undefined),
        );
      continue;
    }
    findings.push(
      pass('tonight', eventSubject(e), `${e.estimate ? 'about ' : ''}${timeText(e.at)}: ${eventSentence(e)}`),
    );
    const refined: (Finding | undefined)[] = [];
    if (e.kind === 'maintenance-window' && !windows.has(e.manager.name)) {
      windows.add(e.manager.name);
      refined.push(
        judgeWindowLease(
          e.manager,
          e.span,
          facts.leases.get(e.manager.name),
          facts.rollouts.get(e.manager.name) ?? [],
          now,
          configFile,
          facts.tableName,
        ),
      );
    }
    if (e.kind === 'promotion') refined.push(judgePromotionBrake(e.candidate, brakes, configFile));
    if (e.kind === 'manager-replacement' || e.kind === 'manager-restart')
      refined.push(judgeDrainBrake(e, brakes, configFile));
    if ((e.kind === 'promotion' || e.kind === 'promotion-held') && !alongside.has(e.candidate)) {
      alongside.add(e.candidate);
      const c = e.candidate;
      const lead = c.fleets[0]?.name ?? '';
      if (c.promotedAt && !c.supersededBy)
        refined.push(
          ...judgeAlongside({ ...c, promotedAt: c.promotedAt }, facts.rollouts.get(lead) ?? [], now),
        );
    }
    findings.push(...refined.filter((f): f is Finding => f !== undefined));
  }
  findings.push(
    ...plan.findings.filter((f) => f.severity === 'warning').map((w) => judgePlanWarning(w, configFile)),
  );
  return findings;
};

const templatesOf = (config: SuiteConfig, pipeline: string): { launchTemplate: string; fleets: Fleet[] }[] =>
  [...new Set(config.fleets.filter((f) => f.pipeline === pipeline).map((f) => f.launchTemplate))]
    .sort()
    .map((launchTemplate) => ({ launchTemplate, fleets: fleetsOnTemplate(config.fleets, launchTemplate) }));

export const tonightCheck: Check = {
  area: 'tonight',
  run: async ({ config, configFile, now, deployed }) => {
    const table = ledgerTableName(config.deployment);
    const status = await describeTableStatus(table);
    const findings: Finding[] = [judgeLedgerTable(table, status, configFile, deployed)];
    if (status === undefined) return findings;

    const rollouts = new Map(
      await Promise.all(
        config.fleets.map(async (f) => [f.name, await listFleetRollouts(table, f.name)] as const),
      ),
    );
    const brakes = new Map(
      await Promise.all(
        [ALL_FLEETS, ...config.fleets.map((f) => f.name)].map(
          async (scope) => [scope, await getBrake(table, scope)] as const,
        ),
      ),
    );
    findings.push(...judgeBrakes(brakes, now, configFile));

    const fed = config.pipelines.filter((p) => config.fleets.some((f) => f.pipeline === p.name));
    const arns = await findImagePipelines(fed.map((p) => imagePipelineName(config.deployment, p.name)));
    for (const p of fed) {
      // A pipeline not deployed is the images area's fail; nothing here could be staged from it.
      const arn = arns.get(imagePipelineName(config.deployment, p.name));
      if (!arn) continue;
      const templates = templatesOf(config, p.name).map(({ launchTemplate, fleets }) => ({
        launchTemplate,
        lead: fleets[0]?.name ?? '',
        rollouts: fleets.flatMap((f) => rollouts.get(f.name) ?? []),
      }));
      findings.push(
        ...judgeCandidates(
          {
            pipeline: { name: p.name, arn },
            region: config.region,
            images: await listPipelineImages(arn),
            templates,
          },
          now,
          configFile,
        ),
      );
    }

    const leases = new Map(
      await Promise.all(
        config.fleets
          .filter((f) => f.role === 'manager')
          .map(async (f) => [f.name, await getLease(table, f.name)] as const),
      ),
    );
    for (const fleet of config.fleets) {
      const lead = fleetsOnTemplate(config.fleets, fleet.launchTemplate)[0]?.name ?? fleet.name;
      findings.push(
        ...judgeRollouts(
          { name: fleet.name, launchTemplate: fleet.launchTemplate, lead },
          rollouts.get(fleet.name) ?? [],
          now,
          configFile,
          config.deployment,
        ),
      );
      if (fleet.role === 'manager')
        findings.push(judgeLease(fleet.name, leases.get(fleet.name), now, configFile));
    }
    findings.push(...judgeTonight({ config, now, configFile, tableName: table, brakes, rollouts, leases }));
    return findings;
  },
};
