import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeWarmPoolCommand,
  type InstanceMaintenancePolicy,
  type LaunchTemplateSpecification,
  paginateDescribeAutoScalingInstances,
  paginateDescribeScalingActivities,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';

import { clientConfig } from './client-config';
import { memoClient } from './memo-client';
import { chunk } from '../chunk';

const client = /* @__PURE__ */ memoClient(() => new AutoScalingClient(clientConfig));
const autoScaling = (): AutoScalingClient => client.get();
export const resetAutoScalingClient = (): void => client.reset();

export type GroupLaunchTemplate = { id?: string; name?: string; version?: string };

/**
 * A group's instance maintenance policy, as percentages of its desired capacity that must stay
 * healthy (min, 0-100) and may be in service or pending (max, 100-200) while instances are
 * replaced (Auto Scaling API reference, InstanceMaintenancePolicy). AWS sets both or neither.
 */
export type MaintenancePolicy = { minHealthyPercentage: number; maxHealthyPercentage: number };

/**
 * The processes SuspendProcesses and ResumeProcesses take (Auto Scaling API reference,
 * ScalingProcessQuery). Typed so a misspelt name fails at compile time, not in AWS.
 */
export const SCALING_PROCESSES = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
] as const;
export type ScalingProcess = (typeof SCALING_PROCESSES)[number];

export type Group = {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /** The group's own `LaunchTemplate`. */
  launchTemplate?: GroupLaunchTemplate;
  /**
   * `MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification`, the template of a
   * mixed-instances group. Per-instance-type overrides (`Overrides[].LaunchTemplateSpecification`)
   * are not reported.
   */
  mixedInstancesLaunchTemplate?: GroupLaunchTemplate;
  suspendedProcesses: string[];
  /**
   * Absent when the group has none: it then replaces an unhealthy instance by terminating it
   * first and launching while it terminates (Auto Scaling user guide, "View the reason for health
   * check failures"). A cleared policy (-1, -1) counts as none.
   */
  instanceMaintenancePolicy?: MaintenancePolicy;
  instances: {
    instanceId: string;
    lifecycleState: string;
    healthStatus: string;
    /** The template version the instance was launched from (a number, even for `$Default`). */
    launchTemplateVersion?: string;
    protectedFromScaleIn: boolean;
  }[];
};

/** A policy AWS reports with a cleared value (-1) or a missing half is no policy. */
const toPolicy = (p: InstanceMaintenancePolicy | undefined): MaintenancePolicy | undefined => {
  const min = p?.MinHealthyPercentage;
  const max = p?.MaxHealthyPercentage;
  return min === undefined || max === undefined || min < 0 || max < 0
    ? undefined
    : { minHealthyPercentage: min, maxHealthyPercentage: max };
};

const toTemplate = (spec: LaunchTemplateSpecification | undefined): GroupLaunchTemplate | undefined =>
  spec === undefined
    ? undefined
    : { id: spec.LaunchTemplateId, name: spec.LaunchTemplateName, version: spec.Version };

/**
 * One group with its instances, or `undefined` when no group has that name (DescribeAutoScalingGroups
 * answers an unknown name with an empty list, not an error). A group's instances come inline in
 * the group, so one call is complete. The template is either the group's own `LaunchTemplate` or,
 * for a mixed-instances group, the policy's; the caller checks the version (`$Default`,
 * `$Latest` or a number).
 */
export const describeGroup = async (name: string): Promise<Group | undefined> => {
  const out = await autoScaling().send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  const g = out.AutoScalingGroups?.find((group) => group.AutoScalingGroupName === name);
  if (g === undefined) return undefined;
  return {
    name,
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    desiredCapacity: g.DesiredCapacity ?? 0,
    launchTemplate: toTemplate(g.LaunchTemplate),
    mixedInstancesLaunchTemplate: toTemplate(
      g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification,
    ),
    suspendedProcesses: (g.SuspendedProcesses ?? []).flatMap((p) =>
      p.ProcessName === undefined ? [] : [p.ProcessName],
    ),
    instanceMaintenancePolicy: toPolicy(g.InstanceMaintenancePolicy),
    instances: (g.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? '',
      lifecycleState: i.LifecycleState ?? 'unknown',
      healthStatus: i.HealthStatus ?? 'unknown',
      launchTemplateVersion: i.LaunchTemplate?.Version,
      protectedFromScaleIn: i.ProtectedFromScaleIn ?? false,
    })),
  };
};

