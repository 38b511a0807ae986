import { FINAL_STATES, type ImageRollout } from '../shared/rollout/model';

/**
 * Pure rules of the housekeeper: which launch template versions, AMIs and snapshots go. No SDK, no
 * clock, no logging. Everything uncertain is kept: protecting one version or AMI too many costs a
 * few cents; deleting one too many breaks a launch or a rollback.
 */

/** What the ledger tells about one rollout, as far as housekeeping cares. */
export type RolloutFacts = Pick<
  ImageRollout,
  'state' | 'stateSince' | 'previousDefault' | 'candidateVersion' | 'promotedAt' | 'amiId'
>;

/** Everything read about one launch template before deciding. */
export interface TemplateFacts {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  /** From DescribeLaunchTemplates. */
  readonly defaultVersion: number;
  /** Every version, all pages; `isDefault` is a second source for the default. */
  readonly versions: readonly {
    readonly version: number;
    readonly imageId?: string;
    readonly isDefault: boolean;
  }[];
  /** Every rollout recorded for the fleets on this template. */
  readonly rollouts: readonly RolloutFacts[];
  /**
   * Versions something may still launch or run: the groups' own version (a group pinned to a
   * number), their instances' versions and those of instances tagged with the template id.
   * `$Default`, `$Latest` and anything that is not a version number is ignored.
   */
  readonly versionsInUse: readonly (string | undefined)[];
}

export interface TemplatePlan {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  /** Ascending. */
  readonly delete: number[];
  /** Why the rest stays (each list ascending, a version may be in several). */
  readonly protect: {
    readonly defaults: number[];
    readonly previousDefaults: number[];
    readonly inUse: number[];
    /** Candidates and previous defaults of rollouts still under way. */
    readonly live: number[];
  };
}

const isLive = (r: RolloutFacts): boolean => !FINAL_STATES.has(r.state);

const isVersion = (v: number | undefined): v is number => v !== undefined && Number.isInteger(v) && v > 0;

const sortedUnique = (values: readonly number[]): number[] => [...new Set(values)].sort((a, b) => a - b);

/** The rollouts that entered `at` last (several on a tie), ignoring unreadable times. */
const newest = (
  rollouts: readonly RolloutFacts[],
  at: (r: RolloutFacts) => string | undefined,
): RolloutFacts[] => {
  const timed = rollouts.flatMap((r) => {
    const t = Date.parse(at(r) ?? '');
    return Number.isNaN(t) ? [] : [{ r, t }];
  });
  const last = Math.max(...timed.map((x) => x.t));
  return timed.filter((x) => x.t === last).map((x) => x.r);
};

/**
 * The rollback targets to keep. Not every rollout's previous default (that would be every version
 * that was ever default, so promoted versions would never go), but each one a rollback can still
 * need: of a rollout under way, of the newest rollout, of the newest promoted one, and of the
 * rollout(s) that made the current default (the last promotion may have been rolled back since).
 */
export const previousDefaultsOf = (rollouts: readonly RolloutFacts[], defaultVersion: number): number[] =>
  sortedUnique(
    [
      ...rollouts.filter(isLive),
      ...newest(rollouts, (r) => r.stateSince),
      ...newest(rollouts, (r) => r.promotedAt),
      ...rollouts.filter((r) => r.candidateVersion === defaultVersion),
    ]
      .map((r) => r.previousDefault)
      .filter(isVersion),
  );

/** Version numbers among the tags and group fields; anything else (`$Default`, garbage) is ignored. */
export const versionNumbers = (values: readonly (string | undefined)[]): number[] =>
  sortedUnique(
    values.flatMap((v) => (v !== undefined && /^\d+$/.test(v) ? [Number(v)] : [])).filter(isVersion),
  );

/** Which versions of one template go, and why the others stay. */
export const planTemplate = (facts: TemplateFacts, keepVersions: number): TemplatePlan => {
  const defaults = sortedUnique(
    [facts.defaultVersion, ...facts.versions.filter((v) => v.isDefault).map((v) => v.version)].filter(
      isVersion,
    ),
  );
  const previousDefaults = previousDefaultsOf(facts.rollouts, facts.defaultVersion);
  const inUse = versionNumbers(facts.versionsInUse);
  const live = sortedUnique(
    facts.rollouts.filter(isLive).flatMap((r) => [r.candidateVersion, r.previousDefault].filter(isVersion)),
  );
  const [first = facts.defaultVersion, ...otherDefaults] = defaults;
  return {
    launchTemplateId: facts.launchTemplateId,
    launchTemplateName: facts.launchTemplateName,
    delete: versionsToDelete(
      facts.versions.map((v) => v.version),
      {
        defaultVersion: first,
        previousDefaults: [...otherDefaults, ...previousDefaults],
        inUse: [...inUse, ...live],
        count: keepVersions,
      },
    ),
    protect: { defaults, previousDefaults, inUse, live },
  };
};

