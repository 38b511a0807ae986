import { PermanentError } from '../shared/errors';
import { busEntry, DetailType } from '../shared/events';
import type { RunDeps } from '../shared/make-handler';
import { decideImage, needsImage, toImageChange } from './decide';
import type { ImageStatePorts } from './ports';
import type { ImageStateChange } from './schema';
import type { ImageStateSettings } from './settings';

/** An image settled: announce it on our bus as Image Ready or Bake Failed, if it is ours. */
export const runImageState = async (
  event: ImageStateChange,
  { logger, settings, ports }: RunDeps<ImageStateSettings, ImageStatePorts>,
) => {
  const { imageArn, status, reason } = toImageChange(event);
  logger.appendKeys({ imageArn, status });

  const image = needsImage(status) ? await ports.imageOf(imageArn) : undefined;
  const decision = decideImage(imageArn, status, reason, image, settings);

  switch (decision.kind) {
    case 'refuse':
      throw new PermanentError(decision.reason);
    case 'ignore':
      return { outcome: 'ignored', reason: decision.reason };
    case 'ready':
    case 'failed': {
      const entry =
        decision.kind === 'ready'
          ? busEntry(DetailType.ImageReady, decision.detail, settings.eventBusName, [imageArn])
          : busEntry(DetailType.BakeFailed, decision.detail, settings.eventBusName, [imageArn]);
      const [eventId] = await ports.putEvents([entry]);
      return {
        outcome: decision.kind === 'ready' ? 'image-ready' : 'bake-failed',
        eventId,
        ...decision.detail,
      };
    }
  }
};
