import { DetailType } from '../shared/events';
import {
  type AlarmStateChange,
  alarmTime,
  type AlertableInput,
  type AlertInput,
  type ImageReady,
  isAlarm,
} from './schema';
import type { AlertSettings } from './settings';

/**
 * The alert function's send-or-hold rules, pure: which events become a message and which are held
 * back (duplicates, stale changes, rate limits, bake-failure streaks, re-checks), and the memory
 * per alarm and pipeline those rules keep. No SDK, no clock, no environment: the run passes the
 * facts it fetched and `now`. What a message says is `compose.ts`'s.
 */

/** Per alarm: what the receivers were last told, so a flapping alarm is rate-limited. */
export interface AlarmMemory {
  /** The newest state change handled (ISO): older ones arriving late are stale. */
  readonly lastTransitionAt: string;
  readonly lastSentKey?: string;
  readonly lastSentState?: 'ALARM' | 'OK';
  readonly lastAlarmSentAt?: string;
  /** Changes held back since the last message. */
  readonly held: number;
  /**
   * The configuration (description, metrics, rule) of the ALARM the rate limit held back, so the
   * re-check's message has the same title, severity, runbook and metric as the event would have.
   */
  readonly configuration?: AlarmConfiguration;
}

export type AlarmConfiguration = NonNullable<AlarmStateChange['detail']['configuration']>;

/** Per pipeline: its run of failures since the one that was announced. */
export interface BakeStreak {
  readonly firstFailureAt: string;
  readonly failures: number;
  readonly lastSentKey?: string;
  /** The newest failure's event time (ISO): an `Image Ready` older than it does not end the streak. */
  readonly lastFailureAt?: string;
  /**
   * Set when an `Image Ready` of the pipeline ended the streak (its event time, ISO): the next
   * failure starts a new streak and is sent.
   */
  readonly endedAt?: string;
  /** The image whose `Image Ready` ended it. */
  readonly endedBy?: string;
}

export type Memory = AlarmMemory | BakeStreak;

export type SuppressReason =
  | 'duplicate'
  | 'stale'
  | 'insufficient-data'
  | 'already-alerted'
  | 'ok-without-alarm'
  | 'rate-limited'
  | 'repeated-bake-failure';

/**
 * An `Image Ready`: no message. `streak-reset` ends the pipeline's bake-failure streak (and
 * `memory` marks it ended); `nothing-to-do` when there is no streak, it already ended (a
 * redelivery, a second success), or a failure newer than the success started it.
 */
export interface StreakResetDecision {
  readonly kind: 'record';
  readonly outcome: 'streak-reset' | 'nothing-to-do';
  /** The failures of the streak it ended. */
  readonly failures?: number;
  readonly memory?: BakeStreak;
}

export type AlertDecision =
  | {
      readonly kind: 'send';
      readonly status: 'firing' | 'resolved';
      /** Held-back changes or failures the message reports. */
      readonly held: number;
      readonly memory?: Memory;
    }
  | {
      readonly kind: 'suppress';
      readonly reason: SuppressReason;
      readonly memory?: Memory;
      /** Rate-limited: when the window ends (ISO), and the alarm's state is to be checked again. */
      readonly recheckAt?: string;
    };

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * What makes two deliveries the same message: EventBridge's redelivery of one event (same `id`)
 * and a second event saying the same thing (the same alarm change; a failure event put twice)
 * both land on it. Fields, not the event id, so both cases collapse.
 */
export const contentKey = (event: AlertInput): string => {
  switch (event['detail-type']) {
    case 'CloudWatch Alarm State Change':
      return [
        'alarm',
        event.detail.alarmName,
        event.detail.state.value,
        alarmTime(event.detail.state.timestamp),
      ].join('|');
    case DetailType.BakeFailed:
      return ['bake', event.detail.imageArn, event.detail.status].join('|');
    case DetailType.RolloutFailed:
      return [
        'rollout',
        event.detail.fleet,
        event.detail.candidateId,
        event.detail.stage,
        event.detail.outcome,
      ].join('|');
    case DetailType.ConfigApplyFailed:
      return ['config', event.detail.fleet, event.detail.applyId, event.detail.stage].join('|');
    case DetailType.ConfigDriftDetected:
      return ['drift', event.detail.fleet, event.detail.applyId, event.detail.instanceId].join('|');
    case DetailType.ImageReady:
      return ['image-ready', event.detail.pipeline, event.detail.imageArn].join('|');
  }
};

export const alarmMemoryKey = (alarmName: string): string => `ALARM#${alarmName}`;

