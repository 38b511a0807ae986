import type { ImageSummary } from '@aws-sdk/client-imagebuilder';

import { listPipelineImages } from '../../functions/shared/aws/imagebuilder';
import type { Fleet, SuiteConfig } from '../../functions/shared/config';
import { getBrake, getLease, listFleetRollouts } from '../../functions/shared/ledger';
import { candidateIdFor, fleetsOnTemplate } from '../../functions/shared/rollout/decide';
import {
  ALL_FLEETS,
  type Brake,
  FINAL_STATES,
  type Lease,
  type Rollout,
} from '../../functions/shared/rollout/model';
import {
  decideLostImage,
  type LostImageDecision,
  type SeenImage,
} from '../../functions/reconciler/lost-images';
import { ledgerTableName } from '../../infra/naming';
import { findImagePipelines } from './aws/image-pipelines';
import { describeTableStatus } from './aws/ledger-table';
import type { Check } from './doctor';
import { type Finding, pass, warn } from './finding';
import { imagePipelineName } from './images';
import { durationText, ledgerFix, missingUntilDeployed, sinceText, timeText } from './wording';

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
  return held.map((b) => {
    const scope = b.scope === ALL_FLEETS ? 'all' : b.scope;
    return warn(
      'tonight',
      b.scope === ALL_FLEETS ? 'all fleets' : `fleet ${b.scope}`,
      `frozen until ${timeText(new Date(b.until))} by ${b.who}: ${b.reason}; promotions, drains, manager restarts and config applies wait until then (rollbacks still run)`,
      `when it is no longer needed: npm run unfreeze -- ${scope} -c ${configFile}`,
    );
  });
};

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
        findings.push(judgeLease(fleet.name, await getLease(table, fleet.name), now, configFile));
    }
    return findings;
  },
};
