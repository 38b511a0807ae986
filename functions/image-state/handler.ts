import { putEvents } from '../shared/aws/eventbridge';
import { getImage } from '../shared/aws/imagebuilder';
import { PermanentError } from '../shared/errors';
import { busEntry, DetailType } from '../shared/events';
import { makeHandler } from '../shared/make-handler';
import { readConfigSlice } from '../shared/settings';
import { decideImage, needsImage } from './decide';
import { ImageStateChange } from './schema';
import { ImageStateSettings } from './settings';

let settings: ImageStateSettings | undefined;
export const resetSettings = (): void => {
  settings = undefined;
};

const fetchImage = async (arn: string) => {
  try {
    return await getImage(arn);
  } catch (error) {
    // Deleted under our feet: nothing to announce, and a retry cannot bring it back.
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
};

export const handler = makeHandler({
  name: 'image-state',
  schema: ImageStateChange,
  correlationIdPath: 'id',
  run: async (event, { logger }) => {
    settings ??= readConfigSlice(ImageStateSettings);
    const imageArn = event.resources[0] as string;
    const { status, reason } = event.detail.state;
    logger.appendKeys({ imageArn, status });

    const image = needsImage(status) ? await fetchImage(imageArn) : undefined;
    const decision = decideImage(imageArn, status, reason, image, settings);

    switch (decision.kind) {
      case 'refuse':
        throw new PermanentError(decision.reason);
      case 'ignore':
        return { outcome: 'ignored', reason: decision.reason };
      case 'ready': {
        const [eventId] = await putEvents([
          busEntry(DetailType.ImageReady, decision.detail, settings.eventBusName, [imageArn]),
        ]);
        return {
          outcome: 'image-ready',
          pipeline: decision.detail.pipeline,
          amis: decision.detail.amis,
          eventId,
        };
      }
      case 'failed': {
        const [eventId] = await putEvents([
          busEntry(DetailType.BakeFailed, decision.detail, settings.eventBusName, [imageArn]),
        ]);
        return {
          outcome: 'bake-failed',
          pipeline: decision.detail.pipeline,
          reason: decision.detail.reason,
          eventId,
        };
      }
    }
  },
});
