import type { Image, ImageSummary } from '@aws-sdk/client-imagebuilder';

import type { ImageReadyDetail } from './events';

/**
 * What an Image Ready event says about an image. image-state reads it from GetImage (`Image`),
 * the reconciler from ListImagePipelineImages (`ImageSummary`): both carry `version` and
 * `outputResources.amis` (Image Builder API reference, ImageSummary and Image).
 */
export type ImageFacts = Pick<Image | ImageSummary, 'version' | 'outputResources'>;

/** The image's AMIs, one per region it was distributed to; entries lacking an id or region are dropped. */
export const amisOf = (image: ImageFacts): ImageReadyDetail['amis'] =>
  (image.outputResources?.amis ?? []).flatMap((a) =>
    a.image && a.region
      ? [{ region: a.region, imageId: a.image, ...(a.accountId ? { accountId: a.accountId } : {}) }]
      : [],
  );

/**
 * The Image Ready detail of an AVAILABLE image of `pipeline`, or `undefined` when it lists no
 * AMI (nothing could be staged from it). Producers check the state themselves.
 */
export const imageReadyDetail = (
  pipeline: { readonly name: string; readonly arn: string },
  imageArn: string,
  image: ImageFacts,
): ImageReadyDetail | undefined => {
  const amis = amisOf(image);
  if (amis.length === 0) return undefined;
  return {
    pipeline: pipeline.name,
    pipelineArn: pipeline.arn,
    imageArn,
    imageVersion: image.version ?? '',
    amis,
  };
};
