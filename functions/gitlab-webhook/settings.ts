import { WebhookConfig } from '../shared/webhook-config';
import * as z from '../shared/zod';

/**
 * The webhook's slice of the suite config (see `functions/shared/settings.ts`): its part of the
 * config file, with the bus and the fallback topic the stack adds.
 */
export const WebhookSettings = z.strictObject({
  eventBusName: z.string().check(z.minLength(1)),
  /** Where a push goes when PutEvents keeps failing; the redrive function puts it later. */
  fallbackTopicArn: z.string().check(z.minLength(1)),
  ...WebhookConfig.shape,
});
export type WebhookSettings = z.infer<typeof WebhookSettings>;
