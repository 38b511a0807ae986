import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import type { Finding } from '../../cli/doctor/finding';
import { rolesCheck, SSM_AGENT_ACTIONS } from '../../cli/doctor/roles';
import { freshGaps, type Gaps, stubGaps } from './doctor-deployment';
import {
  EXAMPLE_FILE,
  example,
  type FleetOverrides,
  managerInstances,
  resetDoctorClients,
  seedFleet,
} from './doctor-fleet';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * doctor's roles area against moto: templates, instance profiles and groups are moto's. moto 5.2
 * has no iam:SimulatePrincipalPolicy and no ssm:DescribeInstanceInformation (both answer HTTP 500):
 * those two calls alone are stubbed (aws-sdk-client-mock, every other call passes through to moto),
 * the simulator answering from the actions each test refuses and recording what was asked.
 */

const NOW = new Date('2026-12-04T12:00:00Z');
const ACCOUNT = '123456789012';
const MANAGER_ROLE = `arn:aws:iam::${ACCOUNT}:role/gitlab-runner-manager`;
const INSTANCE_ROLE = `arn:aws:iam::${ACCOUNT}:role/gitlab-runner-instance`;

const iam = mockClient(IAMClient);
const ssm = mockClient(SSMClient);
let gaps: Gaps = freshGaps();

const run = async (overrides: FleetOverrides = {}, managerOnline = true): Promise<Finding[]> => {
  const config = example();
  await seedFleet(config, overrides);
  gaps.online = new Set(managerOnline ? await managerInstances() : []);
  return rolesCheck.run({ config, configFile: EXAMPLE_FILE, now: NOW, deployed: true });
};

const notPassing = (findings: readonly Finding[]) =>
  findings
    .filter((f) => f.status !== 'pass')
    .map(({ subject, status, says, fix }) => ({ subject, status, says, fix }));

