import type { Image } from '@aws-sdk/client-imagebuilder';
import fc from 'fast-check';

import { decideImage, type ImageChange, toImageChange } from '../../../functions/image-state/decide';
import type { ImageStateChange } from '../../../functions/image-state/schema';
import { fixture } from '../../helpers/fixtures';

const JOBS = 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs';
const IMAGE = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.4021/1';
const settings = { eventBusName: 'bus', pipelines: [{ name: 'jobs', arn: JOBS }] };

const image = (over: Partial<Image> = {}): Image => ({
  arn: IMAGE,
  version: '1.0.4021/1',
  sourcePipelineArn: JOBS,
  state: { status: 'AVAILABLE' },
  outputResources: {
    amis: [{ region: 'us-east-2', image: 'ami-0abc1234def567890', accountId: '123456789012' }],
  },
  ...over,
});

describe('toImageChange', () => {
  it.each<[string, ImageChange]>([
    ['image-state.available.json', { imageArn: IMAGE, status: 'AVAILABLE', reason: undefined }],
    ['image-state.building.json', { imageArn: IMAGE, status: 'BUILDING', reason: undefined }],
    [
      'image-state.cancelled.json',
      {
        imageArn: 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-manager/1.0.7713/3',
        status: 'CANCELLED',
        reason: 'Image creation cancelled by user',
      },
    ],
  ])('reads the image, its state and the reason from %s', (name, expected) => {
    expect(toImageChange(fixture<ImageStateChange>(`imagebuilder/${name}`))).toEqual(expected);
  });
});

describe('decideImage', () => {
  it('announces an available image of our pipeline with its AMI per region', () => {
    const decision = decideImage(IMAGE, 'AVAILABLE', undefined, image(), settings);

    expect(decision).toEqual({
      kind: 'ready',
      detail: {
        pipeline: 'jobs',
        pipelineArn: JOBS,
        imageArn: IMAGE,
        imageVersion: '1.0.4021/1',
        amis: [{ region: 'us-east-2', imageId: 'ami-0abc1234def567890', accountId: '123456789012' }],
      },
    });
  });

  it.each(['FAILED', 'CANCELLED'] as const)('reports a %s bake with the image reason', (status) => {
    const decision = decideImage(
      IMAGE,
      status,
      'from event',
      image({ state: { status, reason: 'from image' } }),
      settings,
    );

    expect(decision).toEqual({
      kind: 'failed',
      detail: expect.objectContaining({ status, reason: 'from image' }),
    });
  });

  it('falls back to the event reason when the image has none', () => {
    const decision = decideImage(
      IMAGE,
      'FAILED',
      'from event',
      image({ state: { status: 'FAILED' } }),
      settings,
    );

    expect(decision).toMatchObject({ kind: 'failed', detail: { reason: 'from event' } });
  });

  it.each([
    ['another pipeline', 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/other'],
    ['no pipeline', undefined],
  ])('ignores an image of %s', (_, sourcePipelineArn) => {
    const decision = decideImage(IMAGE, 'AVAILABLE', undefined, image({ sourcePipelineArn }), settings);

    expect(decision.kind).toBe('ignore');
  });

  it.each(['PENDING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING', 'DEPRECATED', 'SOMETHING_NEW'])(
    'ignores state %s without needing the image',
    (status) => {
      expect(decideImage(IMAGE, status, undefined, undefined, settings).kind).toBe('ignore');
    },
  );

  it('refuses an image that no longer exists', () => {
    expect(decideImage(IMAGE, 'AVAILABLE', undefined, undefined, settings).kind).toBe('refuse');
  });

  it('refuses an available image without AMIs', () => {
    expect(
      decideImage(IMAGE, 'AVAILABLE', undefined, image({ outputResources: { amis: [] } }), settings).kind,
    ).toBe('refuse');
  });

  it('never announces an image of a pipeline that is not ours (property)', () => {
    const status = fc.constantFrom('AVAILABLE', 'FAILED', 'CANCELLED', 'BUILDING', 'TESTING');
    const arn = fc.string().filter((a) => a !== JOBS);
    fc.assert(
      fc.property(status, arn, status, (eventStatus, sourcePipelineArn, imageStatus) => {
        const decision = decideImage(
          IMAGE,
          eventStatus,
          undefined,
          image({ sourcePipelineArn, state: { status: imageStatus } }),
          settings,
        );
        return decision.kind === 'ignore';
      }),
    );
  });
});
