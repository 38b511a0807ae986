/**
 * Posting a chat message: one POST of JSON to an incoming webhook with a timeout, and the verdict
 * the error policy needs. The URL is the credential: it never appears in a result, a log line or
 * an error message.
 */

/** Counted per chat channel when a message can never reach it; infra alarms on the same name. */

/** Per attempt; chat webhooks answer in well under a second. */
export const CHAT_TIMEOUT_MS = 5_000;

export type PostResult =
  | { readonly kind: 'sent'; readonly status: number }
  /** Worth a retry: 429, 5xx, a timeout, a network error. */
  | { readonly kind: 'transient'; readonly status?: number; readonly error: string }
  /** A retry cannot help: a wrong or revoked hook (4xx), a URL that is not https. */
  | { readonly kind: 'permanent'; readonly status?: number; readonly error: string };

/**
 * 2xx is delivered (Slack and Mattermost answer 200, Teams Workflows 202). 408 and 429 (throttled;
 * Slack's `rate_limited`) and every 5xx are worth a retry; any other 4xx names a hook that is gone
 * (Slack: 403 `action_prohibited`, 404 `no_service`, 410 `channel_is_archived`) or a payload the
 * service refuses (400 `invalid_payload`): retrying cannot help.
 */
export const classifyStatus = (status: number): PostResult['kind'] => {
  if (status >= 200 && status < 300) return 'sent';
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  return 'permanent';
};

export type Fetch = (url: string, init: RequestInit) => Promise<Pick<Response, 'status' | 'body'>>;

/** A short, URL-free description of a fetch failure (undici puts the cause's code on `cause`). */
const describeFailure = (error: unknown): string => {
  // Abort reasons are DOMExceptions, which are not `Error`s in every realm: read the name alone.
  const { name, cause } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    cause?: { code?: unknown };
  };
  if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
  if (typeof name !== 'string') return 'request failed';
  return typeof cause?.code === 'string' ? `${name}: ${cause.code}` : name;
};

export const postJson = async (
  url: string,
  body: object,
  options: { timeoutMs?: number; fetchFn?: Fetch } = {},
): Promise<PostResult> => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'permanent', error: 'the stored webhook URL is not a URL' };
  }
  if (parsed.protocol !== 'https:')
    return { kind: 'permanent', error: 'the stored webhook URL is not https' };
  const fetchFn: Fetch = options.fetchFn ?? ((u, init) => fetch(u, init));
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? CHAT_TIMEOUT_MS),
    });
    // The body is never read: a proxy's error page can echo the request URL, the credential.
    // Cancelled, so undici frees the connection now rather than at garbage collection.
    await response.body?.cancel().catch(() => undefined);
    const kind = classifyStatus(response.status);
    if (kind === 'sent') return { kind, status: response.status };
    return { kind, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    return { kind: 'transient', error: describeFailure(error) };
  }
};
