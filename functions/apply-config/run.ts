import { PermanentError } from '../shared/errors';
import type { RunDeps } from '../shared/make-handler';
import type { Ports } from '../shared/rollout/context';
import { createEngine } from '../shared/rollout/engine';
import type { RolloutSettings } from '../shared/rollout/settings';
import { requestConfigApply } from '../shared/runner-config/request-apply';
import { decideApplyRequest } from './decide';
import type { ApplyConfigInput } from './schema';

// A request sends the first apply itself; its result is read by command-status.
export const engine = createEngine({});

export const runApplyConfig = async (
  input: ApplyConfigInput,
  { settings, now, ports }: RunDeps<RolloutSettings, Ports>,
) => {
  const decision = decideApplyRequest(input, settings.configPrefixes);
  if (decision.kind === 'refuse') throw new PermanentError(decision.reason);
  const { request } = decision;
  const result = await requestConfigApply(request, engine.context({ settings, now: now(), ports }));
  return { outcome: result.from === result.to ? 'unchanged' : 'advanced', mode: request.mode, ...result };
};
