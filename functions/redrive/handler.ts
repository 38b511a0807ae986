import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import { redrivePorts } from './ports';
import { runRedrive } from './run';
import { SqsEvent } from './schema';
import { RedriveSettings } from './settings';

const settings = lazyConfigSlice(RedriveSettings);
export const resetSettings = settings.reset;

/** The webhook's fallback queue -> our bus: pushes PutEvents could not take while GitLab waited. */
export const handler = makeHandler({
  name: 'redrive',
  schema: SqsEvent,
  run: (event, tools) => runRedrive(event, { ...tools, settings: settings.get(), ports: redrivePorts() }),
});
