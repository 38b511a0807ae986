import { putEvents } from '../shared/aws/eventbridge';
import { publish } from '../shared/aws/sns';
import type { BusEntry } from '../shared/detail-types';
import type { SecretRef } from '../shared/schema-primitives';
import { readSecret } from '../shared/aws/secrets';
import type { WebhookSettings } from './settings';

/** Seconds a read secret is trusted: a rotation is picked up within this, or at once (see `secret.ts`). */
export const SECRET_MAX_AGE_S = 300;

/**
 * GitLab waits 10 s for an answer. Both hand-off steps have a deadline, attempts and backoff
 * included: with a cold start they answer well inside (the interactive client also cuts each
 * attempt at 600 ms).
 */
export const PUT_DEADLINE_MS = 1200;
export const FALLBACK_DEADLINE_MS = 1000;

/** What the webhook asks of the secret store, the bus and the fallback topic, all while GitLab waits. */
export interface WebhookPorts {
  /** The stored token, cached; `fresh` reads past the cache. An empty or missing one is thrown. */
  readonly readToken: (fresh: boolean) => Promise<string>;
  /** The event ids, in the order of the entries. */
  readonly putEvents: (entries: readonly BusEntry[]) => Promise<string[]>;
  /** Publishes a redrive message to the fallback topic: its message id. */
  readonly publishFallback: (message: string) => Promise<string>;
}

export const tokenReader =
  (ref: SecretRef): WebhookPorts['readToken'] =>
  (fresh) =>
    readSecret(ref, { maxAgeSeconds: SECRET_MAX_AGE_S, forceFetch: fresh, interactive: true });

export const webhookPorts = ({
  secret,
  fallbackTopicArn,
}: Pick<WebhookSettings, 'secret' | 'fallbackTopicArn'>): WebhookPorts => ({
  readToken: tokenReader(secret),
  putEvents: (entries) => putEvents(entries, { interactive: true, deadlineMs: PUT_DEADLINE_MS }),
  publishFallback: (message) =>
    publish({ topicArn: fallbackTopicArn, message }, { interactive: true, deadlineMs: FALLBACK_DEADLINE_MS }),
});
