import { makeHandler } from '../shared/make-handler';
import { stepPorts } from '../shared/rollout/ports';
import { RolloutSettings } from '../shared/rollout/settings';
import { lazyConfigSlice } from '../shared/settings';
import { runCommandStatus } from './run';
import { CommandStatusChange } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** A smoke, drain, restart, apply or health command of a rollout has settled. */
export const handler = makeHandler({
  name: 'command-status',
  schema: CommandStatusChange,
  correlationIdPath: 'id',
  run: (event, tools) => {
    const cfg = settings.get();
    return runCommandStatus(event, { ...tools, settings: cfg, ports: stepPorts(cfg.ledgerTable) });
  },
});
