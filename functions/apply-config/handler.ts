import { PermanentError } from '../shared/errors';
import { makeHandler } from '../shared/make-handler';
import { createEngine } from '../shared/rollout/engine';
import { RolloutSettings } from '../shared/rollout/settings';
import { requestConfigApply } from '../shared/runner-config/apply-steps';
import { lazyConfigSlice } from '../shared/settings';
import { applyPorts } from './ports';
import { ApplyConfigInput } from './schema';

const settings = lazyConfigSlice(RolloutSettings);
export const resetSettings = settings.reset;
// A request sends the first apply itself; its result is read by command-status.
export const engine = createEngine({});

/** A deploy, a request or the nightly drift check: apply (or check) a manager fleet's config.toml. */
export const handler = makeHandler({
  name: 'apply-config',
  schema: ApplyConfigInput,
  correlationIdPath: 'id || scheduledTime',
  run: async (input, { now }) => {
    const cfg = settings.get();
    const request = (() => {
      if ('scheduledTime' in input) {
        return {
          fleet: input.fleet,
          mode: 'drift' as const,
          reason: `nightly drift check at ${input.scheduledTime}`,
          idempotencyKey: `drift:${input.scheduledTime}`,
        };
      }
      if (input.source === 'aws.ssm') {
        const fleet = Object.entries(cfg.configPrefixes).find(
          ([, prefix]) => `${prefix}/manifest` === input.detail.name,
        )?.[0];
        if (!fleet)
          throw new PermanentError(`parameter ${input.detail.name} is no manager fleet's config manifest`);
        // The event id is the same on redelivery: one apply per deploy.
        return {
          fleet,
          mode: 'apply' as const,
          reason: `deploy updated ${input.detail.name}`,
          idempotencyKey: `deploy:${input.id}`,
        };
      }
      return input.detail;
    })();
    const ctx = engine.context({ settings: cfg, now: now(), ports: applyPorts(cfg.ledgerTable) });
    const result = await requestConfigApply(request, ctx);
    return { outcome: result.from === result.to ? 'unchanged' : 'advanced', mode: request.mode, ...result };
  },
});
