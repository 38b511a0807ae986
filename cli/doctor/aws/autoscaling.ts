import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  paginateDescribePolicies,
  paginateDescribeScheduledActions,
  type TagDescription,
} from '@aws-sdk/client-auto-scaling';

import { clientConfig } from '../../../functions/shared/aws/client-config';
import { memoClient } from '../../../functions/shared/aws/memo-client';

/**
 * What doctor reads of a group beyond the rollout's own `describeGroup`: what the fleeting plugin's
 * documentation asks of a job group, and what a role simulation needs (the group's ARN and tags).
 */

const client = /* @__PURE__ */ memoClient(() => new AutoScalingClient(clientConfig));
export const resetDoctorAutoScalingClient = (): void => client.reset();

export interface GroupSettings {
  readonly arn: string;
  readonly availabilityZones: readonly string[];
  /** `NewInstancesProtectedFromScaleIn`: instances launched from now on start protected. */
  readonly newInstancesProtected: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /** The tags it puts on the instances it launches (`PropagateAtLaunch`). */
  readonly propagatedTags: Readonly<Record<string, string>>;
}

/** A scheduled action, with the sizes it sets (absent: left as they are). */
export interface ScheduledAction {
  readonly name: string;
  readonly desiredCapacity?: number;
  readonly minSize?: number;
  readonly maxSize?: number;
}

const tagsOf = (tags: readonly TagDescription[]): Record<string, string> =>
  Object.fromEntries(tags.flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']])));

/** A group's settings, or undefined when no group has that name (AWS answers an empty list). */
export const describeGroupSettings = async (name: string): Promise<GroupSettings | undefined> => {
  const out = await client
    .get()
    .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  const g = out.AutoScalingGroups?.find((group) => group.AutoScalingGroupName === name);
  if (!g) return undefined;
  return {
    arn: g.AutoScalingGroupARN ?? '',
    availabilityZones: g.AvailabilityZones ?? [],
    newInstancesProtected: g.NewInstancesProtectedFromScaleIn ?? false,
    tags: tagsOf(g.Tags ?? []),
    propagatedTags: tagsOf((g.Tags ?? []).filter((t) => t.PropagateAtLaunch)),
  };
};

/** The names of a group's scaling policies (DescribePolicies, all pages). */
export const listScalingPolicies = async (group: string): Promise<string[]> => {
  const names: string[] = [];
  for await (const page of paginateDescribePolicies(
    { client: client.get() },
    { AutoScalingGroupName: group },
  )) {
    for (const p of page.ScalingPolicies ?? []) names.push(p.PolicyName ?? '(unnamed)');
  }
  return names;
};

/** A group's scheduled actions (DescribeScheduledActions, all pages). */
export const listScheduledActions = async (group: string): Promise<ScheduledAction[]> => {
  const actions: ScheduledAction[] = [];
  for await (const page of paginateDescribeScheduledActions(
    { client: client.get() },
    { AutoScalingGroupName: group },
  )) {
    for (const a of page.ScheduledUpdateGroupActions ?? [])
      actions.push({
        name: a.ScheduledActionName ?? '(unnamed)',
        ...(a.DesiredCapacity === undefined ? {} : { desiredCapacity: a.DesiredCapacity }),
        ...(a.MinSize === undefined ? {} : { minSize: a.MinSize }),
        ...(a.MaxSize === undefined ? {} : { maxSize: a.MaxSize }),
      });
  }
  return actions;
};
