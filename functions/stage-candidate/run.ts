import type { ImageReadyDetail } from '../shared/events';
import type { RunDeps } from '../shared/make-handler';
import type { Ports } from '../shared/rollout/context';
import { createEngine } from '../shared/rollout/engine';
import type { RolloutSettings } from '../shared/rollout/settings';
import { stageCandidates } from '../shared/rollout/staging';
import { stagingOutcome } from './decide';

// Staging launches the canary itself; every later step runs in the rollout-step function.
export const engine = createEngine({});

/** Image Ready -> for each launch template fed by the pipeline: check, candidate version, canary. */
export const runStageCandidate = async (
  event: { readonly detail: ImageReadyDetail },
  { settings, now, ports }: RunDeps<RolloutSettings, Ports>,
) => {
  const results = await stageCandidates(event.detail, engine.context({ settings, now: now(), ports }));
  return stagingOutcome(event.detail.pipeline, results);
};
