import {
  GetInstanceProfileCommand,
  IAMClient,
  paginateSimulatePrincipalPolicy,
  type PolicyEvaluationDecisionType,
} from '@aws-sdk/client-iam';

import { clientConfig } from '../../../functions/shared/aws/client-config';
import { memoClient } from '../../../functions/shared/aws/memo-client';

const client = /* @__PURE__ */ memoClient(() => new IAMClient(clientConfig));
export const resetDoctorIamClient = (): void => client.reset();

export interface RoleRef {
  readonly arn: string;
  readonly name: string;
  readonly path: string;
}

/**
 * An instance profile's roles (a profile holds at most one), or undefined when it does not exist
 * (GetInstanceProfile answers `NoSuchEntity`). Takes the profile's name: a launch template may name
 * its profile by ARN, whose last path segment is the name (IAM ARNs: `instance-profile/path/name`).
 */
export const getInstanceProfileRoles = async (name: string): Promise<RoleRef[] | undefined> => {
  try {
    const out = await client.get().send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    return (out.InstanceProfile?.Roles ?? []).map((r) => ({
      arn: r.Arn ?? '',
      name: r.RoleName ?? '',
      path: r.Path ?? '/',
    }));
  } catch (error) {
    if (error instanceof Error && error.name === 'NoSuchEntityException') return undefined;
    throw error;
  }
};

/** One request to simulate: these actions on one resource (`*` for actions without one), in this context. */
export interface Simulation {
  readonly actions: readonly string[];
  readonly resource: string;
  /** Condition keys a real request would carry (resource tags, `ec2:osuser`), as strings. */
  readonly context?: Readonly<Record<string, string>>;
}

/**
 * IAM's decision for each action, evaluating every policy of the role (identity policies, its
 * permissions boundary and the organization's SCPs; IAM API reference, SimulatePrincipalPolicy).
 * Resource-based policies are not simulated for roles, and none of ours needs one. All pages.
 */
export const simulateRole = async (
  roleArn: string,
  simulation: Simulation,
): Promise<Map<string, PolicyEvaluationDecisionType>> => {
  const decisions = new Map<string, PolicyEvaluationDecisionType>();
  for await (const page of paginateSimulatePrincipalPolicy(
    { client: client.get() },
    {
      PolicySourceArn: roleArn,
      ActionNames: [...simulation.actions],
      ...(simulation.resource === '*' ? {} : { ResourceArns: [simulation.resource] }),
      ...(simulation.context
        ? {
            ContextEntries: Object.entries(simulation.context).map(([key, value]) => ({
              ContextKeyName: key,
              ContextKeyType: 'string' as const,
              ContextKeyValues: [value],
            })),
          }
        : {}),
    },
  )) {
    for (const r of page.EvaluationResults ?? [])
      if (r.EvalActionName && r.EvalDecision) decisions.set(r.EvalActionName, r.EvalDecision);
  }
  return decisions;
};
