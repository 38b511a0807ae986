import {
  GetImageCommand,
  type Image,
  ImagebuilderClient,
  type ImageStatus,
  type ImageSummary,
  paginateListImagePipelineImages,
  StartImagePipelineExecutionCommand,
} from '@aws-sdk/client-imagebuilder';

import { clientConfig } from './client-config';
import { memoClient } from './memo-client';

const client = /* @__PURE__ */ memoClient(() => new ImagebuilderClient(clientConfig));
const imageBuilder = (): ImagebuilderClient => client.get();
export const resetImageBuilderClient = (): void => client.reset();

/** States after which a build no longer runs. */
const SETTLED: ReadonlySet<ImageStatus> = new Set<ImageStatus>([
  'AVAILABLE',
  'CANCELLED',
  'FAILED',
  'DELETED',
  'DEPRECATED',
  'DISABLED',
]);

export const isSettled = (status: ImageStatus | undefined): boolean =>
  status !== undefined && SETTLED.has(status);

/** Starts a build; Image Builder answers a repeated client token with the first build, not a new one. */
export const startPipelineExecution = async (
  imagePipelineArn: string,
  clientToken: string,
): Promise<{ imageBuildVersionArn: string | undefined }> => {
  const out = await imageBuilder().send(
    new StartImagePipelineExecutionCommand({ imagePipelineArn, clientToken }),
  );
  return { imageBuildVersionArn: out.imageBuildVersionArn };
};

/**
 * Every image the pipeline built, whatever its state (all pages). The API reference documents no
 * order and filters only by name and version, so callers sort and filter themselves.
 */
export const listPipelineImages = async (imagePipelineArn: string): Promise<ImageSummary[]> => {
  const images: ImageSummary[] = [];
  for await (const page of paginateListImagePipelineImages(
    { client: imageBuilder() },
    { imagePipelineArn },
  )) {
    images.push(...(page.imageSummaryList ?? []));
  }
  return images;
};

/** Every image of the pipeline that is still being built, tested or distributed (all pages). */
export const listUnsettledImages = async (imagePipelineArn: string): Promise<ImageSummary[]> =>
  (await listPipelineImages(imagePipelineArn)).filter((i) => !isSettled(i.state?.status));

export const getImage = async (imageBuildVersionArn: string): Promise<Image | undefined> =>
  (await imageBuilder().send(new GetImageCommand({ imageBuildVersionArn }))).image;