describeWithMoto('doctor roles (moto, with the simulator and SSM instance information stubbed)', () => {
  useMotoServer({
    resetClients: resetDoctorClients,
    afterReset: () => {
      gaps = freshGaps();
      stubGaps(gaps, { iam, ssm });
      return Promise.resolve();
    },
  });
  afterAll(() => {
    iam.restore();
    ssm.restore();
  });

  it("passes the example fleet: each profile holds its fleets' role, each role has what it needs, the manager is online", async () => {
    const findings = await run();

    expect(notPassing(findings)).toEqual([]);
    expect(findings.map((f) => `${f.subject}: ${f.says}`)).toEqual([
      `template gitlab-runner-manager: instance profile gitlab-runner-manager holds role ${MANAGER_ROLE}, the one fleet manager names`,
      `template gitlab-runner-autoscaler: instance profile gitlab-runner-instance holds role ${INSTANCE_ROLE}, the one fleet jobs-instance names`,
      `template gitlab-runner-autoscaler: instance profile gitlab-runner-instance holds role ${INSTANCE_ROLE}, the one fleet jobs-docker names`,
      'role gitlab-runner-manager: allows the calls of the SSM agent',
      'role gitlab-runner-manager: allows the calls of the canary checks of fleet manager',
      'role gitlab-runner-manager: allows the calls of the fleeting plugin on group gitlab-runner-ao-group',
      'role gitlab-runner-manager: allows the calls of the fleeting plugin on group gitlab-runner-ao-group-docker',
      'role gitlab-runner-instance: allows the calls of the SSM agent',
      'role gitlab-runner-instance: allows the calls of the kubeconfig fetch (/runner-autopilot/kubeconfig)',
      `manager manager: ${(await managerInstances()).join(', ')} is online in SSM`,
    ]);
  });

  it('asks IAM about the resources a real request names: the group ARN, its instances with their tags and the connector user, the kubeconfig parameter', async () => {
    await run();
    const groupArn = (
      await new AutoScalingClient({}).send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gitlab-runner-ao-group'] }),
      )
    ).AutoScalingGroups?.[0]?.AutoScalingGroupARN;

    expect(gaps.asked).toContainEqual({
      PolicySourceArn: MANAGER_ROLE,
      ActionNames: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      ResourceArns: [groupArn],
      ContextEntries: expect.arrayContaining([
        {
          ContextKeyName: 'autoscaling:ResourceTag/runner-autopilot:fleet',
          ContextKeyType: 'string',
          ContextKeyValues: ['jobs-instance'],
        },
      ]),
    });
    expect(gaps.asked).toContainEqual({
      PolicySourceArn: MANAGER_ROLE,
      ActionNames: ['ec2-instance-connect:SendSSHPublicKey'],
      ResourceArns: [`arn:aws:ec2:us-east-2:${ACCOUNT}:instance/*`],
      ContextEntries: expect.arrayContaining([
        {
          ContextKeyName: 'ec2:ResourceTag/aws:autoscaling:groupName',
          ContextKeyType: 'string',
          ContextKeyValues: ['gitlab-runner-ao-group'],
        },
        { ContextKeyName: 'ec2:osuser', ContextKeyType: 'string', ContextKeyValues: ['ubuntu'] },
      ]),
    });
    expect(gaps.asked).toContainEqual({
      PolicySourceArn: INSTANCE_ROLE,
      ActionNames: ['ssm:GetParameter'],
      ResourceArns: [`arn:aws:ssm:us-east-2:${ACCOUNT}:parameter/runner-autopilot/kubeconfig`],
    });
    expect(gaps.asked).toContainEqual({
      PolicySourceArn: INSTANCE_ROLE,
      ActionNames: [...SSM_AGENT_ACTIONS],
    });
  });

  it('fails a profile that holds another role than the fleets name', async () => {
    const findings = await run({ profileRole: { 'gitlab-runner-instance': 'ci-instances' } });

    const other = `arn:aws:iam::${ACCOUNT}:role/ci-instances`;
    expect(notPassing(findings)).toEqual(
      ['jobs-instance', 'jobs-docker'].map((fleet) => ({
        subject: 'template gitlab-runner-autoscaler',
        status: 'fail',
        says: `instance profile gitlab-runner-instance holds role ${other}, but fleet ${fleet} names gitlab-runner-instance: a canary launch passes the profile's role, and the functions may pass only the configured one, so every canary of ${fleet} is refused`,
        fix: `set instanceRole of fleet ${fleet} in ${EXAMPLE_FILE} to ${other} and deploy again (npx cdk deploy --all -c config=${EXAMPLE_FILE}); or put gitlab-runner-instance in the profile (aws iam remove-role-from-instance-profile --instance-profile-name gitlab-runner-instance --role-name ci-instances && aws iam add-role-to-instance-profile --instance-profile-name gitlab-runner-instance --role-name <gitlab-runner-instance's name>)`,
      })),
    );
    // The role the instances really get is the one simulated.
    expect(gaps.asked.some((a) => a.PolicySourceArn === other)).toBe(true);
  });

  it('fails a template whose default version names no instance profile', async () => {
    const findings = await run(
      { templates: { 'gitlab-runner-manager': { data: { IamInstanceProfile: {} } } } },
      false,
    );

    expect(notPassing(findings)).toEqual([
      {
        subject: 'template gitlab-runner-manager',
        status: 'fail',
        says: 'its default version 1 names no instance profile: its instances have no role, so SSM never sees them and every canary fails',
        fix: expect.stringMatching(
          /^aws_launch_template\.iam_instance_profile \{ name = "<a profile holding gitlab-runner-manager>" \} in Terraform; or aws ec2 create-launch-template-version --launch-template-id lt-\w+ --source-version 1 /,
        ),
      },
      expect.objectContaining({
        subject: 'manager manager',
        status: 'fail',
        says: expect.stringContaining('is in service but not online in SSM'),
      }),
    ]);
  });

  it('fails a role SSM cannot use, naming the refused actions, with the managed policy to attach', async () => {
    gaps.refused = {
      [INSTANCE_ROLE]: {
        'ssmmessages:OpenControlChannel': 'implicitDeny',
        'ec2messages:GetMessages': 'implicitDeny',
      },
    };

    const findings = await run();

    expect(notPassing(findings)).toEqual([
      {
        subject: 'role gitlab-runner-instance',
        status: 'fail',
        says: 'does not allow ssmmessages:OpenControlChannel, ec2messages:GetMessages, called by the SSM agent: canaries, the sweeper, drains and config applies reach its instances through SSM',
        fix: 'aws iam attach-role-policy --role-name gitlab-runner-instance --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore (Terraform: aws_iam_role_policy_attachment { role = "gitlab-runner-instance", policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" })',
      },
    ]);
  });

  it('fails a manager role the fleeting plugin cannot use, with the statement to add on the group', async () => {
    gaps.refused = { [MANAGER_ROLE]: { 'autoscaling:SetDesiredCapacity': 'implicitDeny' } };

    const findings = await run();

    const failures = notPassing(findings);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toEqual({
      subject: 'role gitlab-runner-manager',
      status: 'fail',
      says: "does not allow autoscaling:SetDesiredCapacity, called by the fleeting plugin on group gitlab-runner-ao-group: manager manager's runner scales that group and connects to its instances",
      fix: expect.stringMatching(
        /^aws iam put-role-policy --role-name gitlab-runner-manager --policy-name fleeting-plugin-gitlab-runner-ao-group --policy-document '\{"Version":"2012-10-17","Statement":\[\{"Effect":"Allow","Action":\["autoscaling:SetDesiredCapacity"\],"Resource":"arn:aws:autoscaling:us-east-2:123456789012:autoScalingGroup:[\w-]+:autoScalingGroupName\/gitlab-runner-ao-group"\}\]\}'/,
      ),
    });
  });

  it('fails an explicit deny with where to look, since no allow overrides it', async () => {
    gaps.refused = { [MANAGER_ROLE]: { 'autoscaling:DescribeAutoScalingGroups': 'explicitDeny' } };

    const findings = await run();

    expect(notPassing(findings)[0]).toEqual({
      subject: 'role gitlab-runner-manager',
      status: 'fail',
      says: expect.stringMatching(
        /^does not allow autoscaling:DescribeAutoScalingGroups, called by the canary checks of fleet manager: .* \(autoscaling:DescribeAutoScalingGroups explicitly denied\)$/,
      ),
      fix: `find the Deny on autoscaling:DescribeAutoScalingGroups (the role's policies, its permissions boundary or an SCP) and narrow it: no Allow overrides an explicit deny (aws iam simulate-principal-policy --policy-source-arn ${MANAGER_ROLE} --action-names autoscaling:DescribeAutoScalingGroups names the statement)`,
    });
  });

  it('fails a manager in service but not online in SSM', async () => {
    const offline = await run({}, false);
    const ids = await managerInstances();

    expect(notPassing(offline)).toEqual([
      {
        subject: 'manager manager',
        status: 'fail',
        says: `${ids.join(', ')} is in service but not online in SSM: drains, config applies and the ssh-path check cannot reach it`,
        fix: `check its agent and its way to SSM: aws ssm describe-instance-information --filters Key=InstanceIds,Values=${ids.join(',')}; its role needs AmazonSSMManagedInstanceCore (see its role's finding), and its subnet a route to the ssm, ssmmessages and ec2messages endpoints`,
      },
    ]);
  });

  it('fails a manager group with no manager in service', async () => {
    const findings = await run({ groups: { 'gitlab-runner-manager': { desiredCapacity: 0 } } });

    expect(notPassing(findings)).toEqual([
      {
        subject: 'manager manager',
        status: 'fail',
        says: 'group gitlab-runner-manager has no manager in service: no job is taken, and nothing can drain or configure it',
        fix: 'see why it launches none: aws autoscaling describe-scaling-activities --auto-scaling-group-name gitlab-runner-manager --max-items 5',
      },
    ]);
  });
});
