import type { requestConfigApply } from '../shared/runner-config/request-apply';
import type { ApplyConfigInput } from './schema';

export type ConfigApplyRequest = Parameters<typeof requestConfigApply>[0];

export type ApplyRequestDecision =
  | { readonly kind: 'request'; readonly request: ConfigApplyRequest }
  /** The input names no manager fleet: it can never succeed. */
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * The apply (or drift check) each input asks for: the nightly check of its fleet, a deploy of the
 * fleet whose manifest parameter it wrote (by its config prefix), or a request as it was put.
 */
export const decideApplyRequest = (
  input: ApplyConfigInput,
  configPrefixes: Readonly<Record<string, string>>,
): ApplyRequestDecision => {
  if ('scheduledTime' in input) {
    return {
      kind: 'request',
      request: {
        fleet: input.fleet,
        mode: 'drift',
        reason: `nightly drift check at ${input.scheduledTime}`,
        idempotencyKey: `drift:${input.scheduledTime}`,
      },
    };
  }
  if (input.source === 'aws.ssm') {
    const fleet = Object.entries(configPrefixes).find(
      ([, prefix]) => `${prefix}/manifest` === input.detail.name,
    )?.[0];
    if (!fleet)
      return {
        kind: 'refuse',
        reason: `parameter ${input.detail.name} is no manager fleet's config manifest`,
      };
    // The event id is the same on redelivery: one apply per deploy.
    return {
      kind: 'request',
      request: {
        fleet,
        mode: 'apply',
        reason: `deploy updated ${input.detail.name}`,
        idempotencyKey: `deploy:${input.id}`,
      },
    };
  }
  return { kind: 'request', request: input.detail };
};
