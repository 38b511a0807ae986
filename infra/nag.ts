import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges AwsSolutions-IAM5 for exactly these wildcard resources (not the whole rule), so a
 * new wildcard anywhere else still fails synth. The finding id is cdk-nag's own flattening.
 */
export const acknowledgeWildcardResources = (
  scope: IConstruct,
  resources: readonly string[],
  reason: string,
): void => {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(resource))}]`,
      reason,
    });
  }
};
