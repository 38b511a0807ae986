import { type Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

import type { SuiteConfig } from '../../functions/shared/config';
import { CANARY_TAG, DEPLOYMENT_TAG } from '../../functions/shared/names';

/** A configured instance role (an ARN, or a name at path `/`) as an ARN. */
export const instanceRoleArn = (stack: Stack, role: string): string =>
  role.startsWith('arn:')
    ? role
    : stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: role });

/**
 * What a canary launch (functions/shared/aws/ec2.ts `runInstance`) needs: RunInstances forced
 * through our launch templates, the tags it sets at launch, and the instance profile's role.
 *
 * RunInstances is authorized on each resource it touches (template, image, instance, volumes,
 * network interface, subnet, security groups, key pair), so every statement carries
 * `ec2:LaunchTemplate` (ArnLike, templates of this account and region): a request without a
 * template then matches none of them. Which template is decided on the template resource itself,
 * by the deployment tag. The EC2 user guide's launch-template policy examples add
 * `ec2:IsLaunchTemplateResource: true`, which holds only for a resource the template itself names:
 * a request that overrides it (another subnet, other security groups, another shutdown behaviour
 * on the instance) makes that resource fail the condition. The canary overrides
 * `InstanceInitiatedShutdownBehavior` and, when configured, `SubnetId` and `SecurityGroupIds`, so
 * requiring it on instances, subnets or security groups would refuse every canary launch. It is
 * required on images only: the AMI must be the candidate version's own, never one the request names.
 * The canary's configured subnets and security groups are allowed by ARN; the template's own ones
 * (a fleet that overrides none) only as template resources.
 */
export const canaryLaunchStatements = (stack: Stack, config: SuiteConfig): PolicyStatement[] => {
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'ec2', resource, resourceName });
  const fromOurTemplates = { ArnLike: { 'ec2:LaunchTemplate': arn('launch-template', '*') } };
  const canaries = config.fleets.map((f) => f.canary);
  const subnets = [...new Set(canaries.flatMap((c) => (c.subnetId ? [c.subnetId] : [])))];
  const securityGroups = [...new Set(canaries.flatMap((c) => c.securityGroupIds))];
  const templateNetwork = [
    ...(canaries.some((c) => !c.subnetId) ? [arn('subnet', '*')] : []),
    ...(canaries.some((c) => c.securityGroupIds.length === 0) ? [arn('security-group', '*')] : []),
  ];
  const roles = [...new Set(config.fleets.map((f) => instanceRoleArn(stack, f.instanceRole)))];
  const canaryTag = { [`aws:RequestTag/${CANARY_TAG}`]: 'true' };
  return [
    new PolicyStatement({
      actions: ['ec2:RunInstances'],
      resources: [arn('launch-template', '*')],
      conditions: {
        ...fromOurTemplates,
        StringEquals: { [`aws:ResourceTag/${DEPLOYMENT_TAG}`]: config.deployment },
      },
    }),
    new PolicyStatement({
      actions: ['ec2:RunInstances'],
      resources: [arn('instance', '*'), arn('volume', '*')],
      conditions: { ...fromOurTemplates, StringEquals: canaryTag },
    }),
    new PolicyStatement({
      actions: ['ec2:RunInstances'],
      resources: [`arn:${stack.partition}:ec2:${stack.region}::image/*`],
      conditions: { ...fromOurTemplates, Bool: { 'ec2:IsLaunchTemplateResource': 'true' } },
    }),
    new PolicyStatement({
      actions: ['ec2:RunInstances'],
      resources: [
        arn('network-interface', '*'),
        arn('key-pair', '*'),
        ...subnets.map((id) => arn('subnet', id)),
        ...securityGroups.map((id) => arn('security-group', id)),
      ],
      conditions: fromOurTemplates,
    }),
    ...(templateNetwork.length
      ? [
          new PolicyStatement({
            actions: ['ec2:RunInstances'],
            resources: templateNetwork,
            conditions: { ...fromOurTemplates, Bool: { 'ec2:IsLaunchTemplateResource': 'true' } },
          }),
        ]
      : []),
    new PolicyStatement({
      actions: ['ec2:CreateTags'],
      resources: [arn('instance', '*'), arn('volume', '*')],
      conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    }),
    // Exactly the configured roles: IAM does not evaluate tag conditions on PassRole reliably.
    new PolicyStatement({
      actions: ['iam:PassRole'],
      resources: roles,
      conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    }),
  ];
};
