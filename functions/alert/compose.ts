import { DetailType } from '../shared/events';
import type { AlarmMemory, CurrentAlarmState } from './decide';
import { type AlarmStateChange, alarmTime, type AlertableInput, type FailureEvent, isAlarm } from './schema';
import type { AlertSettings } from './settings';

/**
 * What a message says, pure: from the event the decision sends (or the alarm state a re-check
 * reports) and the facts the run fetched, the {@link Alert} with its title, severity, fleet,
 * fields, instances, what to do and link. Whether to send is `decide.ts`'s; the rendering per
 * channel is `format.ts`'s.
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

/** Instances looked up per alert: enough to act on, few enough to stay one fast call. */
export const MAX_INSTANCES = 10;

const MINUTE_MS = 60_000;
const INSTANCE_ID = /\bi-[0-9a-f]{8}(?:[0-9a-f]{9})?\b/g;

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
      'The fleet is back on its previous launch template version. Read the reason and excerpt, check the instances below, fix the image or the fleet, then bake again. `runner-autopilot ledger <fleet> -c <config>` shows the rollout history.',
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
  held: {
    verb: 'is held by the emergency brake',
    severity: 'warning',
    whatToDo:
      'Nothing changed on the fleet: an operator froze it (`runner-autopilot freeze`). The rollout goes on within 15 minutes of the brake ending or `runner-autopilot unfreeze <fleet|all>`; rollbacks still run.',
  },
  failed: {
    verb: 'failed',
    severity: 'critical',
    whatToDo:
      'The rollout stopped part-way. Check the fleet and the instances below, read `runner-autopilot ledger <fleet> -c <config>`, and request a rollback if the fleet is unhealthy.',
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
          'Fleets keep their current image. Open the image in Image Builder, read the failed step (its log is in CloudWatch Logs under /aws/imagebuilder/), fix the recipe or component, then request a bake (`runner-autopilot bake <pipeline> -c <config>`).',
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
        title:
          d.stage === 'held'
            ? `Config apply to manager fleet ${d.fleet} is held by the emergency brake`
            : `Config apply to manager fleet ${d.fleet} failed (${d.stage})`,
        severity: d.stage === 'failed' ? 'critical' : 'warning',
        fleet: d.fleet,
        summary: clip(d.reason, 1500),
        whatToDo:
          d.stage === 'held'
            ? 'Nothing was sent: an operator froze the fleet (`runner-autopilot freeze`). The apply is sent within minutes of the brake ending or `runner-autopilot unfreeze <fleet|all>`.'
            : d.stage === 'failed'
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
