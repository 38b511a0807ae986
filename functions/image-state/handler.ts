import { putEvents } from '../shared/aws/eventbridge';
import { getImage } from '../shared/aws/imagebuilder';
import { PermanentError } from '../shared/errors';
import { busEntry, DetailType } from '../shared/events';
import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import { decideImage, needsImage } from './decide';
import { ImageStateChange } from './schema';
import { ImageStateSettings } from './settings';

const settings = lazyConfigSlice(ImageStateSettings);
export const resetSettings = settings.reset;

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
    const cfg = settings.get();
    const imageArn = event.resources[0] as string;
    const { status, reason } = event.detail.state;
    logger.appendKeys({ imageArn, status });

    const image = needsImage(status) ? await fetchImage(imageArn) : undefined;
    const decision = decideImage(imageArn, status, reason, image, cfg);

    switch (decision.kind) {
      case 'refuse':
        throw new PermanentError(decision.reason);
      case 'ignore':
        return { outcome: 'ignored', reason: decision.reason };
      case 'ready':
      case 'failed': {
        const entry =
          decision.kind === 'ready'
            ? busEntry(DetailType.ImageReady, decision.detail, cfg.eventBusName, [imageArn])
            : busEntry(DetailType.BakeFailed, decision.detail, cfg.eventBusName, [imageArn]);
        const [eventId] = await putEvents([entry]);
        return {
          outcome: decision.kind === 'ready' ? 'image-ready' : 'bake-failed',
          eventId,
          ...decision.detail,
        };
      }
    }
  },
});
