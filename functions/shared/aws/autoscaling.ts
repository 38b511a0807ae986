import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeWarmPoolCommand,
  type LaunchTemplateSpecification,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';

import { clientConfig } from './client-config';

let client: AutoScalingClient | undefined;
const autoScaling = (): AutoScalingClient => (client ??= new AutoScalingClient(clientConfig));
export const resetAutoScalingClient = (): void => {
  client = undefined;
};

export type GroupLaunchTemplate = { id?: string; name?: string; version?: string };

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
  instances: {
    instanceId: string;
    lifecycleState: string;
    healthStatus: string;
    /** The template version the instance was launched from (a number, even for `$Default`). */
    launchTemplateVersion?: string;
    protectedFromScaleIn: boolean;
  }[];
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
 * Terminates one instance of a group **without** decrementing its desired capacity, so the group
 * launches a replacement from its current template version (scale-in protection does not stop
 * this call). An instance not in any group throws `ValidationError`; a group busy scaling throws
 * `ScalingActivityInProgressFault`/`ResourceContentionFault` (transient). Never use it on a job group: the
 * runner's autoscaler owns those instances and would lose the job running there.
 */
export const terminateInGroup = async (instanceId: string): Promise<{ activityId?: string }> => {
  const out = await autoScaling().send(
    new TerminateInstanceInAutoScalingGroupCommand({
      InstanceId: instanceId,
      ShouldDecrementDesiredCapacity: false,
    }),
  );
  return { activityId: out.Activity?.ActivityId };
};

/**
 * Suspends scaling processes of a group (SuspendProcesses). Suspending an already suspended
 * process succeeds, so a retry is harmless.
 */
export const suspendProcesses = async (group: string, processes: string[]): Promise<void> => {
  await autoScaling().send(
    new SuspendProcessesCommand({ AutoScalingGroupName: group, ScalingProcesses: processes }),
  );
};

/** Resumes suspended processes of a group (ResumeProcesses); resuming a running process succeeds. */
export const resumeProcesses = async (group: string, processes: string[]): Promise<void> => {
  await autoScaling().send(
    new ResumeProcessesCommand({ AutoScalingGroupName: group, ScalingProcesses: processes }),
  );
};
