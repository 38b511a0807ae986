import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import { fleetSweeperPorts } from './ports';
import { runFleetSweeper } from './run';
import { SweepInput } from './schema';
import { FleetSweeperSettings } from './settings';

const settings = lazyConfigSlice(FleetSweeperSettings);
export const resetSettings = settings.reset;

export const handler = makeHandler({
  name: 'fleet-sweeper',
  schema: SweepInput,
  correlationIdPath: 'scheduledTime',
  run: (input, tools) => {
    const cfg = settings.get();
    return runFleetSweeper(input, { ...tools, settings: cfg, ports: fleetSweeperPorts(cfg.ledgerTable) });
  },
});
