import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

import { describeGroup, type Group } from '../shared/aws/autoscaling';
import { getMetricData, type MetricSeries, type MetricStatQuery } from '../shared/aws/cloudwatch-metrics';
import {
  AUTO_SCALING_GROUP_TAG,
  EXISTING_STATES,
  findInstancesByTag,
  getLaunchTemplate,
  type Instance,
  terminateInstances,
} from '../shared/aws/ec2';
import { getParameterValue, sendCommand } from '../shared/aws/ssm';
import { TransientError } from '../shared/errors';
import { getLease, listFleetRollouts } from '../shared/ledger';
import type { ImageRollout, Rollout } from '../shared/rollout/model';
import { makeHandler } from '../shared/make-handler';
import { makeMetrics } from '../shared/observability';
import { parseValues, renderTemplate } from '../shared/runner-config/render';
import { lazyConfigSlice } from '../shared/settings';
import {
  activityStarts,
  impairedInstances,
  instancesInAnyGroup,
  recentCommandOutputs,
  ssmPings,
} from './aws';
import {
  ACTIVITY_PERIOD_MINUTES,
  type Activity,
  classifyFleet,
  type FleetFacts,
  type FleetReport,
  idleWindowMinutes,
  type InstanceFacts,
  type ManagerState,
  managerState,
  needsActivity,
} from './decide';
import { answerOf, type JobAnswer } from './job-check';
import { activePolicy, autoscalerOf, type GroupAutoscaler } from './policy';
import { SweepInput } from './schema';
import { FleetSweeperSettings, type SweeperFleet } from './settings';
import { CANARY_TAG, FLEET_TAG } from '../shared/names';

const settings = lazyConfigSlice(FleetSweeperSettings);
export const resetSettings = settings.reset;

/** The tag our canaries carry (functions/shared/rollout/staging.ts), and the fleet they test. */
/** SendCommand's delivery timeout for a job check: an instance that cannot take it by then is unknown. */
const JOB_CHECK_DELIVERY_SECONDS = 60;
/** Commands of the job-check document read per sweep (newest first): a few per fleet and sweep. */
const MAX_COMMANDS_READ = 100;

