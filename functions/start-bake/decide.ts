import { createHash } from 'node:crypto';

import type { StartBakeSettings } from './settings';
import type { StartBakeInput } from './schema';

/** The one shape the decision sees, whatever started it. */
export interface BakeRequest {
  readonly pipeline: string;
  /** Stable per trigger: the schedule's time or the requester's idempotency key. */
  readonly trigger: string;
  readonly reason: string;
}

export const toBakeRequest = (input: StartBakeInput): BakeRequest =>
  'detail' in input
    ? {
        pipeline: input.detail.pipeline,
        trigger: `request:${input.detail.idempotencyKey}`,
        reason: input.detail.reason,
      }
    : {
        pipeline: input.pipeline,
        trigger: `schedule:${input.scheduledTime}`,
        reason: `schedule at ${input.scheduledTime}`,
      };

export type BakeDecision =
  | { readonly kind: 'start'; readonly pipelineArn: string; readonly clientToken: string }
  | {
      readonly kind: 'skip';
      readonly reason: 'build-running';
      readonly pipelineArn: string;
      readonly running: string[];
    }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * Image Builder's client token (1-36 chars). Hashing the pipeline ARN with the trigger means a
 * repeated trigger reuses its token (one build) and two pipelines never share one.
 */
export const clientTokenFor = (pipelineArn: string, trigger: string): string =>
  createHash('sha256').update(`${pipelineArn}\n${trigger}`).digest('hex').slice(0, 36);

/**
 * @param running build-version ARNs of this pipeline's images that have not settled yet
 */
export const decideBake = (
  request: BakeRequest,
  settings: StartBakeSettings,
  running: readonly string[],
): BakeDecision => {
  const pipeline = settings.pipelines[request.pipeline];
  if (!pipeline) {
    const known = Object.keys(settings.pipelines).sort().join(', ');
    return {
      kind: 'refuse',
      reason: `unknown pipeline "${request.pipeline}"; this deployment has: ${known}`,
    };
  }
  if (running.length > 0) {
    return { kind: 'skip', reason: 'build-running', pipelineArn: pipeline.arn, running: [...running] };
  }
  return {
    kind: 'start',
    pipelineArn: pipeline.arn,
    clientToken: clientTokenFor(pipeline.arn, request.trigger),
  };
};