/**
 * Whether the group has a warm pool: DescribeWarmPool answers a group without one with no
 * `WarmPoolConfiguration`. Only the first page is read (at most one instance asked for): the
 * configuration is in every page, the instance list is not needed. An unknown group throws.
 */
export const describeWarmPool = async (name: string): Promise<{ configured: boolean }> => {
  const out = await autoScaling().send(
    new DescribeWarmPoolCommand({ AutoScalingGroupName: name, MaxRecords: 1 }),
  );
  return { configured: out.WarmPoolConfiguration !== undefined };
};

/**
 * SuspendProcesses and ResumeProcesses act on every process when `ScalingProcesses` is left out
 * (Auto Scaling API reference): an empty list must never reach AWS, or "resume nothing" would
 * resume what someone else suspended.
 */
const processQuery = (group: string, processes: readonly ScalingProcess[]) => {
  if (processes.length === 0)
    throw new RangeError(`no process named for group ${group}: AWS would act on every process`);
  return { AutoScalingGroupName: group, ScalingProcesses: [...processes] };
};

/**
 * Suspends the named processes of a group. Idempotent: the group holds a set of suspended
 * processes, and the API reference documents no error for one already suspended (the contract
 * suite repeats the call). Throws `ResourceInUseFault`/`ResourceContentionFault` (transient)
 * while the group is busy.
 */
export const suspendProcesses = async (
  group: string,
  processes: readonly ScalingProcess[],
): Promise<void> => {
  await autoScaling().send(new SuspendProcessesCommand(processQuery(group, processes)));
};

/**
 * Resumes the named processes of a group, and only those. Idempotent like
 * {@link suspendProcesses}: resuming a process that is not suspended succeeds. Resume only what
 * you suspended: the group may carry suspensions of its
 * owners (AZRebalance on a runner group) or administrative ones.
 */
export const resumeProcesses = async (group: string, processes: readonly ScalingProcess[]): Promise<void> => {
  await autoScaling().send(new ResumeProcessesCommand(processQuery(group, processes)));
};

/**
 * AWS's answer to TerminateInstanceInAutoScalingGroup for an instance no group manages: one that
 * was terminated and has left its group, but also one detached or never in a group (AWS tells
 * them apart no further). Seen as `ValidationError: Instance Id not found - No managed instance
 * found for instance ID: i-...` (yaybu/touchdown#51); any other ValidationError stays an error.
 */
const NOT_MANAGED = /No managed instance found for instance ID/i;

const isNotManaged = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationError' && NOT_MANAGED.test(error.message);

/**
 * Terminates one instance of a group **without** decrementing its desired capacity, so the group
 * launches a replacement from its current template version (scale-in protection does not stop
 * this call). A group busy scaling throws `ScalingActivityInProgressFault`/`ResourceContentionFault`
 * (transient). Never use it on a job group: the runner's autoscaler owns those instances and
 * would lose the job running there.
 *
 * Safe to repeat after a crash: an instance no group manages any more (terminated by an earlier
 * call, or gone otherwise) answers `{ alreadyGone: true }` instead of throwing. That answer does
 * not prove the instance is terminated (a detached instance gets it too): a caller that must know
 * asks EC2. An instance still in its group while it terminates (a `Terminating*` lifecycle state)
 * has no distinct answer documented; read it from {@link describeGroup} beforehand if it matters.
 */
export const terminateInGroup = async (
  instanceId: string,
): Promise<{ activityId?: string; alreadyGone?: boolean }> => {
  try {
    const out = await autoScaling().send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: instanceId,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    return { activityId: out.Activity?.ActivityId };
  } catch (error) {
    if (isNotManaged(error)) return { alreadyGone: true };
    throw error;
  }
};

/** DescribeAutoScalingInstances takes up to 50 ids per call. */
const GROUP_INSTANCES_BATCH = 50;
/** DescribeScalingActivities returns at most 100 per page. */
const ACTIVITIES_PAGE = 100;

/** Which of `instanceIds` some Auto Scaling group holds (DescribeAutoScalingInstances, 50 ids per call). */
export const instancesInAnyGroup = async (instanceIds: readonly string[]): Promise<Set<string>> => {
  const held = new Set<string>();
  for (const batch of chunk([...new Set(instanceIds)], GROUP_INSTANCES_BATCH)) {
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
