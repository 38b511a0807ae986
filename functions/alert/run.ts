import { CHAT_DELIVERY_FAILED } from '../shared/metric-names';

import { PermanentError, TransientError } from '../shared/errors';
import { DetailType } from '../shared/events';
import type { Outcome, RunDeps } from '../shared/make-handler';
import { SecretMissingError } from '../shared/errors';
import { MetricUnit } from '../shared/observability';
import {
  type Alert,
  composeAlert,
  type InstanceFact,
  instanceIdsOf,
  recheckEvent,
  type RolloutFact,
} from './compose';
import {
  type AlarmMemory,
  alarmMemoryKey,
  type BakeStreak,
  contentKey,
  decideAlert,
  decideImageReady,
  decideRecheck,
  memoryKey,
} from './decide';
import type { PostResult } from './deliver';
import { formatChat, formatSns } from './format';
import type { AlertPorts } from './ports';
import type { AlertableInput, AlertInput, AlertRequest, ImageReady, RecheckInput } from './schema';
import type { AlertSettings, ChatChannel } from './settings';
import type { ChannelState, Claim } from './store';

/** What a run is given: the factory's tools, the alert's config slice, and its ports. */
export type AlertDeps = RunDeps<AlertSettings, AlertPorts>;

/**
 * How long a claimed delivery is held by one invocation: longer than the function runs (30 s), and
 * shorter than Lambda waits before its first retry (about a minute), so a retry finds it free.
 */
export const LEASE_SECONDS = 45;

/** The topic is one channel, each chat webhook another; ids key the per-channel delivery record. */
type Channel = { readonly id: 'sns' } | { readonly id: string; readonly chat: ChatChannel };
const channelsOf = (cfg: AlertSettings): Channel[] => [
  { id: 'sns' },
  ...cfg.chat.map((chat) => ({ id: `chat:${chat.name}`, chat })),
];

const deliver = async (channel: Channel, alert: Alert, deps: AlertDeps): Promise<PostResult> => {
  const { ports } = deps;
  if (!('chat' in channel)) {
    await ports.publish({ topicArn: deps.settings.topicArn, ...formatSns(alert) });
    return { kind: 'sent', status: 200 };
  }
  let url: string;
  try {
    url = await ports.readSecret(channel.chat.url);
  } catch (error) {
    if (error instanceof SecretMissingError) return { kind: 'permanent', error: error.message };
    throw error;
  }
  return ports.postJson(url, formatChat(channel.chat.kind, alert));
};

/** The ledger item of a failed rollout or apply: its canary, manager, commands and versions. */
const rolloutFact = async (event: AlertableInput, deps: AlertDeps): Promise<RolloutFact | undefined> => {
  const ref =
    event['detail-type'] === DetailType.RolloutFailed
      ? { fleet: event.detail.fleet, id: event.detail.candidateId }
      : event['detail-type'] === DetailType.ConfigApplyFailed
        ? { fleet: event.detail.fleet, id: event.detail.applyId }
        : undefined;
  if (!ref) return undefined;
  try {
    return await deps.ports.getRollout(ref.fleet, ref.id);
  } catch (error) {
    // Details make the message better; their absence must not stop it.
    deps.logger.warn('could not read the ledger item, alerting without it', { error });
    return undefined;
  }
};

const instanceFacts = async (ids: string[], deps: AlertDeps): Promise<InstanceFact[]> => {
  if (ids.length === 0) return [];
  try {
    const found = await deps.ports.describeInstances(ids);
    const known = new Set(found.map((i) => i.instanceId));
    return [
      ...found,
      ...ids.filter((id) => !known.has(id)).map((instanceId) => ({ instanceId, state: 'unknown' })),
    ];
  } catch (error) {
    deps.logger.warn('could not describe the instances, alerting with their ids only', { error });
    return ids.map((instanceId) => ({ instanceId, state: 'unknown' }));
  }
};

/**
 * One alert: claim the message (a duplicate stops here), decide against the alarm's or pipeline's
 * memory, gather the instances it names, then deliver to every channel independently. A channel
 * that fails for good is counted and logged; one that fails for now makes the invocation throw
 * after the others were recorded, so Lambda's retry sends only to the channels still owed.
 * An `Image Ready` sends nothing: it only ends its pipeline's bake streak ({@link endBakeStreak}).
 */
