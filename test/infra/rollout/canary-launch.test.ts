import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';

import { buildApp } from '../../../infra/app';
import { resolveIntrinsics } from '../../../infra/intrinsics';
import { testApp } from '../../helpers/app';
import { exampleConfigWith } from '../../scenarios/fleet';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/**
 * The statements of `action` in stage-candidate's role, intrinsics resolved, for a fresh stack of
 * `configPath`. CDK's policy minimization merges statements of equal conditions and sorts resources.
 */
const statementsOf = (configPath: string, action: string): unknown[] => {
  const { autopilot } = buildApp(testApp(), configPath);
  const fn = autopilot.functions.find((f) => f.serviceName === 'stage-candidate');
  const role = autopilot.getLogicalId(fn?.function.role?.node.defaultChild as CfnRole);
  const schedulerRole = autopilot.getLogicalId(
    autopilot.node.findChild('Rollout').node.findChild('SchedulerRole').node.defaultChild as CfnRole,
  );
  const policies = Object.values(Template.fromStack(autopilot).findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: unknown; PolicyDocument: { Statement: Statement[] } };
  }[];
  return policies
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s) => [s.Action].flat().includes(action))
    .map((s) => resolveIntrinsics(s, { [`${schedulerRole}.Arn`]: 'scheduler-role' }));
};

const EC2 = 'arn:aws:ec2:us-east-2:123456789012';
const OUR_TEMPLATES = { 'ec2:LaunchTemplate': `${EC2}:launch-template/*` };

describe('canary launch grants', () => {
  it('passes exactly the configured instance roles, and only to EC2', () => {
    const path = exampleConfigWith('instance-roles', (config) => {
      const fleets = config.fleets as { instanceRole: string }[];
      fleets[2]!.instanceRole = 'arn:aws:iam::123456789012:role/ci/gitlab-runner-docker';
    });

    expect(statementsOf(path, 'iam:PassRole')).toEqual([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [
          'arn:aws:iam::123456789012:role/ci/gitlab-runner-docker',
          'arn:aws:iam::123456789012:role/gitlab-runner-instance',
          'arn:aws:iam::123456789012:role/gitlab-runner-manager',
        ],
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
      // The one-time step schedules run as this role.
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'scheduler-role' },
    ]);
  });

  it('launches only through our tagged templates, the image always the template version’s own', () => {
    const path = exampleConfigWith('canary-network', (config) => {
      for (const fleet of config.fleets as { canary?: object }[]) {
        fleet.canary = { subnetId: 'subnet-0123456789abcdef0', securityGroupIds: ['sg-0123456789abcdef0'] };
      }
    });

    expect(statementsOf(path, 'ec2:RunInstances')).toEqual([
      {
        Effect: 'Allow',
        Action: 'ec2:RunInstances',
        Resource: `${EC2}:launch-template/*`,
        Condition: {
          ArnLike: OUR_TEMPLATES,
          StringEquals: { 'aws:ResourceTag/runner-autopilot:deployment': 'gitlab-runners' },
        },
      },
      {
        Effect: 'Allow',
        Action: 'ec2:RunInstances',
        Resource: [`${EC2}:instance/*`, `${EC2}:volume/*`],
        Condition: {
          ArnLike: OUR_TEMPLATES,
          StringEquals: { 'aws:RequestTag/runner-autopilot:canary': 'true' },
        },
      },
      {
        Effect: 'Allow',
        Action: 'ec2:RunInstances',
        Resource: 'arn:aws:ec2:us-east-2::image/*',
        Condition: { ArnLike: OUR_TEMPLATES, Bool: { 'ec2:IsLaunchTemplateResource': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: 'ec2:RunInstances',
        Resource: [
          `${EC2}:key-pair/*`,
          `${EC2}:network-interface/*`,
          `${EC2}:security-group/sg-0123456789abcdef0`,
          `${EC2}:subnet/subnet-0123456789abcdef0`,
        ],
        Condition: { ArnLike: OUR_TEMPLATES },
      },
    ]);
  });

  it("allows the template's own subnet and security groups, as template resources, to a canary that overrides none", () => {
    const path = exampleConfigWith('template-network', () => undefined);

    expect(statementsOf(path, 'ec2:RunInstances')).toContainEqual({
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: ['arn:aws:ec2:us-east-2::image/*', `${EC2}:security-group/*`, `${EC2}:subnet/*`],
      Condition: { ArnLike: OUR_TEMPLATES, Bool: { 'ec2:IsLaunchTemplateResource': 'true' } },
    });
  });
});
