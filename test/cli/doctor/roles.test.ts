import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';

import { resetDoctorIamClient, simulateRole } from '../../../cli/doctor/aws/iam';
import {
  judgeNeed,
  judgeProfile,
  namesRole,
  type Need,
  needsOf,
  profileName,
} from '../../../cli/doctor/roles';
import type { SuiteConfig } from '../../../functions/shared/config';
import { loadConfig } from '../../../infra/load-config';
import { EXAMPLE } from '../run-cli';

const FILE = 'deploy/prod.yaml';
const ROLE = {
  arn: 'arn:aws:iam::123456789012:role/gitlab-runner-manager',
  name: 'gitlab-runner-manager',
  path: '/',
};

describe('namesRole and profileName', () => {
  it.each([
    ['gitlab-runner-manager', ROLE.arn, '/', true],
    [ROLE.arn, ROLE.arn, '/', true],
    ['gitlab-runner-manager', 'arn:aws:iam::123456789012:role/ci/gitlab-runner-manager', '/ci/', false],
    ['arn:aws:iam::123456789012:role/other', ROLE.arn, '/', false],
  ])('a fleet naming %s names role %s (path %s): %s', (configured, arn, path, expected) => {
    expect(namesRole(configured, { arn, name: 'gitlab-runner-manager', path })).toBe(expected);
  });

  it('takes a profile named by ARN by its last path segment', () => {
    expect(profileName({ arn: 'arn:aws:iam::123456789012:instance-profile/ci/runners' })).toBe('runners');
    expect(profileName({ name: 'runners' })).toBe('runners');
  });
});

describe('judgeProfile', () => {
  const config = loadConfig(EXAMPLE);
  const managers = config.fleets.filter((f) => f.role === 'manager');
  const template = {
    launchTemplateId: 'lt-0abc',
    defaultVersion: 3,
    instanceProfile: { name: 'runner-manager' },
  };

  it('fails a profile that does not exist, and one that holds no role', () => {
    const missing = judgeProfile('gitlab-runner-manager', managers, { template }, FILE);
    const empty = judgeProfile('gitlab-runner-manager', managers, { template, roles: [] }, FILE);

    expect(missing.role).toBeUndefined();
    expect(missing.findings).toEqual([
      expect.objectContaining({
        status: 'fail',
        says: 'its default version names instance profile runner-manager, which does not exist: instances fail to launch from it',
        fix: expect.stringMatching(
          /^aws iam create-instance-profile --instance-profile-name runner-manager && aws iam add-role-to-instance-profile/,
        ),
      }),
    ]);
    expect(empty.findings).toEqual([
      expect.objectContaining({
        status: 'fail',
        says: 'instance profile runner-manager holds no role: its instances have no credentials, so SSM never sees them',
        fix: "aws iam add-role-to-instance-profile --instance-profile-name runner-manager --role-name <gitlab-runner-manager's name> (Terraform: aws_iam_instance_profile.role)",
      }),
    ]);
  });
});

describe('needsOf', () => {
  const groups = new Map([
    [
      'gitlab-runner-ao-group',
      {
        arn: 'arn:aws:autoscaling:us-east-2:123456789012:autoScalingGroup:1:autoScalingGroupName/gitlab-runner-ao-group',
        availabilityZones: [],
        newInstancesProtected: true,
        tags: {},
        propagatedTags: {},
      },
    ],
  ]);
  const withChecks = (config: SuiteConfig, checks: string[] | undefined): SuiteConfig => ({
    ...config,
    fleets: config.fleets.map((f) =>
      f.role === 'jobs' ? { ...f, canary: { ...f.canary, checks: checks as never } } : f,
    ),
  });

  it('asks the manager for SendSSHPublicKey on job canaries only when a jobs fleet runs the ssh-path check, and the plugin only on groups that exist', () => {
    const config = loadConfig(EXAMPLE);
    const managers = config.fleets.filter((f) => f.role === 'manager');

    const all = needsOf(config, managers, ROLE.arn, groups);
    const noPath = needsOf(withChecks(config, ['docker', 'git']), managers, ROLE.arn, groups);

    expect(all.map((n) => n.what)).toEqual([
      'the SSM agent',
      'the canary checks of fleet manager',
      'the fleeting plugin on group gitlab-runner-ao-group',
    ]);
    expect(
      all[1]?.simulations.map((s) => [s.actions, s.context?.['ec2:ResourceTag/runner-autopilot:fleet']]),
    ).toEqual([
      [['autoscaling:DescribeAutoScalingGroups'], undefined],
      [['ec2-instance-connect:SendSSHPublicKey'], 'jobs-instance'],
      [['ec2-instance-connect:SendSSHPublicKey'], 'jobs-docker'],
    ]);
    expect(noPath[1]?.simulations.map((s) => s.actions)).toEqual([['autoscaling:DescribeAutoScalingGroups']]);
  });

  it('asks a job role for its kubeconfig only when its pipeline fetches one at boot', () => {
    const config = loadConfig(EXAMPLE);
    const jobs = config.fleets.filter((f) => f.role === 'jobs');
    const noKubeconfig: SuiteConfig = {
      ...config,
      pipelines: config.pipelines.map((p) =>
        p.kind === 'jobs' ? { ...p, kubeconfig: { mode: 'none' } } : p,
      ),
    };

    expect(needsOf(config, jobs, ROLE.arn, groups).map((n) => n.what)).toEqual([
      'the SSM agent',
      'the kubeconfig fetch (/runner-autopilot/kubeconfig)',
    ]);
    expect(needsOf(noKubeconfig, jobs, ROLE.arn, groups).map((n) => n.what)).toEqual(['the SSM agent']);
  });
});

