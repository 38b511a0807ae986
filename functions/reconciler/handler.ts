import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import * as v from '../shared/valibot';
import { reconcilerPorts } from './ports';
import { runReconciler } from './run';
import { ReconcilerSettings } from './settings';

const settings = lazyConfigSlice(ReconcilerSettings);
export const resetSettings = settings.reset;

/** Every few minutes: advances the rollouts that waited too long, and recovers lost images. */
export const handler = makeHandler({
  name: 'reconciler',
  schema: v.looseObject({}),
  run: (input, tools) => {
    const cfg = settings.get();
    return runReconciler(input, { ...tools, settings: cfg, ports: reconcilerPorts(cfg.ledgerTable) });
  },
});
