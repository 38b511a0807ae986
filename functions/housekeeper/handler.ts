import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import { housekeeperPorts } from './ports';
import { runHousekeeper } from './run';
import { HousekeepingInput } from './schema';
import { HousekeeperSettings } from './settings';

const settings = lazyConfigSlice(HousekeeperSettings);
export const resetSettings = settings.reset;

/** The nightly clean-up of old launch template versions, then unused AMIs and their snapshots. */
export const handler = makeHandler({
  name: 'housekeeper',
  schema: HousekeepingInput,
  correlationIdPath: 'scheduledTime',
  run: (input, tools) =>
    runHousekeeper(input, {
      ...tools,
      settings: settings.get(),
      ports: housekeeperPorts(settings.get().ledgerTable),
    }),
});
