import type { Logger } from '@aws-lambda-powertools/logger';

import { describeGroup } from '../shared/aws/autoscaling';
import {
  deleteLaunchTemplateVersions,
  deleteSnapshot,
  deregisterImage,
  findImagesByTag,
  findInstancesByTag,
  getLaunchTemplate,
  type LaunchTemplateVersionInfo,
  listLaunchTemplateVersions,
  findInstancesUsingImages,
} from '../shared/aws/ec2';
import { TransientError } from '../shared/errors';
import { listFleetRollouts } from '../shared/ledger';
import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import {
  type ImagePlan,
  planImages,
  planTemplate,
  referencedImages,
  type RolloutFacts,
  type TemplatePlan,
} from './decide';
import { HousekeepingInput } from './schema';
import { HousekeeperSettings } from './settings';
import { DEPLOYMENT_TAG } from '../shared/names';

const settings = lazyConfigSlice(HousekeeperSettings);
export const resetSettings = settings.reset;

/** EC2 tags every instance launched from a template with its id (and `...:version`, see the adapter). */
export const LAUNCH_TEMPLATE_ID_TAG = 'aws:ec2launchtemplate:id';
/** The tag the Image Builder distribution puts on our AMIs (infra/image-builder). */
/** States in which an instance may run or start again from its version. */
const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'];
/** DeleteLaunchTemplateVersions' per-version code for a version that is gone already: done. */
const ALREADY_GONE = 'launchTemplateVersionDoesNotExist';

type FleetRef = HousekeeperSettings['fleets'][number];

type TemplateResult =
  | { readonly kind: 'missing'; readonly launchTemplateName: string }
  | {
      readonly kind: 'planned';
      readonly plan: TemplatePlan;
      /** Versions that still exist after this run (or would, in a dry run). */
      readonly remaining: LaunchTemplateVersionInfo[];
      readonly deleted: number;
      readonly failed: string[];
    };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const byTemplate = (fleets: readonly FleetRef[]): Map<string, FleetRef[]> => {
  const map = new Map<string, FleetRef[]>();
  for (const fleet of fleets)
    map.set(fleet.launchTemplate, [...(map.get(fleet.launchTemplate) ?? []), fleet]);
  return map;
};

/** Reads one template's facts, decides, and (unless dry run) deletes its old versions. */
const houseKeepTemplate = async (
  name: string,
  fleets: readonly FleetRef[],
  rollouts: readonly RolloutFacts[],
  cfg: HousekeeperSettings,
  logger: Logger,
): Promise<TemplateResult> => {
  const template = await getLaunchTemplate({ launchTemplateName: name });
  if (!template) return { kind: 'missing', launchTemplateName: name };
  const id = template.launchTemplateId;
  const [versions, groups, tagged] = await Promise.all([
    listLaunchTemplateVersions(id),
    Promise.all(fleets.map((f) => describeGroup(f.autoScalingGroup))),
    findInstancesByTag({ [LAUNCH_TEMPLATE_ID_TAG]: id }, LIVE_INSTANCE_STATES),
  ]);
  const versionsInUse = [
    ...groups.flatMap((g) =>
      g
        ? [
            g.launchTemplate?.version,
            g.mixedInstancesLaunchTemplate?.version,
            ...g.instances.map((i) => i.launchTemplateVersion),
          ]
        : [],
    ),
    ...tagged.map((i) => i.launchTemplateVersion),
  ];
  const plan = planTemplate(
    {
      launchTemplateId: id,
      launchTemplateName: name,
      defaultVersion: template.defaultVersion,
      versions,
      rollouts,
      versionsInUse,
    },
    cfg.keepVersions,
  );
  logger.debug('launch template plan', {
    launchTemplate: name,
    launchTemplateId: id,
    versionCount: versions.length,
    deleteCount: plan.delete.length,
    protect: plan.protect,
  });

  if (cfg.dryRun || plan.delete.length === 0) {
    const going = new Set(plan.delete);
    return {
      kind: 'planned',
      plan,
      remaining: versions.filter((v) => !going.has(v.version)),
      deleted: 0,
      failed: [],
    };
  }
  const { deleted, failed } = await deleteLaunchTemplateVersions(id, plan.delete);
  const removed = new Set([
    ...deleted,
    ...failed.filter((f) => f.code === ALREADY_GONE).map((f) => f.version),
  ]);
  const refused = failed.filter((f) => f.code !== ALREADY_GONE);
  for (const f of refused) {
    logger.error('launch template version not deleted', {
      launchTemplate: name,
      version: f.version,
      code: f.code,
      reason: f.message,
    });
  }
  return {
    kind: 'planned',
    plan,
    remaining: versions.filter((v) => !removed.has(v.version)),
    deleted: removed.size,
    failed: refused.map((f) => `launch template ${name} version ${f.version}: ${f.code} ${f.message}`.trim()),
  };
};

/** Deregisters each AMI, then (only once that succeeded) deletes its snapshots. */
const removeImages = async (
  plans: readonly ImagePlan[],
  logger: Logger,
): Promise<{ images: number; snapshots: number; failed: string[]; errors: unknown[] }> => {
  let images = 0;
  let snapshots = 0;
  const failed: string[] = [];
  const errors: unknown[] = [];
  for (const plan of plans) {
    try {
      await deregisterImage(plan.imageId);
      images++;
    } catch (error) {
      logger.error('image not deregistered', { error, imageId: plan.imageId });
      failed.push(`image ${plan.imageId}: ${messageOf(error)}`);
      errors.push(error);
      continue;
    }
    for (const snapshotId of plan.snapshotIds) {
      try {
        await deleteSnapshot(snapshotId);
        snapshots++;
      } catch (error) {
        logger.error('snapshot not deleted', { error, imageId: plan.imageId, snapshotId });
        failed.push(`snapshot ${snapshotId} of ${plan.imageId}: ${messageOf(error)}`);
        errors.push(error);
      }
    }
  }
  return { images, snapshots, failed, errors };
};

