import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import { startBakePorts } from './ports';
import { runStartBake } from './run';
import { StartBakeInput } from './schema';
import { StartBakeSettings } from './settings';

const settings = lazyConfigSlice(StartBakeSettings);
export const resetSettings = settings.reset;

export const handler = makeHandler({
  name: 'start-bake',
  schema: StartBakeInput,
  correlationIdPath: 'id || scheduledTime',
  run: (input, tools) => runStartBake(input, { ...tools, settings: settings.get(), ports: startBakePorts() }),
});
