import { Failures } from '../shared/failures';
import type { Outcome, RunDeps } from '../shared/make-handler';
import type { RolloutFacts } from './decide';
import { houseKeepImages, type ImagesResult } from './images';
import type { HousekeeperPorts } from './ports';
import type { HousekeepingInput } from './schema';
import type { HousekeeperSettings } from './settings';
import { houseKeepTemplates } from './templates';

export type HousekeeperDeps = RunDeps<HousekeeperSettings, HousekeeperPorts>;

/** The rollouts of each fleet whose ledger could be read (a fleet that failed is absent). */
const readRollouts = async (
  { settings, ports }: HousekeeperDeps,
  failures: Failures,
): Promise<Map<string, RolloutFacts[]>> => {
  const rolloutsOf = new Map<string, RolloutFacts[]>();
  for (const fleet of settings.fleets) {
    try {
      const items = await ports.listFleetRollouts(fleet.name);
      // Restarts and config applies reference no version or image.
      rolloutsOf.set(
        fleet.name,
        items.filter((r) => r.kind === 'rollout'),
      );
    } catch (error) {
      failures.add(`ledger of fleet ${fleet.name}`, error);
    }
  }
  return rolloutsOf;
};

/**
 * Daily: deletes launch template versions beyond `keepVersions` (never the default, a previous
 * default, one a group or an instance uses, or one of a rollout under way), then deregisters our
 * AMIs nothing references after `amiRetentionDays`, with their snapshots. `dryRun` reports and
 * deletes nothing. A failure on one template does not stop the others, but the run throws at the
 * end so the failure queue and its alarm see it; an unreadable template or ledger also skips the
 * AMI step, since its versions could reference any AMI.
 */
export const runHousekeeper = async (input: HousekeepingInput, deps: HousekeeperDeps): Promise<Outcome> => {
  const { settings, logger } = deps;
  const at = deps.now();
  logger.appendKeys({ scheduledTime: input.scheduledTime, dryRun: settings.dryRun });
  const failures = new Failures(logger, 'housekeeping step failed');

  // The ledger first: without a template's rollouts its previous defaults are unknown.
  const rolloutsOf = await readRollouts(deps, failures);
  const templates = await houseKeepTemplates(settings.fleets, rolloutsOf, { ...deps, failures });

  let images: ImagesResult = { plans: [], imagesDeregistered: 0, snapshotsDeleted: 0 };
  if (templates.everyTemplateRead) {
    try {
      images = await houseKeepImages(
        {
          remainingVersions: templates.planned.flatMap((t) => t.remaining),
          rollouts: [...rolloutsOf.values()].flat(),
        },
        at,
        { ...deps, failures },
      );
    } catch (error) {
      failures.add('images', error);
    }
  } else {
    logger.warn(
      'AMI step skipped: a launch template or the ledger could not be read, so any AMI may be in use',
    );
  }

  const versionsDeleted = templates.planned.reduce((n, t) => n + t.deleted, 0);
  failures.throwIfAny(
    'housekeeping',
    `done: ${versionsDeleted} versions deleted, ${images.imagesDeregistered} images deregistered, ${images.snapshotsDeleted} snapshots deleted`,
  );
  return {
    outcome: settings.dryRun ? 'dry-run' : 'cleaned',
    templateCount: templates.templateCount,
    versionsDeleted,
    imagesDeregistered: images.imagesDeregistered,
    snapshotsDeleted: images.snapshotsDeleted,
    ...(settings.dryRun
      ? {
          wouldDeleteVersions: templates.planned
            .filter((t) => t.plan.delete.length > 0)
            .map((t) => ({
              launchTemplate: t.plan.launchTemplateName,
              launchTemplateId: t.plan.launchTemplateId,
              versions: t.plan.delete,
            })),
          wouldDeregisterImages: images.plans.map((p) => p.imageId),
          wouldDeleteSnapshots: images.plans.flatMap((p) => p.snapshotIds),
        }
      : {}),
    ...(templates.missingTemplates.length ? { missingTemplates: templates.missingTemplates } : {}),
  };
};
