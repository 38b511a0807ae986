import {
  AutoScalingClient,
  paginateDescribeAutoScalingInstances,
  paginateDescribeScalingActivities,
} from '@aws-sdk/client-auto-scaling';
import { EC2Client, paginateDescribeInstanceStatus } from '@aws-sdk/client-ec2';
import {
  paginateDescribeInstanceInformation,
  paginateListCommandInvocations,
  paginateListCommands,
  SSMClient,
} from '@aws-sdk/client-ssm';

import { clientConfig } from '../shared/aws/client-config';
import { chunk } from '../shared/chunk';

/**
 * Reads the sweeper needs that the shared adapters (functions/shared/aws) do not offer yet:
 * status checks, SSM ping times, a document's recent commands with every instance's output,
 * group membership of loose instances and the start of lifecycle waits. Kept here, in the same
 * style (memoised clients, all pages, API limits batched), so the shared adapters stay untouched
 * by this change; they can move there later.
 */

let ec2Client: EC2Client | undefined;
let ssmClient: SSMClient | undefined;
let asgClient: AutoScalingClient | undefined;
const ec2 = (): EC2Client => (ec2Client ??= new EC2Client(clientConfig));
const ssm = (): SSMClient => (ssmClient ??= new SSMClient(clientConfig));
const autoScaling = (): AutoScalingClient => (asgClient ??= new AutoScalingClient(clientConfig));
export const resetSweeperClients = (): void => {
  ec2Client = undefined;
  ssmClient = undefined;
  asgClient = undefined;
};

/** DescribeInstanceStatus accepts MaxResults 5-1000 (without InstanceIds). */
const STATUS_PAGE = 1000;
/** DescribeInstanceInformation: an `InstanceIds` filter takes 1-100 values, MaxResults is 5-50. */
const INFORMATION_BATCH = 50;
/** DescribeAutoScalingInstances takes up to 50 ids per call. */
const ASG_INSTANCES_BATCH = 50;
/** DescribeScalingActivities returns at most 100 per page. */
const ACTIVITIES_PAGE = 100;
/** ListCommands: MaxResults 1-50. */
const COMMANDS_PAGE = 50;

/**
 * The running instances of the account whose instance or system status check is `impaired`, with
 * the earliest `ImpairedSince` EC2 reports. Two filtered listings (filters AND across names), all
 * pages: the number of calls follows the impaired instances, not the fleet.
 */
export const impairedInstances = async (): Promise<Map<string, { since?: Date }>> => {
  const found = new Map<string, { since?: Date }>();
  for (const filter of ['instance-status.status', 'system-status.status']) {
    for await (const page of paginateDescribeInstanceStatus(
      { client: ec2(), pageSize: STATUS_PAGE },
      { Filters: [{ Name: filter, Values: ['impaired'] }] },
    )) {
      for (const s of page.InstanceStatuses ?? []) {
        if (s.InstanceId === undefined) continue;
        const since = [...(s.InstanceStatus?.Details ?? []), ...(s.SystemStatus?.Details ?? [])]
          .map((d) => d.ImpairedSince)
          .filter((d): d is Date => d instanceof Date)
          .sort((a, b) => a.getTime() - b.getTime())[0];
        const before = found.get(s.InstanceId)?.since;
        const earliest = before && since ? (before < since ? before : since) : (before ?? since);
        found.set(s.InstanceId, earliest ? { since: earliest } : {});
      }
    }
  }
  return found;
};

/**
 * SSM's view of each instance among `instanceIds` that ever registered: online or not, and its
 * last ping. 50 ids per call (one page each). Absent ids never registered (or were deregistered).
 */
