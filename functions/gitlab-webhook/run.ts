import { PermanentError } from '../shared/errors';
import { formatIssues } from '../shared/issues';
import type { RunDeps } from '../shared/make-handler';
import { validateNow } from '../shared/standard-schema';
import { bakeRequestedEntry } from './bake-requested';
import { decideWebhook } from './decide';
import { handOff } from './hand-off';
import { PushPayload } from './payload';
import type { WebhookPorts } from './ports';
import type { FunctionUrlEvent } from './schema';
import { verifyToken } from './secret';
import type { WebhookSettings } from './settings';

/**
 * One GitLab delivery: authenticate, check the method, bound and parse the body, decide, put one
 * `Bake Requested` event per pipeline. Order matters: the token is checked before anything else
 * about the request, so only a holder of the token can provoke more than a 401.
 */

export type WebhookOutcome =
  | { statusCode: 401; outcome: 'unauthorized'; reason: string }
  | { statusCode: 405; outcome: 'method-not-allowed'; reason: string; headers: { allow: 'POST' } }
  | { statusCode: 202; outcome: 'ignored' | 'no-match'; reason: string }
  | {
      statusCode: 200;
      outcome: 'queued';
      reason: string;
      pipelines: string[];
      rules: string[];
      eventIds: string[];
      itemCount: number;
    }
  | {
      /** Safe, but late: the fallback topic holds the push until the redrive puts it. */
      statusCode: 202;
      outcome: 'deferred';
      reason: string;
      pipelines: string[];
      rules: string[];
      messageId: string;
      itemCount: number;
    };

const PUSH_EVENTS = new Set(['Push Hook', 'Tag Push Hook']);

/** Our keys add a prefix and a pipeline name; the detail allows 256 characters in all. */
const DELIVERY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Function URLs lowercase header names; a hand-made or proxied event may not. */
const lowerCaseKeys = (headers: Record<string, string>): Partial<Record<string, string>> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

/** For messages: a header value an authenticated sender chose, cut short. */
const shown = (value: string | undefined): string =>
  value === undefined ? '(none)' : JSON.stringify(value.slice(0, 64));

/** Decoded size, computed without decoding: a Function URL base64-encodes non-text bodies. */
const checkSize = (event: FunctionUrlEvent, maxBytes: number): void => {
  const size = Buffer.byteLength(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (size > maxBytes)
    throw new PermanentError(`body of ${size} bytes exceeds maxBodyBytes (${maxBytes})`, { statusCode: 413 });
};

const parseJson = (event: FunctionUrlEvent): unknown => {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  try {
    return JSON.parse(text);
  } catch {
    throw new PermanentError('body is not JSON: GitLab sends push hooks as application/json');
  }
};

export const runWebhook = async (
  event: FunctionUrlEvent,
  { logger, now, settings: cfg, ports }: RunDeps<WebhookSettings, WebhookPorts>,
): Promise<WebhookOutcome> => {
  const headers = lowerCaseKeys(event.headers);

  if (!(await verifyToken(headers['x-gitlab-token'], ports.readToken, now().getTime()))) {
    // An answer, not a thrown error: a probe of a public URL is not our failure. Its outcome metric
    // (`Unauthorized`) has its own alarm, for a GitLab hook left with an old token.
    return { statusCode: 401, outcome: 'unauthorized', reason: 'missing or wrong X-Gitlab-Token' };
  }
  const method = event.requestContext.http.method;
  // GitLab only ever POSTs; another method from a holder of the token is a mistake, not a page.
  if (method !== 'POST')
    return {
      statusCode: 405,
      outcome: 'method-not-allowed',
      reason: `method ${shown(method)} is not POST`,
      headers: { allow: 'POST' },
    };
  const gitlabEvent = headers['x-gitlab-event'];
  // Idempotency-Key (GitLab 17.4+) is kept on retries; the event UUID is the older fallback.
  const deliveryKey = headers['idempotency-key'] || headers['x-gitlab-event-uuid'];
  logger.appendKeys({ gitlabEvent, deliveryKey, webhookUuid: headers['x-gitlab-webhook-uuid'] });

  checkSize(event, cfg.maxBodyBytes);
  // Anything but a push is answered 2xx: GitLab disables a hook whose deliveries keep failing.
  if (!gitlabEvent || !PUSH_EVENTS.has(gitlabEvent))
    return {
      statusCode: 202,
      outcome: 'ignored',
      reason: `X-Gitlab-Event ${shown(gitlabEvent)} is not a push`,
    };
  if (!deliveryKey || !DELIVERY_KEY.test(deliveryKey))
    throw new PermanentError(
      `no usable delivery id: Idempotency-Key or X-Gitlab-Event-UUID must be 1-200 printable characters, got ${shown(deliveryKey)}`,
    );

  const parsed = validateNow(PushPayload, parseJson(event));
  if (parsed.issues)
    throw new PermanentError(`body is not a push payload: ${formatIssues(parsed.issues, 'inline', 5)}`);

  const decision = decideWebhook(parsed.value, cfg.rules);
  if (decision.kind === 'ignore') return { statusCode: 202, outcome: 'ignored', reason: decision.reason };
  logger.debug('rule verdicts', { verdicts: decision.verdicts });
  if (decision.kind === 'no-match') return { statusCode: 202, outcome: 'no-match', reason: decision.reason };

  const entries = decision.requests.map((r) =>
    bakeRequestedEntry(
      // Per pipeline, so two pipelines of one delivery never share a key (nor a build client token).
      { pipeline: r.pipeline, idempotencyKey: `gitlab:${deliveryKey}:${r.pipeline}`, reason: r.reason },
      cfg.eventBusName,
    ),
  );
  const handed = await handOff(entries, `gitlab:${deliveryKey}`, ports, logger);
  const common = {
    reason: decision.reason,
    pipelines: decision.requests.map((r) => r.pipeline),
    rules: [...new Set(decision.requests.flatMap((r) => r.rules))],
    itemCount: entries.length,
  };
  return handed.kind === 'put'
    ? { statusCode: 200, outcome: 'queued', ...common, eventIds: handed.eventIds }
    : { statusCode: 202, outcome: 'deferred', ...common, messageId: handed.messageId };
};
