import { createHash, timingSafeEqual } from 'node:crypto';

import type { WebhookPorts } from './ports';

/**
 * The constant-time check of the `X-Gitlab-Token` against the webhook's shared secret, read through
 * the port (cached across invocations, see `ports.ts`).
 */

/** A wrong token forces a fresh read (the secret may have been rotated) at most this often. */
export const REFETCH_INTERVAL_MS = 60_000;

/** When this container last read the secret from the store for sure (cold start or forced read). */
let lastFreshReadAt: number | undefined;

/** Forgets the re-read limiter; tests pair it with `resetSecretCache()`. */
export const resetSecretState = (): void => {
  lastFreshReadAt = undefined;
};

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant time over fixed-length digests, so neither the content nor the length of the secret leaks. */
export const tokenMatches = (presented: string, secret: string): boolean =>
  timingSafeEqual(digest(presented), digest(secret));

/**
 * True when `presented` is the current secret. A mismatch re-reads the secret (bypassing the cache)
 * at most once per {@link REFETCH_INTERVAL_MS}, so a rotation is honoured at once while a stream of
 * bad requests cannot hammer SSM or Secrets Manager. A store failure is thrown (a 503 upstream).
 */
export const verifyToken = async (
  presented: string | undefined,
  /** An empty secret would let an empty token in: the port refuses one. */
  readToken: WebhookPorts['readToken'],
  nowMs: number,
): Promise<boolean> => {
  if (!presented) return false;
  const coldRead = lastFreshReadAt === undefined;
  const secret = await readToken(false);
  if (coldRead) lastFreshReadAt = nowMs;
  if (tokenMatches(presented, secret)) return true;
  if (lastFreshReadAt !== undefined && nowMs - lastFreshReadAt < REFETCH_INTERVAL_MS) return false;
  lastFreshReadAt = nowMs;
  return tokenMatches(presented, await readToken(true));
};