export const runAlert = async (event: AlertInput, deps: AlertDeps): Promise<Outcome> => {
  const { logger, context, settings: cfg, ports } = deps;
  const now = deps.now();
  const key = contentKey(event);
  const holder = context.awsRequestId;
  logger.appendKeys({
    eventId: event.id,
    detailType: event['detail-type'],
    eventSource: event.source,
    ...('alarmName' in event.detail ? { alarmName: event.detail.alarmName } : {}),
    ...('pipeline' in event.detail ? { pipeline: event.detail.pipeline } : {}),
  });
  if (event['detail-type'] === DetailType.ImageReady) return endBakeStreak(event, deps, now);

  const claim = await ports.store.claimDelivery(key, {
    eventId: event.id,
    holder,
    now,
    leaseSeconds: LEASE_SECONDS,
  });
  if (claim.kind === 'done') return { outcome: 'suppressed', reason: 'duplicate' };
  if (claim.kind === 'busy') {
    throw new TransientError(`another invocation is delivering this alert (${key}) right now: retry later`);
  }

  const mKey = memoryKey(event);
  const stored = mKey ? await ports.store.getMemory(mKey) : undefined;
  const decision = decideAlert(event, stored?.memory, cfg, now);
  // Before the memory is written: if scheduling fails, Lambda's retry decides (and schedules) again.
  const recheck =
    decision.kind === 'suppress' && decision.recheckAt && 'alarmName' in event.detail
      ? await recheckLater(event.detail.alarmName, decision.recheckAt, now, deps)
      : {};
  if (mKey && decision.memory) await ports.store.putMemory(mKey, decision.memory, stored?.version ?? 0, now);
  if (decision.kind === 'suppress') {
    await ports.store.saveDelivery(key, {
      holder,
      channels: {},
      done: true,
      outcome: `suppressed:${decision.reason}`,
    });
    return { outcome: 'suppressed', reason: decision.reason, ...recheck };
  }

  const rollout = await rolloutFact(event, deps);
  const instances = await instanceFacts(instanceIdsOf(event, rollout), deps);
  const alert = composeAlert(event, decision, { instances, ...(rollout ? { rollout } : {}) }, cfg);
  return deliverAlert(alert, { key, holder, claim }, deps);
};

/**
 * An `Image Ready`: marks the pipeline's `Bake Failed` streak ended, so its next failure is sent.
 * No message, hence no delivery record: the decision itself is idempotent (a redelivery finds the
 * streak ended), and the memory's optimistic version settles concurrent duplicates.
 */
const endBakeStreak = async (event: ImageReady, deps: AlertDeps, now: Date): Promise<Outcome> => {
  const { store } = deps.ports;
  const mKey = memoryKey(event)!;
  const stored = await store.getMemory(mKey);
  const decision = decideImageReady(event, stored?.memory as BakeStreak | undefined);
  if (decision.memory) await store.putMemory(mKey, decision.memory, stored?.version ?? 0, now);
  return {
    outcome: decision.outcome,
    pipeline: event.detail.pipeline,
    ...(decision.failures !== undefined ? { failures: decision.failures } : {}),
  };
};

/**
 * Schedules the re-check of an alarm whose ALARM the rate limit held back, at the window's end.
 * Without re-check settings nothing is scheduled (and that is logged).
 */
const recheckLater = async (
  alarmName: string,
  windowEnd: string,
  now: Date,
  deps: AlertDeps,
): Promise<{ recheckAt?: string; recheckSchedule?: string }> => {
  const { settings: cfg, logger } = deps;
  if (!cfg.recheck) {
    logger.warn('no re-check settings: the held-back alarm is not checked again', { windowEnd });
    return {};
  }
  const scheduled = await deps.ports.scheduleRecheck(
    cfg.recheck,
    { name: alarmName, prefix: cfg.alarmNamePrefix },
    windowEnd,
    now,
  );
  if (!scheduled.created) logger.info('the re-check of this window was already scheduled', scheduled);
  return { recheckAt: scheduled.at, recheckSchedule: scheduled.name };
};

/**
 * A scheduled re-check of an alarm the rate limit held back: reads its state now and, when it is
 * not what the receivers were last told (ALARM or OK), sends that state's message, deduplicated and
 * delivered per channel like an event's.
 */
