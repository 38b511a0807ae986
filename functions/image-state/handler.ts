import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import { imageStatePorts } from './ports';
import { runImageState } from './run';
import { ImageStateChange } from './schema';
import { ImageStateSettings } from './settings';

const settings = lazyConfigSlice(ImageStateSettings);
export const resetSettings = settings.reset;

export const handler = makeHandler({
  name: 'image-state',
  schema: ImageStateChange,
  correlationIdPath: 'id',
  run: (event, tools) =>
    runImageState(event, { ...tools, settings: settings.get(), ports: imageStatePorts() }),
});