/**
 * Daily: deletes launch template versions beyond `keepVersions` (never the default, a previous
 * default, one a group or an instance uses, or one of a rollout under way), then deregisters our
 * AMIs nothing references after `amiRetentionDays`, with their snapshots. `dryRun` reports and
 * deletes nothing. A failure on one template does not stop the others, but the run throws at the
 * end so the failure queue and its alarm see it; an unreadable template or ledger also skips the
 * AMI step, since its versions could reference any AMI.
 */
export const handler = makeHandler({
  name: 'housekeeper',
  schema: HousekeepingInput,
  correlationIdPath: 'scheduledTime',
  run: async (input, { logger, now }) => {
    const cfg = settings.get();
    const at = now();
    logger.appendKeys({ scheduledTime: input.scheduledTime, dryRun: cfg.dryRun });
    const failed: string[] = [];
    const errors: unknown[] = [];
    const fail = (what: string, error: unknown): void => {
      logger.error('housekeeping step failed', { error, step: what });
      failed.push(`${what}: ${messageOf(error)}`);
      errors.push(error);
    };

    // The ledger first: without a template's rollouts its previous defaults are unknown.
    const rolloutsOf = new Map<string, RolloutFacts[]>();
    for (const fleet of cfg.fleets) {
      try {
        const rollouts = await listFleetRollouts(cfg.ledgerTable, fleet.name);
        // Restarts and config applies reference no version or image.
        rolloutsOf.set(
          fleet.name,
          rollouts.filter((r) => r.kind === 'rollout'),
        );
      } catch (error) {
        fail(`ledger of fleet ${fleet.name}`, error);
      }
    }

    const templates = byTemplate(cfg.fleets);
    const results: TemplateResult[] = [];
    let everyTemplateRead = true;
    for (const [name, fleets] of templates) {
      if (fleets.some((f) => !rolloutsOf.has(f.name))) {
        everyTemplateRead = false;
        continue;
      }
      try {
        const result = await houseKeepTemplate(
          name,
          fleets,
          fleets.flatMap((f) => rolloutsOf.get(f.name) ?? []),
          cfg,
          logger,
        );
        results.push(result);
        if (result.kind === 'planned') {
          failed.push(...result.failed);
          if (result.failed.length) errors.push(new Error(result.failed.join('; ')));
        }
      } catch (error) {
        everyTemplateRead = false;
        fail(`launch template ${name}`, error);
      }
    }
    const planned = results.flatMap((r) => (r.kind === 'planned' ? [r] : []));
    const missingTemplates = results.flatMap((r) => (r.kind === 'missing' ? [r.launchTemplateName] : []));

    let imagePlans: ImagePlan[] = [];
    let removed = { images: 0, snapshots: 0 };
    if (everyTemplateRead) {
      try {
        const images = await findImagesByTag({ [DEPLOYMENT_TAG]: cfg.deployment });
        const refs = {
          remainingVersions: planned.flatMap((r) => r.remaining),
          rollouts: [...rolloutsOf.values()].flat(),
        };
        const candidates = planImages(
          images,
          referencedImages({ ...refs, instanceImages: [] }),
          cfg.amiRetentionDays,
          at,
        );
        const users = await findInstancesUsingImages(candidates.map((p) => p.imageId));
        imagePlans = planImages(
          images,
          referencedImages({ ...refs, instanceImages: users.map((i) => i.imageId) }),
          cfg.amiRetentionDays,
          at,
        );
        if (!cfg.dryRun) {
          const result = await removeImages(imagePlans, logger);
          removed = result;
          failed.push(...result.failed);
          errors.push(...result.errors);
        }
      } catch (error) {
        fail('images', error);
      }
    } else {
      logger.warn(
        'AMI step skipped: a launch template or the ledger could not be read, so any AMI may be in use',
      );
    }

    const versionsDeleted = planned.reduce((n, r) => n + r.deleted, 0);
    if (failed.length > 0) {
      throw new TransientError(
        `housekeeping failed (${failed.length}): ${failed.slice(0, 10).join('; ')}; done: ${versionsDeleted} versions deleted, ${removed.images} images deregistered, ${removed.snapshots} snapshots deleted`,
        { cause: new AggregateError(errors) },
      );
    }
    return {
      outcome: cfg.dryRun ? 'dry-run' : 'cleaned',
      templateCount: templates.size,
      versionsDeleted,
      imagesDeregistered: removed.images,
      snapshotsDeleted: removed.snapshots,
      ...(cfg.dryRun
        ? {
            wouldDeleteVersions: planned
              .filter((r) => r.plan.delete.length > 0)
              .map((r) => ({
                launchTemplate: r.plan.launchTemplateName,
                launchTemplateId: r.plan.launchTemplateId,
                versions: r.plan.delete,
              })),
            wouldDeregisterImages: imagePlans.map((p) => p.imageId),
            wouldDeleteSnapshots: imagePlans.flatMap((p) => p.snapshotIds),
          }
        : {}),
      ...(missingTemplates.length ? { missingTemplates } : {}),
    };
  },
});