/**
 * The memory an event's decision reads and writes: per alarm, per pipeline (its `Bake Failed`
 * streak, which its `Image Ready` ends), or none.
 */
export const memoryKey = (event: AlertInput): string | undefined => {
  if (isAlarm(event)) return alarmMemoryKey(event.detail.alarmName);
  if (event['detail-type'] === DetailType.BakeFailed || event['detail-type'] === DetailType.ImageReady) {
    return `BAKE#${event.detail.pipeline}`;
  }
  return undefined;
};

const decideAlarm = (
  event: AlarmStateChange,
  key: string,
  memory: AlarmMemory | undefined,
  settings: AlertSettings,
  now: Date,
): AlertDecision => {
  const at = alarmTime(event.detail.state.timestamp);
  const value = event.detail.state.value;
  // A retry of a change already decided (and perhaps partly delivered): decide the same again.
  if (memory?.lastSentKey === key) {
    return { kind: 'send', status: value === 'OK' ? 'resolved' : 'firing', held: memory.held };
  }
  if (memory && at <= memory.lastTransitionAt) return { kind: 'suppress', reason: 'stale' };
  const base: AlarmMemory = memory ?? { lastTransitionAt: at, held: 0 };
  const hold = (reason: SuppressReason): AlertDecision => ({
    kind: 'suppress',
    reason,
    memory: { ...base, lastTransitionAt: at, held: base.held + 1 },
  });
  const send = (status: 'firing' | 'resolved'): AlertDecision => ({
    kind: 'send',
    status,
    held: base.held,
    memory: {
      lastTransitionAt: at,
      lastSentKey: key,
      lastSentState: status === 'firing' ? 'ALARM' : 'OK',
      ...(status === 'firing'
        ? { lastAlarmSentAt: now.toISOString() }
        : base.lastAlarmSentAt
          ? { lastAlarmSentAt: base.lastAlarmSentAt }
          : {}),
      held: 0,
    },
  });

  if (value === 'OK') return base.lastSentState === 'ALARM' ? send('resolved') : hold('ok-without-alarm');
  if (value !== 'ALARM') return hold('insufficient-data');
  if (base.lastSentState === 'ALARM') return hold('already-alerted');
  if (
    base.lastAlarmSentAt &&
    now.getTime() - Date.parse(base.lastAlarmSentAt) < settings.rateLimitMinutes * MINUTE_MS
  ) {
    const configuration = event.detail.configuration;
    return {
      kind: 'suppress',
      reason: 'rate-limited',
      memory: {
        ...base,
        lastTransitionAt: at,
        held: base.held + 1,
        ...(configuration ? { configuration } : {}),
      },
      recheckAt: rateLimitEnd(base.lastAlarmSentAt, settings).toISOString(),
    };
  }
  return send('firing');
};

/** When the rate limit that an ALARM sent at `lastAlarmSentAt` set ends. */
export const rateLimitEnd = (lastAlarmSentAt: string, settings: AlertSettings): Date =>
  new Date(Date.parse(lastAlarmSentAt) + settings.rateLimitMinutes * MINUTE_MS);

/** What CloudWatch says of the alarm now (the cloudwatch adapter's `AlarmState`). */
export interface CurrentAlarmState {
  readonly state: string;
  readonly updatedAt?: Date;
  readonly reason?: string;
}

export type RecheckDecision =
  | {
      readonly kind: 'send';
      readonly status: 'firing' | 'resolved';
      /** The delivery's dedupe key: the state change's, marked as a re-check. */
      readonly key: string;
      readonly held: number;
      readonly memory?: AlarmMemory;
    }
  | { readonly kind: 'suppress'; readonly reason: 'unchanged' | 'insufficient-data' };

/**
 * A scheduled re-check of a rate-limited alarm: when its state now (ALARM or OK) differs from the
 * last one sent (none sent counts as OK), it is sent now. Its key is the state change's content key
 * plus `|recheck`: the held-back event closed its own key as suppressed, and a late event of the
 * same change is stale once the re-check stored the change's time.
 */
