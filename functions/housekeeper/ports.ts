import { describeGroup } from '../shared/aws/autoscaling';
import {
  deleteLaunchTemplateVersions,
  deleteSnapshot,
  deregisterImage,
  findImagesByTag,
  findInstancesByTag,
  findInstancesUsingImages,
  getLaunchTemplate,
  type LaunchTemplateVersionInfo,
  listLaunchTemplateVersions,
} from '../shared/aws/ec2';
import { listFleetRollouts } from '../shared/ledger';
import type { Rollout } from '../shared/rollout/model';
import type { ImageFacts } from './decide';

/** What the launch template step reads about one template and deletes from it. */
export interface TemplatePorts {
  /** `undefined` when no template has that name. */
  readonly getLaunchTemplate: (
    launchTemplateName: string,
  ) => Promise<{ readonly launchTemplateId: string; readonly defaultVersion: number } | undefined>;
  /** Every version, all pages. */
  readonly listLaunchTemplateVersions: (launchTemplateId: string) => Promise<LaunchTemplateVersionInfo[]>;
  /** `undefined` when no group has that name. */
  readonly describeGroup: (name: string) => Promise<
    | {
        readonly launchTemplate?: { readonly version?: string };
        readonly mixedInstancesLaunchTemplate?: { readonly version?: string };
        readonly instances: readonly { readonly launchTemplateVersion?: string }[];
      }
    | undefined
  >;
  readonly findInstancesByTag: (
    tags: Record<string, string>,
    states: string[],
  ) => Promise<readonly { readonly launchTemplateVersion?: string }[]>;
  /** Versions EC2 refuses come back in `failed` with their code; only a failed call throws. */
  readonly deleteLaunchTemplateVersions: (
    launchTemplateId: string,
    versions: number[],
  ) => Promise<{
    readonly deleted: readonly number[];
    readonly failed: readonly { readonly version: number; readonly code: string; readonly message: string }[];
  }>;
}

/** What the AMI step reads and deletes. */
export interface ImagePorts {
  /** Our own AMIs carrying every tag. */
  readonly findImagesByTag: (tags: Record<string, string>) => Promise<readonly ImageFacts[]>;
  /** The instances (any state but terminated) launched from one of the images. */
  readonly findInstancesUsingImages: (
    imageIds: readonly string[],
  ) => Promise<readonly { readonly imageId: string }[]>;
  /** Idempotent: an AMI already gone is done. */
  readonly deregisterImage: (imageId: string) => Promise<void>;
  /** Idempotent: a snapshot already gone is done. */
  readonly deleteSnapshot: (snapshotId: string) => Promise<void>;
}

export interface HousekeeperPorts extends TemplatePorts, ImagePorts {
  /** Every item the ledger holds for a fleet (rollouts, restarts, config applies). */
  readonly listFleetRollouts: (fleet: string) => Promise<readonly Rollout[]>;
}

export const housekeeperPorts = (ledgerTable: string): HousekeeperPorts => ({
  getLaunchTemplate: (launchTemplateName) => getLaunchTemplate({ launchTemplateName }),
  listLaunchTemplateVersions,
  describeGroup,
  findInstancesByTag,
  deleteLaunchTemplateVersions,
  findImagesByTag,
  findInstancesUsingImages,
  deregisterImage,
  deleteSnapshot,
  listFleetRollouts: (fleet) => listFleetRollouts(ledgerTable, fleet),
});