interface Snapshot {
  readonly fleet: SweeperFleet;
  readonly group?: Group;
  readonly currentVersion?: string;
  /** The fleet's rollouts in the ledger (for the time its current version was promoted). */
  readonly rollouts: readonly Rollout[];
  /** EC2's view of every instance carrying the group tag (members and detached ones). */
  readonly tagged: readonly Instance[];
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The version the group launches now: its `$Default`/`$Latest` resolved, or its number. */
const readSnapshot = async (fleet: SweeperFleet, ledgerTable: string): Promise<Snapshot> => {
  const [group, tagged, rollouts] = await Promise.all([
    describeGroup(fleet.autoScalingGroup),
    findInstancesByTag({ [AUTO_SCALING_GROUP_TAG]: fleet.autoScalingGroup }, EXISTING_STATES),
    listFleetRollouts(ledgerTable, fleet.name),
  ]);
  const spec = group?.launchTemplate ?? group?.mixedInstancesLaunchTemplate;
  const template = await getLaunchTemplate(
    spec?.id ? { launchTemplateId: spec.id } : { launchTemplateName: spec?.name ?? fleet.launchTemplate },
  );
  const version = spec?.version ?? '$Default';
  const currentVersion = !template
    ? undefined
    : version === '$Default'
      ? String(template.defaultVersion)
      : version === '$Latest'
        ? String(template.latestVersion)
        : version;
  return {
    fleet,
    ...(group ? { group } : {}),
    ...(currentVersion ? { currentVersion } : {}),
    rollouts,
    tagged,
  };
};

/**
 * When the fleet's current version was promoted: the newest promotion of that version by a rollout
 * of this fleet or of the lead fleet it shares a launch template with (the ledger keeps a shared
 * candidate under the lead). `undefined` when promoted by hand: outdated ages then count from launch.
 */
const promotedAt = (snap: Snapshot, all: readonly Snapshot[]): Date | undefined => {
  const times = all
    .flatMap((s) => s.rollouts)
    .filter(
      (r): r is ImageRollout =>
        r.kind === 'rollout' &&
        (r.fleet === snap.fleet.name || r.fleets.includes(snap.fleet.name)) &&
        r.promotedAt !== undefined &&
        String(r.candidateVersion) === snap.currentVersion,
    )
    .map((r) => Date.parse(r.promotedAt ?? ''))
    .filter(Number.isFinite);
  return times.length ? new Date(Math.max(...times)) : undefined;
};

/** The manager's config.toml as published, rendered with dummy secrets (only policies are read). */
const readManagerConfig = async (prefix: string): Promise<string | undefined> => {
  const [template, values] = await Promise.all([
    getParameterValue(`${prefix}/template`),
    getParameterValue(`${prefix}/values`),
  ]);
  if (template === undefined || values === undefined) return undefined;
  return renderTemplate(template, parseValues(JSON.parse(values) as unknown, `${prefix}/values`)).text;
};

const activityQueries = (instanceId: string): MetricStatQuery[] =>
  (
    [
      ['cpu', 'CPUUtilization', 'Maximum'],
      ['in', 'NetworkIn', 'Sum'],
      ['out', 'NetworkOut', 'Sum'],
    ] as const
  ).map(([key, metricName, stat]) => ({
    key: `${instanceId}/${key}`,
    namespace: 'AWS/EC2',
    metricName,
    dimensions: { InstanceId: instanceId },
    stat,
    periodSeconds: ACTIVITY_PERIOD_MINUTES * 60,
  }));

const activityOf = (instanceId: string, series: Map<string, MetricSeries>): Activity | undefined => {
  const cpu = series.get(`${instanceId}/cpu`);
  if (!cpu || cpu.values.length === 0) return undefined;
  const traffic = new Map<number, number>();
  for (const key of ['in', 'out']) {
    const s = series.get(`${instanceId}/${key}`);
    s?.timestamps.forEach((t, n) =>
      traffic.set(t.getTime(), (traffic.get(t.getTime()) ?? 0) + (s.values[n] ?? 0)),
    );
  }
  return {
    cpuMaxPercent: Math.max(...cpu.values),
    networkMaxBytesPerMinute: Math.max(0, ...traffic.values()) / ACTIVITY_PERIOD_MINUTES,
    periods: cpu.values.length,
  };
};

/** One EMF blob per fleet: the fleet's own dimension set (service, fleet) and every count. */
const publishFleetMetrics = (report: FleetReport): void => {
  const metrics = makeMetrics('fleet-sweeper');
  metrics.setDefaultDimensions({ fleet: report.fleet });
  metrics.addMetric('IdleInstances', MetricUnit.Count, report.counts.idle);
  metrics.addMetric('StuckInstances', MetricUnit.Count, report.counts.stuck);
  metrics.addMetric('OrphanedInstances', MetricUnit.Count, report.counts.orphaned);
  metrics.addMetric('OutdatedInstances', MetricUnit.Count, report.outdatedTooLong);
  metrics.addMetric('UnknownInstances', MetricUnit.Count, report.counts.unknown);
  metrics.addMetric('FleetSize', MetricUnit.Count, report.fleetSize);
  metrics.addMetric('InstanceHours', MetricUnit.Count, report.instanceHours);
  metrics.addMetric('ManagerAbsent', MetricUnit.Count, report.managerAbsent ? 1 : 0);
  metrics.publishStoredMetrics();
};

const logReport = (logger: Logger, report: FleetReport): void => {
  logger.debug('fleet swept', {
    fleet: report.fleet,
    counts: report.counts,
    keptIdle: report.keptIdle,
    idleWindowMinutes: report.idleWindowMinutes,
    managerAbsent: report.managerAbsent,
    outdated: report.outdated,
    outdatedTooLong: report.outdatedTooLong,
    instances: report.instances.filter(
      (v) => !['active', 'busy', 'other'].includes(v.class) || v.outdatedHours,
    ),
  });
};

/**
 * Every few minutes: one snapshot per fleet (group, template, tagged instances, all pages), then
 * account-wide reads batched to their limits (status checks, SSM pings, CPU and network through
 * GetMetricData, the job check's recent answers), the pure classification, the job checks to send
 * (asynchronous: the next sweep reads the answers), the optional termination of idle orphans, and
 * one EMF blob of counts per fleet. A fleet that cannot be read is skipped and the run fails at the
 * end, so its failure queue and alarm see it; the others are still published.
 */
export const handler = makeHandler({
  name: 'fleet-sweeper',
  schema: SweepInput,
  correlationIdPath: 'scheduledTime',
  run: async (input, { logger, now }) => {
    const cfg = settings.get();
    const at = now();
    logger.appendKeys({ scheduledTime: input.scheduledTime });
    const failed: string[] = [];
    const errors: unknown[] = [];
    const fail = (what: string, error: unknown): void => {
      logger.error('sweep step failed', { error, step: what });
      failed.push(`${what}: ${messageOf(error)}`);
      errors.push(error);
    };

    // 1. One snapshot per fleet; a fleet that cannot be read is left out of this sweep.
    const snapshots = new Map<string, Snapshot>();
    await Promise.all(
      cfg.fleets.map(async (fleet) => {
        try {
          snapshots.set(fleet.name, await readSnapshot(fleet, cfg.ledgerTable));
        } catch (error) {
          fail(`fleet ${fleet.name}`, error);
        }
      }),
    );
    const canaries = await findInstancesByTag({ [CANARY_TAG]: 'true' }, EXISTING_STATES);

    // 2. Managers: present or draining, and the autoscaler each jobs group runs under.
    const managers = new Map<string, ManagerState>();
    const configs = new Map<string, string | undefined>();
    for (const fleet of cfg.fleets.filter((f) => f.role === 'manager')) {
      const snap = snapshots.get(fleet.name);
      if (!snap) continue;
      try {
        const lease = await getLease(cfg.ledgerTable, fleet.name);
        const members = new Map(snap.tagged.map((i) => [i.instanceId, i.state]));
        managers.set(
          fleet.name,
          managerState({
            configured: true,
            groupFound: snap.group !== undefined,
            members: (snap.group?.instances ?? []).map((m) => ({
              state: members.get(m.instanceId) ?? 'unknown',
              lifecycleState: m.lifecycleState,
            })),
            ...(lease ? { lease } : {}),
            now: at,
          }),
        );
        const prefix = cfg.configPrefixes[fleet.name];
        configs.set(fleet.name, prefix ? await readManagerConfig(prefix) : undefined);
      } catch (error) {
        fail(`manager ${fleet.name}`, error);
        snapshots.delete(fleet.name);
      }
    }
    const autoscalers = new Map<string, GroupAutoscaler | undefined>();
    for (const fleet of cfg.fleets.filter((f) => f.role === 'jobs' && snapshots.has(f.name))) {
      const text = fleet.manager ? configs.get(fleet.manager) : undefined;
      if (text === undefined) continue;
      try {
        autoscalers.set(fleet.name, autoscalerOf(text, fleet.autoScalingGroup));
      } catch (error) {
        logger.warn('manager config.toml does not parse: idle capacity kept by its policy is unknown', {
          fleet: fleet.name,
          error,
        });
      }
    }

    // 3. The instances of each fleet: group members, loose group-tagged ones, its canaries.
    const fleetInstances = new Map<string, { ec2: Instance; member?: Group['instances'][number] }[]>();
    const known = new Set<string>();
    for (const snap of snapshots.values()) {
      const members = new Map((snap.group?.instances ?? []).map((m) => [m.instanceId, m]));
      const own = [
        ...snap.tagged,
        ...canaries.filter(
          (c) =>
            c.tags[FLEET_TAG] === snap.fleet.name && !snap.tagged.some((t) => t.instanceId === c.instanceId),
        ),
      ]
        .filter((i) => !known.has(i.instanceId))
        .map((ec2) => ({
          ec2,
          ...(members.has(ec2.instanceId) ? { member: members.get(ec2.instanceId) } : {}),
        }));
      own.forEach((i) => known.add(i.ec2.instanceId));
      fleetInstances.set(snap.fleet.name, own);
    }

    // 4. Account-wide reads, batched: status checks, SSM, CPU/network, job-check answers.
    const windows = new Map(
      [...snapshots.values()].map((s) => {
        const policy = autoscalers.get(s.fleet.name);
        return [
          s.fleet.name,
          idleWindowMinutes(s.fleet, policy ? activePolicy(policy.policies, at) : undefined),
        ];
      }),
    );
    const running = [...fleetInstances.values()].flat().filter((i) => i.ec2.state === 'running');
    const [impaired, pings] = await Promise.all([
      impairedInstances(),
      ssmPings(running.map((i) => i.ec2.instanceId)),
    ]);
    const activity = new Map<string, Activity>();
    const byWindow = new Map<number, string[]>();
    for (const snap of snapshots.values()) {
      const window = windows.get(snap.fleet.name)!;
      for (const { ec2, member } of fleetInstances.get(snap.fleet.name) ?? []) {
        const facts = {
          instanceId: ec2.instanceId,
          state: ec2.state,
          ...(ec2.launchTime ? { launchTime: ec2.launchTime } : {}),
          inGroup: member !== undefined,
          ...(member ? { lifecycleState: member.lifecycleState } : {}),
          canary: false,
          answers: [],
        } satisfies InstanceFacts;
        if (needsActivity(snap.fleet, facts, at, window))
          byWindow.set(window, [...(byWindow.get(window) ?? []), ec2.instanceId]);
      }
    }
    for (const [window, ids] of byWindow) {
      const end = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
      const series = await getMetricData(ids.flatMap(activityQueries), {
        start: new Date(end.getTime() - window * 60_000),
        end,
      });
      for (const id of ids) {
        const a = activityOf(id, series);
        if (a) activity.set(id, a);
      }
    }
    const longest = Math.max(0, ...windows.values());
    const answers = new Map<string, JobAnswer[]>();
    for (const out of await recentCommandOutputs({
      documentName: cfg.jobCheckDocument,
      after: new Date(at.getTime() - longest * 60_000),
      maxCommands: MAX_COMMANDS_READ,
    })) {
      answers.set(out.instanceId, [...(answers.get(out.instanceId) ?? []), answerOf(out)]);
    }
    const waits = new Map<string, Date>();
    for (const snap of snapshots.values()) {
      if (!(snap.group?.instances ?? []).some((m) => m.lifecycleState === 'Terminating:Wait')) continue;
      for (const [id, start] of await activityStarts(snap.fleet.autoScalingGroup)) waits.set(id, start);
    }

    // 5. Decide per fleet.
    const reports: FleetReport[] = [];
    for (const snap of snapshots.values()) {
      const { fleet } = snap;
      const group = autoscalers.get(fleet.name);
      const manager =
        fleet.role === 'manager'
          ? (managers.get(fleet.name) ?? { absent: true, reason: 'manager state unknown' })
          : (managers.get(fleet.manager ?? '') ??
            managerState({ configured: false, groupFound: false, members: [], now: at }));
      const currentSince = promotedAt(snap, [...snapshots.values()]);
      const facts: FleetFacts = {
        fleet,
        groupFound: snap.group !== undefined,
        ...(snap.currentVersion ? { currentVersion: snap.currentVersion } : {}),
        ...(currentSince ? { currentSince } : {}),
        manager,
        ...(group
          ? {
              autoscaler: {
                capacityPerInstance: group.capacityPerInstance,
                ...(activePolicy(group.policies, at) ? { policy: activePolicy(group.policies, at) } : {}),
              },
            }
          : {}),
        instances: (fleetInstances.get(fleet.name) ?? []).map(({ ec2, member }) => ({
          instanceId: ec2.instanceId,
          state: ec2.state,
          ...(ec2.launchTime ? { launchTime: ec2.launchTime } : {}),
          inGroup: member !== undefined,
          ...(member
            ? {
                lifecycleState: member.lifecycleState,
                ...(member.launchTemplateVersion
                  ? { launchTemplateVersion: member.launchTemplateVersion }
                  : {}),
              }
            : {}),
          ...(waits.has(ec2.instanceId) ? { waitSince: waits.get(ec2.instanceId) } : {}),
          canary: ec2.tags[CANARY_TAG] === 'true',
          ...(impaired.has(ec2.instanceId) ? { impaired: impaired.get(ec2.instanceId) } : {}),
          ...(pings.has(ec2.instanceId) ? { ssm: pings.get(ec2.instanceId) } : {}),
          ...(activity.has(ec2.instanceId) ? { activity: activity.get(ec2.instanceId) } : {}),
          answers: answers.get(ec2.instanceId) ?? [],
        })),
      };
      reports.push(classifyFleet(facts, at, cfg.sweepEveryMinutes));
    }

    // 6. Apply: ask, terminate (only idle orphans no group holds), publish.
    let jobChecksSent = 0;
    const terminated: string[] = [];
    for (const report of reports) {
      const fleet = snapshots.get(report.fleet)!.fleet;
      try {
        if (report.jobChecks.length > 0) {
          await sendCommand({
            documentName: cfg.jobCheckDocument,
            instanceIds: [...report.jobChecks],
            parameters: { ConnectorUser: [fleet.connectorUser ?? ''], Fleet: [fleet.name] },
            timeoutSeconds: JOB_CHECK_DELIVERY_SECONDS,
            comment: `fleet-sweeper ${fleet.name} ${input.scheduledTime}`.slice(0, 100),
          });
          jobChecksSent += report.jobChecks.length;
        }
        if (report.terminate.length > 0) {
          const held = await instancesInAnyGroup(report.terminate);
          const going = report.terminate.filter((id) => !held.has(id));
          if (held.size > 0)
            logger.warn('orphans found in a group after all: left alone', {
              fleet: fleet.name,
              held: [...held],
            });
          if (going.length > 0) {
            await terminateInstances(going);
            terminated.push(...going);
            logger.info('terminated idle orphans', { fleet: fleet.name, instanceIds: going });
          }
        }
      } catch (error) {
        fail(`apply for fleet ${fleet.name}`, error);
      }
      logReport(logger, report);
      publishFleetMetrics(report);
    }

    const total = (pick: (r: FleetReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    if (failed.length > 0) {
      throw new TransientError(
        `fleet sweep failed (${failed.length}): ${failed.slice(0, 10).join('; ')}; swept ${reports.length} of ${cfg.fleets.length} fleets`,
        { cause: new AggregateError(errors) },
      );
    }
    return {
      outcome: 'swept',
      fleetCount: reports.length,
      instanceCount: total((r) => r.total),
      idle: total((r) => r.counts.idle),
      stuck: total((r) => r.counts.stuck),
      orphaned: total((r) => r.counts.orphaned),
      unknown: total((r) => r.counts.unknown),
      outdatedTooLong: total((r) => r.outdatedTooLong),
      managersAbsent: reports.filter((r) => r.managerAbsent).map((r) => r.fleet),
      jobChecksSent,
      terminated,
    };
  },
});
