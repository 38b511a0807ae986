import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import { lazyConfigSlice } from '../shared/settings';
import { rollbackPorts } from './ports';
import { runRollback } from './run';
import { RollbackInput } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** A rollback alarm fired, or someone asked: restore each concerned fleet's previous default. */
export const handler = makeHandler({
  name: 'rollback',
  schema: RollbackInput,
  correlationIdPath: 'id',
  run: (event, tools) => {
    const cfg = settings.get();
    return runRollback(event, { ...tools, settings: cfg, ports: rollbackPorts(cfg.ledgerTable) });
  },
});
