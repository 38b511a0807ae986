import { DetailType } from '../shared/events';
import type { AlarmStateChange, AlertableInput, AlertInput, FailureEvent, ImageReady } from './schema';
import type { AlertSettings } from './settings';

/**
 * The alert function's rules, pure: which events become a message (and which are held back), and
 * what the message says. No SDK, no clock, no environment: the handler passes the facts it fetched
 * and `now`. Formats per channel live in `format.ts`.
 */

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertInstance {
  readonly instanceId: string;
  readonly state: string;
  /** `3d 4h`, `25m`: from the launch time to the event. */
  readonly age?: string;
  readonly imageId?: string;
  readonly launchTemplateVersion?: string;
  readonly autoScalingGroup?: string;
}

export interface AlertField {
  readonly label: string;
  readonly value: string;
  /** Long text (a reason, an excerpt) that should not sit in a narrow column. */
  readonly long?: boolean;
}

/** One message, before it is formatted for a channel. */
export interface Alert {
  readonly status: 'firing' | 'resolved';
  readonly title: string;
  readonly severity: Severity;
  readonly deployment: string;
  /** The fleet(s) concerned; absent when the alert concerns the suite itself (a function, a queue). */
  readonly fleet?: string;
  readonly summary: string;
  readonly whatToDo: string;
  readonly link: { readonly label: string; readonly url: string };
  readonly fields: readonly AlertField[];
  readonly instances: readonly AlertInstance[];
  /** ISO time of what happened (the alarm's state change, the event). */
  readonly at: string;
}

/** What EC2 said of an instance the event names (the ec2 adapter's `Instance`, narrowed). */
export interface InstanceFact {
  readonly instanceId: string;
  readonly state: string;
  readonly launchTime?: Date;
  readonly imageId?: string;
  readonly launchTemplateVersion?: string;
  readonly autoScalingGroup?: string;
}

/** What the ledger says of a failed rollout or apply, when it still has the item. */
export interface RolloutFact {
  readonly canaryInstanceId?: string;
  readonly managerInstanceId?: string;
  readonly commands?: readonly { readonly instanceId: string }[];
  readonly amiId?: string;
  readonly launchTemplateId?: string;
  readonly candidateVersion?: number;
  readonly previousDefault?: number;
}

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

/** Instances looked up per alert: enough to act on, few enough to stay one fast call. */
export const MAX_INSTANCES = 10;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const INSTANCE_ID = /\bi-[0-9a-f]{8}(?:[0-9a-f]{9})?\b/g;

const isAlarm = (event: AlertInput): event is AlarmStateChange => event.source === 'aws.cloudwatch';

