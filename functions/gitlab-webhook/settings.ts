import { z } from 'zod';

import { SecretRef } from '../shared/schema-primitives';
import { WebhookConfig, WebhookRule } from '../shared/webhook-config';

export { SecretRef, WebhookRule };

/**
 * The webhook's slice of the suite config (see `functions/shared/settings.ts`): its config section
 * and what the stack adds.
 */
export const WebhookSettings = WebhookConfig.extend({
  eventBusName: z.string().min(1),
  /** Where a push goes when PutEvents keeps failing; the redrive function puts it later. */
  fallbackTopicArn: z.string().min(1),
});
export type WebhookSettings = z.infer<typeof WebhookSettings>;
