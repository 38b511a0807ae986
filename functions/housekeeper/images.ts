import type { Logger } from '@aws-lambda-powertools/logger';

import type { Failures } from '../shared/failures';
import { DEPLOYMENT_TAG } from '../shared/names';
import { type ImagePlan, planImages, referencedImages, type RolloutFacts } from './decide';
import type { ImagePorts } from './ports';
import type { HousekeeperSettings } from './settings';

export interface ImageDeps {
  readonly ports: ImagePorts;
  readonly settings: Pick<HousekeeperSettings, 'deployment' | 'amiRetentionDays' | 'dryRun'>;
  readonly logger: Logger;
  readonly failures: Failures;
}

export interface ImagesResult {
  /** What goes (or would, in a dry run). */
  readonly plans: ImagePlan[];
  readonly imagesDeregistered: number;
  readonly snapshotsDeleted: number;
}

/** Deregisters each AMI, then (only once that succeeded) deletes its snapshots. */
const removeImages = async (
  plans: readonly ImagePlan[],
  { ports, logger, failures }: ImageDeps,
): Promise<{ imagesDeregistered: number; snapshotsDeleted: number }> => {
  let imagesDeregistered = 0;
  let snapshotsDeleted = 0;
  for (const plan of plans) {
    try {
      await ports.deregisterImage(plan.imageId);
      imagesDeregistered++;
    } catch (error) {
      logger.error('image not deregistered', { error, imageId: plan.imageId });
      failures.addLogged(`image ${plan.imageId}`, error);
      continue;
    }
    for (const snapshotId of plan.snapshotIds) {
      try {
        await ports.deleteSnapshot(snapshotId);
        snapshotsDeleted++;
      } catch (error) {
        logger.error('snapshot not deleted', { error, imageId: plan.imageId, snapshotId });
        failures.addLogged(`snapshot ${snapshotId} of ${plan.imageId}`, error);
      }
    }
  }
  return { imagesDeregistered, snapshotsDeleted };
};

/**
 * Our AMIs (by deployment tag) that nothing references after `amiRetentionDays`, with their
 * snapshots; unless dry run, removes them. Only the candidates are looked up among instances, so
 * the second plan is the first minus the AMIs an instance still runs.
 */
export const houseKeepImages = async (
  refs: {
    readonly remainingVersions: readonly { readonly imageId?: string }[];
    readonly rollouts: readonly RolloutFacts[];
  },
  now: Date,
  deps: ImageDeps,
): Promise<ImagesResult> => {
  const { ports, settings } = deps;
  const images = await ports.findImagesByTag({ [DEPLOYMENT_TAG]: settings.deployment });
  const candidates = planImages(
    images,
    referencedImages({ ...refs, instanceImages: [] }),
    settings.amiRetentionDays,
    now,
  );
  const users = await ports.findInstancesUsingImages(candidates.map((p) => p.imageId));
  const plans = planImages(
    images,
    referencedImages({ ...refs, instanceImages: users.map((i) => i.imageId) }),
    settings.amiRetentionDays,
    now,
  );
  if (settings.dryRun) return { plans, imagesDeregistered: 0, snapshotsDeleted: 0 };
  return { plans, ...(await removeImages(plans, deps)) };
};