export const runRecheck = async (input: RecheckInput, deps: AlertDeps): Promise<Outcome> => {
  const { logger, context, settings: cfg, ports } = deps;
  const now = deps.now();
  const alarmName = input.recheck;
  const holder = context.awsRequestId;
  logger.appendKeys({ recheck: true, alarmName });
  if (!alarmName.startsWith(cfg.alarmNamePrefix)) {
    throw new PermanentError(
      `re-check of "${alarmName}": not an alarm of this stack (their names start with ${cfg.alarmNamePrefix})`,
    );
  }

  const current = (await ports.alarmStates([alarmName]))[alarmName];
  if (!current) return { outcome: 'suppressed', reason: 'alarm-not-found' };
  const mKey = alarmMemoryKey(alarmName);
  const stored = await ports.store.getMemory(mKey);
  const memory = stored?.memory as AlarmMemory | undefined;
  const decision = decideRecheck(alarmName, current, memory, now);
  if (decision.kind === 'suppress') {
    return { outcome: 'suppressed', reason: decision.reason, state: current.state };
  }

  const claim = await ports.store.claimDelivery(decision.key, {
    eventId: `recheck:${alarmName}`,
    holder,
    now,
    leaseSeconds: LEASE_SECONDS,
  });
  if (claim.kind === 'done') return { outcome: 'suppressed', reason: 'duplicate' };
  if (claim.kind === 'busy') {
    throw new TransientError(`another invocation is delivering this re-check (${decision.key}): retry later`);
  }
  if (decision.memory) await ports.store.putMemory(mKey, decision.memory, stored?.version ?? 0, now);

  const event = recheckEvent(alarmName, current, memory, cfg, now);
  const instances = await instanceFacts(instanceIdsOf(event), deps);
  const alert = composeAlert(event, decision, { instances }, cfg);
  return deliverAlert(alert, { key: decision.key, holder, claim }, deps);
};

/** The function's entry: an event, or a scheduled re-check. */
export const runRequest = (request: AlertRequest, deps: AlertDeps): Promise<Outcome> =>
  'recheck' in request ? runRecheck(request, deps) : runAlert(request, deps);

/**
 * Delivers a composed alert to every channel its claim still owes, records each channel's result,
 * and throws (for Lambda's retry) when a channel failed for now.
 */
const deliverAlert = async (
  alert: Alert,
  delivery: { key: string; holder: string; claim: Extract<Claim, { kind: 'claimed' }> },
  deps: AlertDeps,
): Promise<Outcome> => {
  const { logger, metrics, settings: cfg } = deps;
  const { key, holder, claim } = delivery;
  const owed = channelsOf(cfg).filter((c) => !claim.channels[c.id]);
  const results = await Promise.allSettled(owed.map((c) => deliver(c, alert, deps)));
  const settled: Record<string, ChannelState> = {};
  const retry: string[] = [];
  const failed: string[] = [];
  results.forEach((result, i) => {
    const channel = owed[i]!;
    const verdict: PostResult =
      result.status === 'fulfilled'
        ? result.value
        : {
            kind: 'transient',
            error: result.reason instanceof Error ? result.reason.message : String(result.reason),
          };
    const where =
      'chat' in channel ? { channel: channel.chat.name, chatKind: channel.chat.kind } : { channel: 'sns' };
    if (verdict.kind === 'sent') {
      settled[channel.id] = 'sent';
    } else if (verdict.kind === 'permanent') {
      settled[channel.id] = 'failed';
      failed.push(channel.id);
      logger.error('chat delivery failed for good', {
        ...where,
        status: verdict.status,
        error: verdict.error,
        errorKind: 'permanent',
      });
      const single = metrics.singleMetric();
      single.addDimension('channel', where.channel);
      single.addMetric(CHAT_DELIVERY_FAILED, MetricUnit.Count, 1);
    } else {
      retry.push(channel.id);
      logger.warn('delivery failed, will retry', { ...where, status: verdict.status, error: verdict.error });
    }
  });

  const outcome = retry.length ? 'partly-sent' : 'sent';
  await deps.ports.store.saveDelivery(key, { holder, channels: settled, done: retry.length === 0, outcome });
  if (retry.length) {
    throw new TransientError(`delivery to ${retry.join(', ')} failed: Lambda retries those channels only`);
  }
  return {
    outcome: 'sent',
    status: alert.status,
    severity: alert.severity,
    title: alert.title,
    ...(alert.fleet ? { fleet: alert.fleet } : {}),
    instanceCount: alert.instances.length,
    sentCount: Object.values(settled).filter((s) => s === 'sent').length,
    alreadySentCount: Object.keys(claim.channels).length,
    failedChannels: failed,
  };
};