export const ssmPings = async (
  instanceIds: readonly string[],
): Promise<Map<string, { online: boolean; lastPingAt?: Date }>> => {
  const found = new Map<string, { online: boolean; lastPingAt?: Date }>();
  for (const batch of chunk([...new Set(instanceIds)], INFORMATION_BATCH)) {
    for await (const page of paginateDescribeInstanceInformation(
      { client: ssm(), pageSize: INFORMATION_BATCH },
      { Filters: [{ Key: 'InstanceIds', Values: batch }] },
    )) {
      for (const info of page.InstanceInformationList ?? []) {
        if (info.InstanceId === undefined) continue;
        found.set(info.InstanceId, {
          online: info.PingStatus === 'Online',
          ...(info.LastPingDateTime ? { lastPingAt: info.LastPingDateTime } : {}),
        });
      }
    }
  }
  return found;
};

export interface CommandOutput {
  readonly commandId: string;
  readonly instanceId: string;
  readonly status: string;
  readonly requestedAt: Date;
  /** The step's output as ListCommandInvocations returns it (its first 2,500 characters). */
  readonly output: string;
}

/**
 * Every invocation of the commands of `documentName` sent after `after` (newest commands first,
 * at most `maxCommands` of them), with each instance's status and output: ListCommands, then
 * ListCommandInvocations with `Details` per command. The calls follow the commands (one per sweep
 * and fleet), not the instances. Output is cut at 2,500 characters: the job check prints a few lines.
 */
export const recentCommandOutputs = async (input: {
  documentName: string;
  after: Date;
  maxCommands: number;
}): Promise<CommandOutput[]> => {
  const commands: { commandId: string; requestedAt: Date }[] = [];
  for await (const page of paginateListCommands(
    { client: ssm(), pageSize: COMMANDS_PAGE },
    {
      Filters: [
        { key: 'DocumentName', value: input.documentName },
        { key: 'InvokedAfter', value: input.after.toISOString().replace(/\.\d{3}Z$/, 'Z') },
      ],
    },
  )) {
    for (const c of page.Commands ?? []) {
      if (c.CommandId === undefined || c.RequestedDateTime === undefined) continue;
      commands.push({ commandId: c.CommandId, requestedAt: c.RequestedDateTime });
    }
    if (commands.length >= input.maxCommands) break;
  }
  const outputs: CommandOutput[] = [];
  for (const command of commands.slice(0, input.maxCommands)) {
    for await (const page of paginateListCommandInvocations(
      { client: ssm() },
      { CommandId: command.commandId, Details: true },
    )) {
      for (const inv of page.CommandInvocations ?? []) {
        if (inv.InstanceId === undefined) continue;
        outputs.push({
          commandId: command.commandId,
          instanceId: inv.InstanceId,
          status: inv.Status ?? 'unknown',
          requestedAt: command.requestedAt,
          output: (inv.CommandPlugins ?? []).map((p) => p.Output ?? '').join('\n'),
        });
      }
    }
  }
  return outputs;
};

/** Which of `instanceIds` some Auto Scaling group holds (DescribeAutoScalingInstances, 50 ids per call). */
export const instancesInAnyGroup = async (instanceIds: readonly string[]): Promise<Set<string>> => {
  const held = new Set<string>();
  for (const batch of chunk([...new Set(instanceIds)], ASG_INSTANCES_BATCH)) {
    for await (const page of paginateDescribeAutoScalingInstances(
      { client: autoScaling() },
      { InstanceIds: batch },
    )) {
      for (const i of page.AutoScalingInstances ?? []) if (i.InstanceId) held.add(i.InstanceId);
    }
  }
  return held;
};

/**
 * When the newest scaling activity of `group` that names each instance started: how long a
 * `Terminating:Wait` has lasted. Only the first page (the 100 newest activities) is read: a wait
 * older than those is reported as of unknown start.
 */
export const activityStarts = async (group: string): Promise<Map<string, Date>> => {
  const starts = new Map<string, Date>();
  for await (const page of paginateDescribeScalingActivities(
    { client: autoScaling(), pageSize: ACTIVITIES_PAGE },
    { AutoScalingGroupName: group },
  )) {
    for (const a of page.Activities ?? []) {
      const id = /\bi-[0-9a-f]{8,17}\b/.exec(a.Description ?? '')?.[0];
      if (id && a.StartTime && !starts.has(id)) starts.set(id, a.StartTime);
    }
    break;
  }
  return starts;
};
