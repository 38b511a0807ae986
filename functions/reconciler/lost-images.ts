import type { ImageSummary } from '@aws-sdk/client-imagebuilder';

import type { ImageReadyDetail } from '../shared/events';
import { imageReadyDetail } from '../shared/image-ready';
import { candidateIdFor } from '../shared/rollout/decide';

/**
 * Pure rules for images whose Image Builder event was lost: no SDK, no clock, no logging.
 *
 * Image Builder's state-change events are best-effort (DESIGN.md), and nothing else stages an
 * image: a lost AVAILABLE event would leave that image unrolled for good. The reconciler lists
 * each pipeline's images and announces the newest AVAILABLE one again, as image-state would have,
 * when a launch template fed by the pipeline has no rollout of it, unless that would take a
 * template back to an image older than one it already saw.
 */

/** A rollout of an image the ledger recorded for a fleet on the template. */
export interface SeenImage {
  readonly candidateId: string;
  readonly imageArn: string;
  /**
   * ISO time the ledger first recorded the rollout: the image existed by then, so this bounds its
   * creation from above when the pipeline no longer lists it.
   */
  readonly recordedAt: string;
}

export interface LostImageInput {
  readonly pipeline: { readonly name: string; readonly arn: string };
  /** The region the fleets run in: an image is announced only with an AMI here. */
  readonly region: string;
  /** ListImagePipelineImages of the pipeline, in any order. */
  readonly images: readonly Pick<
    ImageSummary,
    'arn' | 'state' | 'dateCreated' | 'version' | 'outputResources'
  >[];
  /** Each launch template the pipeline feeds, with every image rollout of its fleets. */
  readonly templates: readonly { readonly launchTemplate: string; readonly seen: readonly SeenImage[] }[];
}

export type LostImageDecision =
  | {
      readonly kind: 'announce';
      readonly detail: ImageReadyDetail;
      /** The templates without a rollout of the image. */
      readonly launchTemplates: readonly string[];
      readonly reason: string;
    }
  /** Nothing was lost: no AVAILABLE image, or every template has a rollout of the newest. */
  | { readonly kind: 'none'; readonly reason: string }
  /** The newest image is not staged everywhere, and must not be: a person should look. */
  | { readonly kind: 'hold'; readonly imageArn: string; readonly reason: string };

/** A pipeline's decision, as the reconciler reports it. */
export type LostImageResult = LostImageDecision & { readonly pipeline: string };

const timeOf = (iso: string | undefined): number | undefined => {
  const t = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
};

export const decideLostImage = (input: LostImageInput): LostImageDecision => {
  const { pipeline, region, images, templates } = input;
  // Undated images cannot be ordered: never the one announced (a rollout of one still blocks, below).
  const available = images
    .flatMap((image) => {
      const created = timeOf(image.dateCreated);
      return image.arn && image.state?.status === 'AVAILABLE' && created !== undefined
        ? [{ image, arn: image.arn, created }]
        : [];
    })
    .sort((a, b) => b.created - a.created || b.arn.localeCompare(a.arn));
  const newest = available[0];
  if (!newest) return { kind: 'none', reason: `pipeline ${pipeline.name} has no AVAILABLE image` };

  const missing = templates.filter(
    (t) => !t.seen.some((s) => s.candidateId === candidateIdFor(t.launchTemplate, newest.arn)),
  );
  if (missing.length === 0) return { kind: 'none', reason: `image ${newest.arn} is already staged` };

  // What a template saw is dated by its image's creation, or when no longer listed by when the
  // ledger recorded it (later than its creation, so the comparison errs towards not announcing).
  const created = new Map<string, number>();
  for (const image of images) {
    const at = timeOf(image.dateCreated);
    if (image.arn && at !== undefined) created.set(image.arn, at);
  }
  const seenAt = (s: SeenImage): number =>
    created.get(s.imageArn) ?? timeOf(s.recordedAt) ?? Number.POSITIVE_INFINITY;
  for (const t of missing) {
    const newer = t.seen.find((s) => s.imageArn !== newest.arn && seenAt(s) >= newest.created);
    if (newer) {
      return {
        kind: 'hold',
        imageArn: newest.arn,
        reason: `launch template ${t.launchTemplate} already saw ${newer.imageArn}, not older than ${newest.arn}: announcing it would roll the template back`,
      };
    }
  }

  const detail = imageReadyDetail(pipeline, newest.arn, newest.image);
  if (!detail?.amis.some((a) => a.region === region)) {
    return { kind: 'hold', imageArn: newest.arn, reason: `image ${newest.arn} has no AMI in ${region}` };
  }
  const launchTemplates = missing.map((t) => t.launchTemplate);
  return {
    kind: 'announce',
    detail,
    launchTemplates,
    reason: `image ${newest.arn} is AVAILABLE but launch template ${launchTemplates.join(', ')} has no rollout of it`,
  };
};
