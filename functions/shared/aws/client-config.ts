/**
 * Shared SDK client settings. Standard retries with a few more attempts than the default: our
 * calls are few and idempotent (client tokens), so riding out throttling beats failing the event.
 */
export const clientConfig = { maxAttempts: 5 } as const;

/**
 * For calls made while a caller waits for the answer (the webhook: GitLab gives up after 10 s and
 * never retries). At most 3 attempts, each cut at 600 ms with its connection included: without
 * `throwOnRequestTimeout` the SDK only warns when `requestTimeout` passes.
 */
export const interactiveClientConfig = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 300, requestTimeout: 600, throwOnRequestTimeout: true },
} as const;

/** How long one adapter call may take. */
export interface CallOptions {
  /** Use the interactive client ({@link interactiveClientConfig}). @default false */
  readonly interactive?: boolean;
  /**
   * Give up after this many milliseconds in all, attempts and backoff included (the SDK races
   * both against the abort signal). @default - no deadline beyond the client's own retries
   */
  readonly deadlineMs?: number;
}

/** The `send` options of one call: one abort signal shared by every request the call makes. */
export const sendOptions = ({ deadlineMs }: CallOptions): { abortSignal?: AbortSignal } =>
  deadlineMs === undefined ? {} : { abortSignal: AbortSignal.timeout(deadlineMs) };
