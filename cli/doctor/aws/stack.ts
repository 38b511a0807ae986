import {
  CloudFormationClient,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';

import { clientConfig } from '../../../functions/shared/aws/client-config';
import { memoClient } from '../../../functions/shared/aws/memo-client';

const client = /* @__PURE__ */ memoClient(() => new CloudFormationClient(clientConfig));
export const resetCloudFormationClient = (): void => client.reset();

/** The autopilot stack's name (infra/runner-autopilot.ts). */
export const autopilotStackName = (deployment: string): string => `${deployment}-autopilot`;

/**
 * CloudFormation answers DescribeStacks and DescribeStackResource for a stack that does not exist
 * with a `ValidationError` ("Stack with id X does not exist"), not an empty list (CloudFormation
 * API reference, DescribeStacks).
 */
const isMissingStack = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationError' && /does not exist/i.test(error.message);

/** A deployed stack's outputs by key, or undefined when the stack is not deployed. */
export const getStackOutputs = async (stackName: string): Promise<Record<string, string> | undefined> => {
  try {
    const out = await client.get().send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) return undefined;
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
};

/**
 * The physical id (a function's name, a table's name) of one resource of a deployed stack by its
 * logical id, or undefined when the stack or the resource does not exist.
 */
export const getStackResourceId = async (
  stackName: string,
  logicalId: string,
): Promise<string | undefined> => {
  try {
    const out = await client
      .get()
      .send(new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: logicalId }));
    return out.StackResourceDetail?.PhysicalResourceId;
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
};
