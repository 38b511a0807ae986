import { makeHandler } from '../shared/make-handler';
import { RolloutSettings } from '../shared/rollout/settings';
import { lazyConfigSlice } from '../shared/settings';
import { applyPorts } from './ports';
import { runApplyConfig } from './run';
import { ApplyConfigInput } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;

/** A deploy, a request or the nightly drift check: apply (or check) a manager fleet's config.toml. */
export const handler = makeHandler({
  name: 'apply-config',
  schema: ApplyConfigInput,
  correlationIdPath: 'id || scheduledTime',
  run: (input, tools) => {
    const cfg = settings.get();
    return runApplyConfig(input, { ...tools, settings: cfg, ports: applyPorts(cfg.ledgerTable) });
  },
});
