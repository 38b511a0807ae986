import type { Image } from '@aws-sdk/client-imagebuilder';

import { putEvents } from '../shared/aws/eventbridge';
import { getImage } from '../shared/aws/imagebuilder';
import type { BusEntry } from '../shared/events';

/** What image-state asks of Image Builder and the bus. */
export interface ImageStatePorts {
  /** The image as GetImage sees it now; `undefined` when it was deleted. */
  readonly imageOf: (imageBuildVersionArn: string) => Promise<Image | undefined>;
  /** The event ids, in the order of the entries. */
  readonly putEvents: (entries: readonly BusEntry[]) => Promise<string[]>;
}

const imageOf = async (arn: string): Promise<Image | undefined> => {
  try {
    return await getImage(arn);
  } catch (error) {
    // Deleted under our feet: nothing to announce, and a retry cannot bring it back.
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
};

export const imageStatePorts = (): ImageStatePorts => ({
  imageOf,
  putEvents: (entries) => putEvents(entries),
});