describe('judgeNeed', () => {
  const need: Need = {
    what: 'the fleeting plugin on group g',
    policyName: 'fleeting-plugin-g',
    why: 'its runner scales g',
    simulations: [
      {
        actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        resource: 'arn:group',
      },
      { actions: ['ec2:DescribeInstances'], resource: '*' },
    ],
  };

  it('adds a statement of the refused actions only, on the resource each was asked for', () => {
    const finding = judgeNeed(ROLE, need, [
      new Map([
        ['autoscaling:SetDesiredCapacity', 'allowed'],
        ['autoscaling:TerminateInstanceInAutoScalingGroup', 'implicitDeny'],
      ]),
      new Map([['ec2:DescribeInstances', 'implicitDeny']]),
    ]);

    expect(finding).toEqual({
      area: 'roles',
      subject: 'role gitlab-runner-manager',
      status: 'fail',
      says: 'does not allow autoscaling:TerminateInstanceInAutoScalingGroup, ec2:DescribeInstances, called by the fleeting plugin on group g: its runner scales g',
      fix: `aws iam put-role-policy --role-name gitlab-runner-manager --policy-name fleeting-plugin-g --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["autoscaling:TerminateInstanceInAutoScalingGroup"],"Resource":"arn:group"},{"Effect":"Allow","Action":["ec2:DescribeInstances"],"Resource":"*"}]}' (Terraform: aws_iam_role_policy with that policy; narrow SendSSHPublicKey with the plugin's ec2:ResourceTag/aws:autoscaling:groupName condition if you like)`,
    });
  });

  it('counts an action IAM did not answer for as refused', () => {
    expect(judgeNeed(ROLE, need, [new Map(), new Map()]).status).toBe('fail');
  });
});

/** moto 5.2 has no SimulatePrincipalPolicy (HTTP 500): its paging runs on a mocked client. */
describe('simulateRole (mocked: moto has no simulator)', () => {
  const iam = mockClient(IAMClient);

  beforeEach(() => {
    iam.reset();
    resetDoctorIamClient();
  });

  it('reads every page of the simulation', async () => {
    iam
      .on(SimulatePrincipalPolicyCommand, { Marker: undefined })
      .resolves({
        EvaluationResults: [{ EvalActionName: 'ssm:UpdateInstanceInformation', EvalDecision: 'allowed' }],
        IsTruncated: true,
        Marker: 'page-2',
      })
      .on(SimulatePrincipalPolicyCommand, { Marker: 'page-2' })
      .resolves({
        EvaluationResults: [{ EvalActionName: 'ec2messages:GetMessages', EvalDecision: 'explicitDeny' }],
        IsTruncated: false,
      });

    const decisions = await simulateRole(ROLE.arn, {
      actions: ['ssm:UpdateInstanceInformation', 'ec2messages:GetMessages'],
      resource: '*',
    });

    expect([...decisions]).toEqual([
      ['ssm:UpdateInstanceInformation', 'allowed'],
      ['ec2messages:GetMessages', 'explicitDeny'],
    ]);
    expect(iam).toHaveReceivedCommandTimes(SimulatePrincipalPolicyCommand, 2);
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, {
      PolicySourceArn: ROLE.arn,
      ActionNames: ['ssm:UpdateInstanceInformation', 'ec2messages:GetMessages'],
    });
  });
});
