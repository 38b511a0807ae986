import type { Failures } from '../shared/failures';
import type { Lease } from '../shared/rollout/model';
import { parseValues, renderTemplate } from '../shared/runner-config/render';
import type { Activity } from './decide';
import {
  activityOf,
  activityQueries,
  activityWindow,
  answersByInstance,
  type InstanceReads,
  launchTemplateOf,
  type ReadPlan,
  resolveVersion,
  type Snapshot,
} from './facts';
import type { SweeperPorts } from './ports';
import type { SweeperFleet } from './settings';

/** The sweep's reads, through its ports, batched to the APIs' limits by the adapters. */

/** Commands of the job-check document read per sweep (newest first): a few per fleet and sweep. */
const MAX_COMMANDS_READ = 100;

const readSnapshot = async (fleet: SweeperFleet, ports: SweeperPorts): Promise<Snapshot> => {
  const [group, tagged, rollouts] = await Promise.all([
    ports.describeGroup(fleet.autoScalingGroup),
    ports.groupTaggedInstances(fleet.autoScalingGroup),
    ports.listFleetRollouts(fleet.name),
  ]);
  const { ref, version } = launchTemplateOf(fleet, group);
  const template = await ports.getLaunchTemplate(ref);
  return { fleet, group, currentVersion: resolveVersion(version, template), rollouts, tagged };
};

/**
 * One snapshot per fleet (group, template, tagged instances, all pages), in the order the reads
 * finish. A fleet that cannot be read is left out of this sweep and counted as failed.
 */
export const readSnapshots = async (
  fleets: readonly SweeperFleet[],
  ports: SweeperPorts,
  failures: Failures,
): Promise<Snapshot[]> => {
  const snapshots: Snapshot[] = [];
  await Promise.all(
    fleets.map(async (fleet) => {
      try {
        snapshots.push(await readSnapshot(fleet, ports));
      } catch (error) {
        failures.add(`fleet ${fleet.name}`, error);
      }
    }),
  );
  return snapshots;
};

/** The manager's config.toml as published, rendered with dummy secrets (only policies are read). */
const readManagerConfig = async (prefix: string, ports: SweeperPorts): Promise<string | undefined> => {
  const [template, values] = await Promise.all([
    ports.getParameterValue(`${prefix}/template`),
    ports.getParameterValue(`${prefix}/values`),
  ]);
  if (template === undefined || values === undefined) return undefined;
  return renderTemplate(template, parseValues(JSON.parse(values) as unknown, `${prefix}/values`)).text;
};

export interface ManagerReads {
  /** Per manager fleet whose lease was read: the lease it holds, if any. */
  readonly leases: ReadonlyMap<string, Lease | undefined>;
  /** Per manager fleet whose config was read: its rendered config.toml, if one is published. */
  readonly configs: ReadonlyMap<string, string | undefined>;
  /** Manager fleets that could not be read: left out of this sweep. */
  readonly failed: ReadonlySet<string>;
}

/** Each manager fleet's lease, then its published config, one fleet after the other. */
export const readManagers = async (
  snapshots: readonly Snapshot[],
  configPrefixes: Readonly<Record<string, string>>,
  ports: SweeperPorts,
  failures: Failures,
): Promise<ManagerReads> => {
  const leases = new Map<string, Lease | undefined>();
  const configs = new Map<string, string | undefined>();
  const failed = new Set<string>();
  for (const { fleet } of snapshots.filter((s) => s.fleet.role === 'manager')) {
    try {
      leases.set(fleet.name, await ports.getLease(fleet.name));
      const prefix = configPrefixes[fleet.name];
      configs.set(fleet.name, prefix ? await readManagerConfig(prefix, ports) : undefined);
    } catch (error) {
      failures.add(`manager ${fleet.name}`, error);
      failed.add(fleet.name);
    }
  }
  return { leases, configs, failed };
};

/** CPU and network of the planned instances: one GetMetricData window per idle window. */
const readActivity = async (
  plan: ReadPlan['activity'],
  at: Date,
  ports: SweeperPorts,
): Promise<Map<string, Activity>> => {
  const activity = new Map<string, Activity>();
  for (const [window, ids] of plan) {
    const series = await ports.getMetricData(ids.flatMap(activityQueries), activityWindow(window, at));
    for (const id of ids) {
      const a = activityOf(id, series);
      if (a) activity.set(id, a);
    }
  }
  return activity;
};

/** When each `Terminating:Wait` began, from the waiting groups' recent scaling activities. */
const readWaits = async (groups: readonly string[], ports: SweeperPorts): Promise<Map<string, Date>> => {
  const waits = new Map<string, Date>();
  for (const group of groups) {
    for (const [id, start] of await ports.activityStarts(group)) waits.set(id, start);
  }
  return waits;
};

/**
 * The account-wide reads of the plan: status checks, SSM pings, CPU and network, the job check's
 * recent answers and the start of lifecycle waits.
 */
export const readInstances = async (
  plan: ReadPlan,
  jobCheckDocument: string,
  at: Date,
  ports: SweeperPorts,
): Promise<InstanceReads> => {
  const [impaired, pings] = await Promise.all([ports.impairedInstances(), ports.instancePings(plan.running)]);
  const activity = await readActivity(plan.activity, at, ports);
  const outputs = await ports.recentCommandOutputs({
    documentName: jobCheckDocument,
    after: plan.answersAfter,
    maxCommands: MAX_COMMANDS_READ,
  });
  const waits = await readWaits(plan.waitingGroups, ports);
  return { impaired, pings, activity, answers: answersByInstance(outputs), waits };
};
