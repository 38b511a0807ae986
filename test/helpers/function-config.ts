import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { expandDeployTimeValues } from '../../functions/shared/settings';
import type { AutopilotFunction } from '../../infra/autopilot-function';
import { PSEUDO_PARAMETERS, resolveIntrinsics } from '../../infra/intrinsics';

/**
 * The config slice a deployed function reads: its config file (as synthesized) with the
 * deploy-time references expanded from its environment, as the template gives it once `refs`
 * (logical id, or `id.Attribute`, -> value) resolve the intrinsics.
 */
export const deployedSlice = (fn: AutopilotFunction, refs: Record<string, string> = {}): unknown => {
  const stack = Stack.of(fn);
  const id = stack.getLogicalId(fn.function.node.defaultChild as never);
  const resource = Template.fromStack(stack).toJSON().Resources[id] as {
    Properties: { Environment?: { Variables?: Record<string, unknown> } };
  };
  const env = resolveIntrinsics(resource.Properties.Environment?.Variables ?? {}, refs) as Record<
    string,
    string
  >;
  return expandDeployTimeValues(fn.config.document, { AWS_REGION: PSEUDO_PARAMETERS['AWS::Region'], ...env });
};

/** An autopilot stack's function by its service (folder) name. */
export const functionNamed = (
  stack: { readonly functions: readonly AutopilotFunction[] },
  name: string,
): AutopilotFunction => {
  const fn = stack.functions.find((f) => f.serviceName === name);
  if (!fn) throw new Error(`no function ${name} in the stack`);
  return fn;
};