export const decideRecheck = (
  alarmName: string,
  current: CurrentAlarmState,
  memory: AlarmMemory | undefined,
  now: Date,
): RecheckDecision => {
  const value = current.state;
  if (value !== 'ALARM' && value !== 'OK') return { kind: 'suppress', reason: 'insufficient-data' };
  const at = current.updatedAt?.toISOString() ?? memory?.lastTransitionAt ?? now.toISOString();
  const key = ['alarm', alarmName, value, at, 'recheck'].join('|');
  const status = value === 'ALARM' ? 'firing' : 'resolved';
  // A retry of a re-check already decided (and perhaps partly delivered): decide the same again.
  if (memory?.lastSentKey === key) return { kind: 'send', status, key, held: memory.held };
  if (value === (memory?.lastSentState ?? 'OK')) return { kind: 'suppress', reason: 'unchanged' };
  const held = memory?.held ?? 0;
  const lastTransitionAt = memory && memory.lastTransitionAt > at ? memory.lastTransitionAt : at;
  return {
    kind: 'send',
    status,
    key,
    held,
    memory: {
      lastTransitionAt,
      lastSentKey: key,
      lastSentState: value,
      ...(value === 'ALARM'
        ? { lastAlarmSentAt: now.toISOString() }
        : memory?.lastAlarmSentAt
          ? { lastAlarmSentAt: memory.lastAlarmSentAt }
          : {}),
      held: 0,
    },
  };
};

const laterOf = (a: string | undefined, b: string): string =>
  a !== undefined && Date.parse(a) > Date.parse(b) ? a : b;

const decideBake = (
  key: string,
  failedAt: string,
  memory: BakeStreak | undefined,
  settings: AlertSettings,
  now: Date,
): AlertDecision => {
  if (memory?.lastSentKey === key) return { kind: 'send', status: 'firing', held: memory.failures - 1 };
  // A failure older than the success that ended the streak (delivered late): that image is superseded.
  if (memory?.endedAt !== undefined && Date.parse(failedAt) <= Date.parse(memory.endedAt)) {
    return { kind: 'suppress', reason: 'stale' };
  }
  // An ended streak is no streak: the failure after a success starts a new one, and is sent.
  const streak = memory?.endedAt === undefined ? memory : undefined;
  if (
    streak &&
    now.getTime() - Date.parse(streak.firstFailureAt) < settings.bakeFailureWindowHours * HOUR_MS
  ) {
    return {
      kind: 'suppress',
      reason: 'repeated-bake-failure',
      memory: {
        ...streak,
        failures: streak.failures + 1,
        lastFailureAt: laterOf(streak.lastFailureAt, failedAt),
      },
    };
  }
  return {
    kind: 'send',
    status: 'firing',
    held: streak ? streak.failures - 1 : 0,
    memory: { firstFailureAt: now.toISOString(), failures: 1, lastSentKey: key, lastFailureAt: failedAt },
  };
};

/**
 * An `Image Ready`: the pipeline baked, so its `Bake Failed` streak ends and the next failure is
 * alerted. Sends nothing. Idempotent: a redelivery finds the streak ended, and a success older than
 * the streak's newest failure (a late redelivery after a new failure) leaves the streak alone.
 */
export const decideImageReady = (event: ImageReady, memory: BakeStreak | undefined): StreakResetDecision => {
  if (!memory || memory.endedAt !== undefined) return { kind: 'record', outcome: 'nothing-to-do' };
  if (memory.lastFailureAt !== undefined && Date.parse(event.time) < Date.parse(memory.lastFailureAt)) {
    return { kind: 'record', outcome: 'nothing-to-do' };
  }
  return {
    kind: 'record',
    outcome: 'streak-reset',
    failures: memory.failures,
    memory: { ...memory, endedAt: event.time, endedBy: event.detail.imageArn },
  };
};

/**
 * Whether the event becomes a message. Duplicates are caught before (the delivery claim); here:
 * - alarms: OK sends "resolved" only when ALARM was sent; INSUFFICIENT_DATA and changes older than
 *   the newest handled are held; a second ALARM within `rateLimitMinutes` of the last one sent is held;
 * - `Bake Failed`: failures within `bakeFailureWindowHours` of the pipeline's announced one are
 *   held, until an `Image Ready` of the pipeline ends the streak ({@link decideImageReady});
 * - the other failure events always send.
 * `memory` is what to store back (when it changed).
 */
export const decideAlert = (
  event: AlertableInput,
  memory: Memory | undefined,
  settings: AlertSettings,
  now: Date,
): AlertDecision => {
  const key = contentKey(event);
  if (isAlarm(event)) return decideAlarm(event, key, memory as AlarmMemory | undefined, settings, now);
  if (event['detail-type'] === DetailType.BakeFailed) {
    return decideBake(key, event.time, memory as BakeStreak | undefined, settings, now);
  }
  return { kind: 'send', status: 'firing', held: 0 };
};