/** CloudWatch writes `+0000`; ECMAScript's date format wants `+00:00`. */
export const alarmTime = (timestamp: string): string => {
  const ms = Date.parse(timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString();
};

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

/**
 * The alarm state change a re-check reports, as the event would have said it: the state and reason
 * CloudWatch gives now, the configuration kept from the held-back event.
 */
export const recheckEvent = (
  alarmName: string,
  current: CurrentAlarmState,
  memory: AlarmMemory | undefined,
  settings: AlertSettings,
  now: Date,
): AlarmStateChange => {
  const at = current.updatedAt?.toISOString() ?? memory?.lastTransitionAt ?? now.toISOString();
  return {
    version: '0',
    id: `recheck-${alarmName}-${at}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '',
    time: now.toISOString(),
    region: settings.region,
    resources: [],
    detail: {
      alarmName,
      state: {
        value: current.state,
        ...(current.reason !== undefined ? { reason: current.reason } : {}),
        timestamp: at,
      },
      ...(memory?.configuration ? { configuration: memory.configuration } : {}),
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

const uniqueIds = (ids: readonly (string | undefined)[]): string[] =>
  [...new Set(ids.filter((id): id is string => !!id))].slice(0, MAX_INSTANCES);

/** Instance ids the event (or its ledger item) names, at most {@link MAX_INSTANCES}. */
export const instanceIdsOf = (event: AlertableInput, rollout?: RolloutFact): string[] => {
  const idsIn = (text: string | undefined): string[] =>
    [...(text ?? '').matchAll(INSTANCE_ID)].map((m) => m[0]);
  if (isAlarm(event)) {
    return uniqueIds([
      ...(event.detail.configuration?.metrics ?? []).map((m) => m.metricStat?.metric.dimensions?.InstanceId),
      ...idsIn(event.detail.state.reason),
    ]);
  }
  const detail: { instanceId?: string; reason?: string; excerpt?: string } = event.detail;
  return uniqueIds([
    detail.instanceId,
    rollout?.canaryInstanceId,
    rollout?.managerInstanceId,
    ...(rollout?.commands ?? []).map((c) => c.instanceId),
    ...idsIn(detail.reason),
    ...idsIn(detail.excerpt),
  ]);
};

/** `3d 4h`, `5h 12m`, `25m`, `<1m`: the two largest units. */
export const formatAge = (ms: number): string => {
  if (ms < MINUTE_MS) return '<1m';
  const minutes = Math.floor(ms / MINUTE_MS);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return mins ? `${hours}h ${mins}m` : `${hours}h`;
  return `${mins}m`;
};

const clip = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;

const console = (region: string, service: string, fragment: string): string =>
  `https://${region}.console.aws.amazon.com/${service}/home?region=${region}#${fragment}`;

export const alarmConsoleUrl = (region: string, alarmName: string): string =>
  console(region, 'cloudwatch', `alarmsV2:alarm/${encodeURIComponent(alarmName)}`);

const fleetsOfGroups = (settings: AlertSettings, groups: readonly (string | undefined)[]): string[] => [
  ...new Set(
    groups.flatMap((g) => settings.fleets.filter((f) => f.autoScalingGroup === g).map((f) => f.name)),
  ),
];

const toInstances = (facts: readonly InstanceFact[], at: Date): AlertInstance[] =>
  facts.slice(0, MAX_INSTANCES).map((f) => ({
    instanceId: f.instanceId,
    state: f.state,
    ...(f.launchTime ? { age: formatAge(Math.max(0, at.getTime() - f.launchTime.getTime())) } : {}),
    ...(f.imageId ? { imageId: f.imageId } : {}),
    ...(f.launchTemplateVersion ? { launchTemplateVersion: f.launchTemplateVersion } : {}),
    ...(f.autoScalingGroup ? { autoScalingGroup: f.autoScalingGroup } : {}),
  }));

/** `Severity: warning` anywhere in an alarm's description sets its severity; ALARM is critical otherwise. */
const SEVERITY = /\bSeverity:\s*(critical|warning|info)\b/i;
const RUNBOOK = /\bRunbook:\s*([\s\S]+)$/i;

const describeMetrics = (event: AlarmStateChange): AlertField[] => {
  const config = event.detail.configuration;
  if (config?.alarmRule) {
    const fields: AlertField[] = [{ label: 'Rule', value: clip(config.alarmRule, 500), long: true }];
    const triggering = triggeringAlarms(event.detail.state.reasonData);
    if (triggering.length) fields.push({ label: 'Triggered by', value: triggering.join(', '), long: true });
    return fields;
  }
  const metrics = config?.metrics ?? [];
  const expressions = metrics.filter((m) => m.expression && m.returnData !== false);
  if (expressions.length) {
    return [
      {
        label: 'Expression',
        value: clip(expressions.map((m) => `${m.label ?? m.id ?? 'e'}: ${m.expression}`).join('; '), 500),
        long: true,
      },
    ];
  }
  const stat = metrics.find((m) => m.metricStat)?.metricStat;
  if (!stat) return [];
  const dims = Object.entries(stat.metric.dimensions ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const what = `${stat.metric.namespace ?? ''} ${stat.metric.name ?? ''}${dims ? ` (${dims})` : ''}`.trim();
  const how = [stat.stat, stat.period ? `${stat.period}s` : undefined].filter(Boolean).join(' / ');
  return [{ label: 'Metric', value: how ? `${what}, ${how}` : what }];
};

/** Names of the alarms that set a composite off, from its `reasonData` JSON; none if unreadable. */
const triggeringAlarms = (reasonData: string | undefined): string[] => {
  if (!reasonData) return [];
  try {
    const data = JSON.parse(reasonData) as { triggeringAlarms?: { arn?: unknown }[] };
    return (data.triggeringAlarms ?? [])
      .map((a) => (typeof a.arn === 'string' ? (a.arn.split(':alarm:')[1] ?? a.arn) : ''))
      .filter(Boolean);
  } catch {
    return [];
  }
};

/** The first sentence of a description, or the alarm's name without the stack prefix. */
const alarmTitle = (event: AlarmStateChange, settings: AlertSettings): string => {
  const description = event.detail.configuration?.description?.split(RUNBOOK)[0]?.trim() ?? '';
  const sentence = description
    .split(/(?<=[.!?])\s/)[0]
    ?.replace(/[.!?]$/, '')
    .trim();
  if (sentence) return clip(sentence, 120);
  const name = event.detail.alarmName;
  return name.startsWith(settings.alarmNamePrefix) ? name.slice(settings.alarmNamePrefix.length) : name;
};

const composeAlarm = (
  event: AlarmStateChange,
  decision: { status: 'firing' | 'resolved'; held: number },
  instances: readonly InstanceFact[],
  settings: AlertSettings,
): Alert => {
  const { detail } = event;
  const at = new Date(alarmTime(detail.state.timestamp));
  const description = detail.configuration?.description ?? '';
  const runbook = RUNBOOK.exec(description)?.[1]?.trim();
  const resolved = decision.status === 'resolved';
  const severity: Severity = resolved
    ? 'info'
    : ((SEVERITY.exec(description)?.[1]?.toLowerCase() as Severity | undefined) ?? 'critical');
  const dimensions = (detail.configuration?.metrics ?? []).flatMap((m) =>
    Object.entries(m.metricStat?.metric.dimensions ?? {}),
  );
  const fleets = [
    ...new Set([
      ...dimensions.filter(([k]) => k === 'fleet').map(([, v]) => v),
      ...fleetsOfGroups(settings, [
        ...dimensions.filter(([k]) => k === 'AutoScalingGroupName').map(([, v]) => v),
        ...instances.map((i) => i.autoScalingGroup),
      ]),
    ]),
  ];
  const fields: AlertField[] = [
    { label: 'Alarm', value: detail.alarmName },
    {
      label: 'State',
      value: `${detail.state.value}${detail.previousState ? ` (was ${detail.previousState.value})` : ''}`,
    },
    ...describeMetrics(event),
    ...(decision.held > 0
      ? [
          {
            label: 'Held back',
            value: `${decision.held} state change(s) since the last message (rate limit ${settings.rateLimitMinutes} min)`,
          },
        ]
      : []),
  ];
  return {
    status: decision.status,
    title: resolved ? `Resolved: ${alarmTitle(event, settings)}` : alarmTitle(event, settings),
    severity,
    deployment: settings.deployment,
    ...(fleets.length ? { fleet: fleets.join(', ') } : {}),
    summary: clip(detail.state.reason ?? `${detail.alarmName} is ${detail.state.value}`, 1500),
    whatToDo: resolved
      ? 'Nothing to do: the alarm is back to OK. If it keeps flapping, look at its threshold or the cause.'
      : clip(runbook ?? 'Open the alarm, read its reason and metric, and fix the cause.', 1500),
    link: { label: 'Open the alarm', url: alarmConsoleUrl(settings.region, detail.alarmName) },
    fields,
    instances: toInstances(instances, at),
    at: at.toISOString(),
  };
};

const groupUrl = (settings: AlertSettings, fleet: string): string | undefined => {
  const group = settings.fleets.find((f) => f.name === fleet)?.autoScalingGroup;
  return group
    ? console(settings.region, 'ec2', `AutoScalingGroupDetails:id=${encodeURIComponent(group)};view=details`)
    : undefined;
};

const ROLLOUT_OUTCOMES: Record<string, { verb: string; severity: Severity; whatToDo: string }> = {
  'rolled-back': {
    verb: 'was rolled back',
    severity: 'critical',
    whatToDo:
      'The fleet is back on its previous launch template version. Read the reason and excerpt, check the instances below, fix the image or the fleet, then bake again. `npm run ledger -- <fleet>` shows the rollout history.',
  },
  rejected: {
    verb: 'rejected its candidate',
    severity: 'warning',
    whatToDo:
      'The canary failed its checks: the candidate version is marked rejected and the fleet keeps its current version. Read the excerpt, fix the image (recipe, components) and bake again.',
  },
  refused: {
    verb: 'was refused',
    severity: 'warning',
    whatToDo:
      'The rollout did not start (see the reason: a window, a lease, a config mismatch). Nothing changed on the fleet; fix the cause or wait for the next window.',
  },
  failed: {
    verb: 'failed',
    severity: 'critical',
    whatToDo:
      'The rollout stopped part-way. Check the fleet and the instances below, read `npm run ledger -- <fleet>`, and request a rollback if the fleet is unhealthy.',
  },
};

const composeEvent = (
  event: FailureEvent,
  decision: { held: number },
  instances: readonly InstanceFact[],
  rollout: RolloutFact | undefined,
  settings: AlertSettings,
): Alert => {
  const at = new Date(event.time);
  const base = {
    status: 'firing' as const,
    deployment: settings.deployment,
    instances: toInstances(instances, at),
    at: at.toISOString(),
  };
  const runCommandUrl = `https://${settings.region}.console.aws.amazon.com/systems-manager/run-command/executed-commands?region=${settings.region}`;
  switch (event['detail-type']) {
    case DetailType.BakeFailed: {
      const d = event.detail;
      const fleets = settings.fleets.filter((f) => f.pipeline === d.pipeline).map((f) => f.name);
      const version = d.imageArn.split(':image/')[1];
      return {
        ...base,
        title: `Bake of pipeline ${d.pipeline} ${d.status === 'CANCELLED' ? 'was cancelled' : 'failed'}`,
        severity: 'warning',
        ...(fleets.length ? { fleet: fleets.join(', ') } : {}),
        summary: clip(d.reason || d.status, 1500),
        whatToDo:
          'Fleets keep their current image. Open the image in Image Builder, read the failed step (its log is in CloudWatch Logs under /aws/imagebuilder/), fix the recipe or component, then request a bake (`npm run bake -- <pipeline>`).',
        link: {
          label: 'Open the pipeline',
          url: console(settings.region, 'imagebuilder', `/pipelines/${encodeURIComponent(d.pipelineArn)}`),
        },
        fields: [
          { label: 'Pipeline', value: d.pipeline },
          { label: 'Image', value: version ?? d.imageArn },
          { label: 'Status', value: d.status },
          ...(decision.held > 0
            ? [
                {
                  label: 'Earlier failures',
                  value: `${decision.held} more failure(s) followed the last alert of this pipeline`,
                },
              ]
            : []),
        ],
      };
    }
    case DetailType.RolloutFailed: {
      const d = event.detail;
      const outcome = ROLLOUT_OUTCOMES[d.outcome] ?? ROLLOUT_OUTCOMES.failed!;
      const url = groupUrl(settings, d.fleet);
      return {
        ...base,
        title: `Rollout to fleet ${d.fleet} ${outcome.verb}`,
        severity: outcome.severity,
        fleet: d.fleet,
        summary: clip(d.reason, 1500),
        whatToDo: outcome.whatToDo.replace('<fleet>', d.fleet),
        link: url
          ? { label: 'Open the Auto Scaling group', url }
          : { label: 'Open Auto Scaling groups', url: console(settings.region, 'ec2', 'AutoScalingGroups:') },
        fields: [
          { label: 'Stage', value: d.stage },
          { label: 'Outcome', value: d.outcome },
          { label: 'Candidate', value: d.candidateId },
          ...(rollout?.candidateVersion !== undefined
            ? [
                {
                  label: 'LT version',
                  value: `${rollout.candidateVersion} (default was ${rollout.previousDefault ?? '?'})`,
                },
              ]
            : []),
          ...(rollout?.amiId ? [{ label: 'AMI', value: rollout.amiId }] : []),
          ...(d.excerpt ? [{ label: 'Excerpt', value: clip(d.excerpt, 1500), long: true }] : []),
        ],
      };
    }
    case DetailType.ConfigApplyFailed: {
      const d = event.detail;
      return {
        ...base,
        title: `Config apply to manager fleet ${d.fleet} failed (${d.stage})`,
        severity: d.stage === 'failed' ? 'critical' : 'warning',
        fleet: d.fleet,
        summary: clip(d.reason, 1500),
        whatToDo:
          d.stage === 'failed'
            ? 'The manager may run a partial config: check gitlab-runner on the instance below, fix config.toml (template or values) and deploy again, or request an apply.'
            : 'The manager keeps (or was restored to) its previous config.toml. Read the reason and excerpt, fix the template or values, and deploy again.',
        link: { label: 'Open Run Command history', url: runCommandUrl },
        fields: [
          { label: 'Stage', value: d.stage },
          { label: 'Apply', value: d.applyId },
          ...(d.excerpt ? [{ label: 'Excerpt', value: clip(d.excerpt, 1500), long: true }] : []),
        ],
      };
    }
    case DetailType.ConfigDriftDetected: {
      const d = event.detail;
      return {
        ...base,
        title: `config.toml of manager fleet ${d.fleet} differs from the published one`,
        severity: 'warning',
        fleet: d.fleet,
        summary: clip(d.changes, 1500),
        whatToDo:
          'Someone changed config.toml on the manager by hand, or an apply did not finish. Put the change into the fleet config and deploy, or request an apply (Config Apply Requested) to restore the published config.',
        link: {
          label: 'Open the instance',
          url: console(
            settings.region,
            'ec2',
            `InstanceDetails:instanceId=${encodeURIComponent(d.instanceId)}`,
          ),
        },
        fields: [
          { label: 'Instance', value: d.instanceId },
          { label: 'Check', value: d.applyId },
          ...(d.configHash ? [{ label: 'Published hash', value: d.configHash }] : []),
        ],
      };
    }
  }
};

/** The message for an event the decision sends: title, severity, fleet, instances, what to do, link. */
export const composeAlert = (
  event: AlertableInput,
  decision: { status: 'firing' | 'resolved'; held: number },
  facts: { instances: readonly InstanceFact[]; rollout?: RolloutFact },
  settings: AlertSettings,
): Alert =>
  isAlarm(event)
    ? composeAlarm(event, decision, facts.instances, settings)
    : composeEvent(event, decision, facts.instances, facts.rollout, settings);
