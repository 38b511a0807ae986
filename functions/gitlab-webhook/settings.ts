import * as v from '../shared/valibot';
import { WebhookConfig } from '../shared/webhook-config';

/**
 * The webhook's slice of the suite config (see `functions/shared/settings.ts`): its part of the
 * config file (`WebhookConfig`) with the bus and the fallback topic the stack adds.
 */
export const WebhookSettings = v.strictObject({
  eventBusName: v.pipe(v.string(), v.minLength(1)),
  /** Where a push goes when PutEvents keeps failing; the redrive function puts it later. */
  fallbackTopicArn: v.pipe(v.string(), v.minLength(1)),
  ...WebhookConfig.entries,
});
export type WebhookSettings = v.InferOutput<typeof WebhookSettings>;
