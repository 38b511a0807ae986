import type { Image } from '@aws-sdk/client-imagebuilder';

import type { BakeFailedDetail, ImageReadyDetail } from '../shared/events';
import { imageReadyDetail } from '../shared/image-ready';
import type { ImageStateChange } from './schema';
import type { ImageStateSettings } from './settings';

export type ImageDecision =
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'ready'; readonly detail: ImageReadyDetail }
  | { readonly kind: 'failed'; readonly detail: BakeFailedDetail }
  | { readonly kind: 'refuse'; readonly reason: string };

/** What the decision reads of the event: the image and the state Image Builder reported. */
export interface ImageChange {
  readonly imageArn: string;
  readonly status: string;
  readonly reason: string | undefined;
}

/** The rule's pattern and the schema both require a resource: the image's build-version ARN. */
export const toImageChange = (event: ImageStateChange): ImageChange => ({
  imageArn: event.resources[0] as string,
  status: event.detail.state.status,
  reason: event.detail.state.reason,
});

/** Only these states end a bake; the rule already filters on them, this keeps the function honest. */
export const SETTLING_STATES = ['AVAILABLE', 'FAILED', 'CANCELLED'] as const;

export const needsImage = (status: string): boolean =>
  (SETTLING_STATES as readonly string[]).includes(status);

/**
 * Maps a settled image to our bus event. The event names the recipe, not the pipeline, so the
 * image's `sourcePipelineArn` (from GetImage) decides whether it is ours.
 */
export const decideImage = (
  imageArn: string,
  eventStatus: string,
  eventReason: string | undefined,
  image: Image | undefined,
  settings: ImageStateSettings,
): ImageDecision => {
  if (!needsImage(eventStatus)) return { kind: 'ignore', reason: `state ${eventStatus} does not end a bake` };
  if (!image) return { kind: 'refuse', reason: `image ${imageArn} no longer exists` };

  const pipeline = settings.pipelines.find((p) => p.arn === image.sourcePipelineArn);
  if (!pipeline) {
    return {
      kind: 'ignore',
      reason: `image ${imageArn} comes from ${image.sourcePipelineArn ?? 'no pipeline'}, not ours`,
    };
  }
  // GetImage is newer than the event when events arrive late or twice: trust the image.
  const status = image.state?.status ?? eventStatus;
  const base = { pipeline: pipeline.name, pipelineArn: pipeline.arn, imageArn };

  if (status === 'FAILED' || status === 'CANCELLED') {
    const reason = image.state?.reason ?? eventReason ?? 'no reason given';
    return { kind: 'failed', detail: { ...base, status, reason } };
  }
  if (status !== 'AVAILABLE') return { kind: 'ignore', reason: `image is ${status} now, not settled` };

  const detail = imageReadyDetail(pipeline, imageArn, image);
  if (!detail) return { kind: 'refuse', reason: `image ${imageArn} is AVAILABLE but lists no AMI` };
  return { kind: 'ready', detail };
};
