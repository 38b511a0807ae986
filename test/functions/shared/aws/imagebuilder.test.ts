import { ImagebuilderClient, ListImagePipelineImagesCommand } from '@aws-sdk/client-imagebuilder';
import { mockClient } from 'aws-sdk-client-mock';

import {
  listPipelineImages,
  listUnsettledImages,
  resetImageBuilderClient,
} from '../../../../functions/shared/aws/imagebuilder';

const imageBuilder = mockClient(ImagebuilderClient);
const PIPELINE = 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs';
const image = (build: number, status: 'AVAILABLE' | 'BUILDING' | 'FAILED') => ({
  arn: `arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.${build}/1`,
  state: { status },
  dateCreated: `2026-11-0${build}T02:00:00.000Z`,
});

describe('imagebuilder adapter', () => {
  beforeEach(() => {
    imageBuilder.reset();
    imageBuilder.onAnyCommand().rejects(new Error('unexpected command'));
    resetImageBuilderClient();
  });

  describe('listPipelineImages', () => {
    it('returns the images of every page, whatever their state', async () => {
      imageBuilder
        .on(ListImagePipelineImagesCommand, { imagePipelineArn: PIPELINE })
        .resolvesOnce({ imageSummaryList: [image(1, 'AVAILABLE'), image(2, 'FAILED')], nextToken: 't-2' })
        .resolvesOnce({ imageSummaryList: [image(3, 'BUILDING')] });

      const images = await listPipelineImages(PIPELINE);

      expect(images).toEqual([image(1, 'AVAILABLE'), image(2, 'FAILED'), image(3, 'BUILDING')]);
      // The paginator reuses one input object, so only the last call's token can be read back.
      expect(imageBuilder).toHaveReceivedCommandTimes(ListImagePipelineImagesCommand, 2);
      expect(imageBuilder).toHaveReceivedCommandWith(ListImagePipelineImagesCommand, { nextToken: 't-2' });
    });

    it('answers an empty list for a pipeline that built nothing', async () => {
      imageBuilder.on(ListImagePipelineImagesCommand).resolves({});

      await expect(listPipelineImages(PIPELINE)).resolves.toEqual([]);
    });

    it('rethrows what the SDK could not retry', async () => {
      const error = Object.assign(new Error('pipeline not found'), { name: 'ResourceNotFoundException' });
      imageBuilder.on(ListImagePipelineImagesCommand).rejects(error);

      await expect(listPipelineImages(PIPELINE)).rejects.toThrow('pipeline not found');
    });
  });

  describe('listUnsettledImages', () => {
    it('keeps only the images still being built, across pages', async () => {
      imageBuilder
        .on(ListImagePipelineImagesCommand)
        .resolvesOnce({ imageSummaryList: [image(1, 'AVAILABLE')], nextToken: 't-2' })
        .resolvesOnce({ imageSummaryList: [image(2, 'BUILDING'), image(3, 'FAILED')] });

      const images = await listUnsettledImages(PIPELINE);

      expect(images.map((i) => i.state?.status)).toEqual(['BUILDING']);
    });
  });
});
