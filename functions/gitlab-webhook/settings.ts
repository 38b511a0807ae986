import { z } from 'zod';

import { WebhookConfig } from '../shared/webhook-config';

/**
 * The webhook's slice of the suite config (see `functions/shared/settings.ts`): its part of the
 * config file, with the bus and the fallback topic the stack adds.
 */
export const WebhookSettings = z.strictObject({
  eventBusName: z.string().min(1),
  /** Where a push goes when PutEvents keeps failing; the redrive function puts it later. */
  fallbackTopicArn: z.string().min(1),
  ...WebhookConfig.shape,
});
export type WebhookSettings = z.infer<typeof WebhookSettings>;
