/**
 * Shared SDK client settings. Standard retries with a few more attempts than the default: our
 * calls are few and idempotent (client tokens), so riding out throttling beats failing the event.
 */
export const clientConfig = { maxAttempts: 5 } as const;