/** AMI states in which an image is settled: anything else (pending, transient) is left alone. */
const SETTLED_IMAGE_STATES: ReadonlySet<string> = new Set([
  'available',
  'disabled',
  'failed',
  'error',
  'invalid',
]);

export interface ImageFacts {
  readonly imageId: string;
  readonly creationDate?: string;
  readonly state?: string;
  readonly snapshotIds: readonly string[];
}

/**
 * The AMIs something still references: the image of every launch template version that stays
 * (including one whose deletion failed), of every rollout under way, and of every instance that
 * exists (any state but terminated).
 */
export const referencedImages = (refs: {
  readonly remainingVersions: readonly { readonly imageId?: string }[];
  readonly rollouts: readonly RolloutFacts[];
  readonly instanceImages: readonly (string | undefined)[];
}): Set<string> =>
  new Set(
    [
      ...refs.remainingVersions.map((v) => v.imageId),
      ...refs.rollouts.filter(isLive).map((r) => r.amiId),
      ...refs.instanceImages,
    ].filter((id): id is string => id !== undefined && id !== ''),
  );

export interface ImagePlan {
  readonly imageId: string;
  /** Deleted only after the AMI is deregistered; never one another remaining AMI of ours uses. */
  readonly snapshotIds: string[];
}

/**
 * Our settled AMIs that nothing references, created more than `retentionDays` ago, with the
 * snapshots that only they use.
 */
export const planImages = (
  images: readonly ImageFacts[],
  referenced: ReadonlySet<string>,
  retentionDays: number,
  now: Date,
): ImagePlan[] => {
  const settled = images.filter((i) => i.state !== undefined && SETTLED_IMAGE_STATES.has(i.state));
  const going = new Set(imagesToDeregister(settled, referenced, retentionDays, now));
  const stillUsed = new Set(images.filter((i) => !going.has(i.imageId)).flatMap((i) => i.snapshotIds));
  const plans: ImagePlan[] = [];
  for (const image of images) {
    if (!going.has(image.imageId) || plans.some((p) => p.imageId === image.imageId)) continue;
    plans.push({ imageId: image.imageId, snapshotIds: [] });
  }
  // A snapshot two going AMIs share is deleted after the last of them is deregistered.
  const lastUser = new Map<string, ImagePlan>();
  for (const plan of plans) {
    const image = images.find((i) => i.imageId === plan.imageId) as ImageFacts;
    for (const s of image.snapshotIds) if (!stillUsed.has(s)) lastUser.set(s, plan);
  }
  for (const [snapshotId, plan] of lastUser) plan.snapshotIds.push(snapshotId);
  return plans;
};

/**
 * Which launch template versions housekeeping may delete: never the default, a previous default or
 * one in use, and never one of the newest `count` distinct versions. Duplicates in `versions` (a
 * page read twice) neither shrink what is kept nor repeat a deletion. A `count` that is not a
 * non-negative integer throws: read as "keep none" it would delete everything unprotected.
 */
export const versionsToDelete = (
  versions: readonly number[],
  keep: {
    defaultVersion: number;
    previousDefaults: readonly number[];
    inUse: readonly number[];
    count: number;
  },
): number[] => {
  if (!Number.isInteger(keep.count) || keep.count < 0) {
    throw new RangeError(`keep.count ${keep.count} must be a non-negative integer number of versions`);
  }
  const protectedVersions = new Set([keep.defaultVersion, ...keep.previousDefaults, ...keep.inUse]);
  const newestFirst = [...new Set(versions)].sort((a, b) => b - a);
  const kept = new Set(newestFirst.slice(0, keep.count));
  return newestFirst.filter((v) => !kept.has(v) && !protectedVersions.has(v)).sort((a, b) => a - b);
};

/**
 * Our AMIs nothing references any more, created strictly before the retention: each id once. An
 * image without a readable creation date is kept. A negative or non-finite retention throws: it
 * would put the cutoff in the future and take an AMI built minutes ago, before its rollout
 * references it.
 */
export const imagesToDeregister = (
  images: readonly { imageId: string; creationDate?: string }[],
  referenced: ReadonlySet<string>,
  retentionDays: number,
  now: Date,
): string[] => {
  if (!Number.isFinite(retentionDays) || retentionDays < 0) {
    throw new RangeError(`retentionDays ${retentionDays} must be a non-negative number of days`);
  }
  const cutoff = now.getTime() - retentionDays * 24 * 3600 * 1000;
  return [
    ...new Set(
      images
        .filter(
          (i) =>
            !referenced.has(i.imageId) && i.creationDate !== undefined && Date.parse(i.creationDate) < cutoff,
        )
        .map((i) => i.imageId),
    ),
  ];
};
