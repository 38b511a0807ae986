import {
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribePoliciesCommand,
  DescribeScheduledActionsCommand,
  DescribeWarmPoolCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';

import { resetDoctorAutoScalingClient } from '../../../cli/doctor/aws/autoscaling';
import { resetDoctorEc2Client } from '../../../cli/doctor/aws/ec2';
import { type GroupFacts, groupsCheck, judgeGroup, judgeTemplate } from '../../../cli/doctor/groups';
import {
  resetAutoScalingClient,
  type Group,
  SCALING_PROCESSES,
} from '../../../functions/shared/aws/autoscaling';
import { resetEc2Client } from '../../../functions/shared/aws/ec2';
import { Fleet } from '../../../functions/shared/fleet';
import { DEPLOYMENT_TAG } from '../../../functions/shared/names';
import { groupProblems } from '../../../functions/shared/rollout/decide';
import * as v from '../../../functions/shared/valibot';
import { loadConfig } from '../../../infra/load-config';
import { JOBS_DOCKER_FLEET, MANAGER_FLEET } from '../../fixtures/rollout-settings';
import { EXAMPLE } from '../run-cli';

const FILE = 'deploy/prod.yaml';

const jobs = v.parse(Fleet, JOBS_DOCKER_FLEET);
const manager = v.parse(Fleet, MANAGER_FLEET);

/** A job group as the fleeting plugin asks for it: no fault of its own. */
const healthyFacts = (group: Group | undefined, over: Partial<GroupFacts> = {}): GroupFacts => ({
  group,
  settings: group
    ? {
        arn: `arn:aws:autoscaling:us-east-2:123456789012:autoScalingGroup:1:autoScalingGroupName/${group.name}`,
        availabilityZones: ['us-east-2a', 'us-east-2b'],
        newInstancesProtected: true,
        tags: {},
        propagatedTags: {},
      }
    : undefined,
  warmPool: { configured: false },
  launchTemplateId: 'lt-0abc',
  leaseHeld: false,
  scalingPolicies: [],
  scheduledActions: [],
  ...over,
});

const templateSpec = fc.record({
  id: fc.constantFrom('lt-0abc', 'lt-0other', undefined),
  name: fc.constantFrom('gitlab-runner-manager', 'gitlab-runner-autoscaler', 'another', undefined),
  version: fc.constantFrom('$Default', '$Latest', '7', undefined),
});

const groupArb = (name: string): fc.Arbitrary<Group> =>
  fc.record({
    name: fc.constant(name),
    minSize: fc.constant(0),
    maxSize: fc.integer({ min: 0, max: 3 }),
    desiredCapacity: fc.constant(0),
    launchTemplate: fc.option(templateSpec, { nil: undefined }),
    mixedInstancesLaunchTemplate: fc.option(templateSpec, { nil: undefined }),
    suspendedProcesses: fc.subarray([...SCALING_PROCESSES]),
    instanceMaintenancePolicy: fc.option(
      fc.record({
        minHealthyPercentage: fc.integer({ min: 0, max: 100 }),
        maxHealthyPercentage: fc.integer({ min: 100, max: 200 }),
      }),
      { nil: undefined },
    ),
    instances: fc.constant([]),
  });

describe('judgeGroup', () => {
  it.each([
    ['manager', manager],
    ['jobs', jobs],
  ])(
    'fails a %s group exactly where the rollout refuses it: one fail per problem, each with a fix of its own',
    (_role, fleet) => {
      fc.assert(
        fc.property(
          fc.option(groupArb(fleet.autoScalingGroup), { nil: undefined }),
          fc.boolean(),
          fc.boolean(),
          (group, warmPool, leaseHeld) => {
            const facts = healthyFacts(group, { warmPool: { configured: warmPool }, leaseHeld });
            const problems = groupProblems(fleet, group, facts.warmPool, 'lt-0abc', { leaseHeld });

            const fails = judgeGroup(fleet, facts, FILE).filter((f) => f.status === 'fail');

            // A job group's own fault here can only be an unsuspended AZRebalance (the plugin's).
            const ofRollout = fails.filter((f) => !f.says.startsWith('AZRebalance is not suspended'));
            expect(ofRollout).toHaveLength(problems.length);
            ofRollout.forEach((f, i) => {
              expect(problems[i]?.startsWith(f.says)).toBe(true);
              expect(f.fix).not.toMatch(/What your fleet needs/);
            });
          },
        ),
      );
    },
  );

  it('says what the rollout refuses without the fix it carries, and gives the fix in full', () => {
    const group: Group = {
      name: 'gitlab-runner-manager',
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      launchTemplate: { id: 'lt-0abc', name: 'gitlab-runner-manager', version: '$Default' },
      suspendedProcesses: ['AZRebalance'],
      instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 200 },
      instances: [],
    };

    const findings = judgeGroup(manager, healthyFacts(group), FILE);

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([
      {
        area: 'groups',
        subject: 'group gitlab-runner-manager',
        status: 'fail',
        says: 'manager group gitlab-runner-manager has an instance maintenance policy (MinHealthyPercentage 100, MaxHealthyPercentage 200) that launches a replacement before terminating the manager it replaces: two managers at once',
        fix: 'aws autoscaling update-auto-scaling-group --auto-scaling-group-name gitlab-runner-manager --instance-maintenance-policy MinHealthyPercentage=-1,MaxHealthyPercentage=-1 (Terraform: aws_autoscaling_group.instance_maintenance_policy { max_healthy_percentage = 100 }, or no such block)',
      },
    ]);
  });

  it('passes a maintenance policy that terminates first', () => {
    const group: Group = {
      name: 'gitlab-runner-manager',
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      launchTemplate: { id: 'lt-0abc', version: '$Default' },
      suspendedProcesses: ['AZRebalance'],
      instanceMaintenancePolicy: { minHealthyPercentage: 0, maxHealthyPercentage: 100 },
      instances: [],
    };

    const findings = judgeGroup(manager, healthyFacts(group), FILE);

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([]);
    expect(findings.map((f) => f.says)).toContain(
      'its instance maintenance policy (MinHealthyPercentage 0, MaxHealthyPercentage 100) terminates a manager before launching its replacement',
    );
  });

  it('fixes a mixed-instances group through its mixed instances policy', () => {
    const group: Group = {
      name: 'gitlab-runner-ao-group-docker',
      minSize: 0,
      maxSize: 10,
      desiredCapacity: 0,
      mixedInstancesLaunchTemplate: { name: 'gitlab-runner-autoscaler', version: '$Latest' },
      suspendedProcesses: ['AZRebalance'],
      instances: [],
    };

    const [finding] = judgeGroup(jobs, healthyFacts(group), FILE);

    expect(finding?.fix).toContain(
      'aws autoscaling update-auto-scaling-group --auto-scaling-group-name gitlab-runner-ao-group-docker --mixed-instances-policy file://policy.json',
    );
    expect(finding?.fix).toContain(
      'aws_autoscaling_group.mixed_instances_policy.launch_template.launch_template_specification { launch_template_name = "gitlab-runner-autoscaler", version = "$Default" }',
    );
  });

  it('says nothing else of a group that does not exist', () => {
    expect(judgeGroup(jobs, healthyFacts(undefined), FILE)).toEqual([
      expect.objectContaining({ status: 'fail', says: 'group gitlab-runner-ao-group-docker does not exist' }),
    ]);
  });
});

describe('judgeTemplate', () => {
  const settings = (metadataTags?: 'enabled' | 'disabled') => ({
    tags: { [DEPLOYMENT_TAG]: 'gitlab-runners' },
    defaultVersion: {
      number: 4,
      metadataOptions: metadataTags ? { InstanceMetadataTags: metadataTags } : {},
    },
  });

  it('asks instance metadata tags only of a template a manager launches from: nothing on a job instance reads its tags', () => {
    const jobsOnly = judgeTemplate('gitlab-runner-autoscaler', [jobs], 'gitlab-runners', {
      template: { launchTemplateId: 'lt-0abc' },
      settings: settings(),
    });
    const managers = judgeTemplate('gitlab-runner-manager', [manager], 'gitlab-runners', {
      template: { launchTemplateId: 'lt-0def' },
      settings: settings(),
    });

    expect(jobsOnly.map((f) => f.status)).toEqual(['pass']);
    expect(managers.map((f) => [f.status, f.says])).toEqual([
      ['pass', `tagged ${DEPLOYMENT_TAG}=gitlab-runners`],
      [
        'fail',
        "its default version 4 does not enable instance metadata tags (InstanceMetadataTags unset): the manager's boot unit reads its tags from IMDS, and without them needs ec2:DescribeTags or leaves gitlab-runner stopped",
      ],
    ]);
  });

  it('fails a template tagged for another deployment', () => {
    const [finding] = judgeTemplate('gitlab-runner-autoscaler', [jobs], 'gitlab-runners', {
      template: { launchTemplateId: 'lt-0abc' },
      settings: { ...settings(), tags: { [DEPLOYMENT_TAG]: 'staging' } },
    });

    expect(finding).toMatchObject({
      status: 'fail',
      says: `is tagged ${DEPLOYMENT_TAG}=staging, not ${DEPLOYMENT_TAG}=gitlab-runners: the functions may create versions of and promote only templates with it, so every rollout to jobs-docker fails`,
      fix: `aws ec2 create-tags --resources lt-0abc --tags 'Key=${DEPLOYMENT_TAG},Value=gitlab-runners' (Terraform: aws_launch_template.tags = { "${DEPLOYMENT_TAG}" = "gitlab-runners" })`,
    });
  });
});

/**
 * moto drops a group's InstanceMaintenancePolicy (test/contract/divergences.ts,
 * autoscaling-maintenance-policy-not-kept): the whole area runs here on mocked clients, the
 * policy read from DescribeAutoScalingGroups as AWS reports it.
 */
describe('groupsCheck (mocked: moto keeps no maintenance policy)', () => {
  const autoScaling = mockClient(AutoScalingClient);
  const ec2 = mockClient(EC2Client);
  const config = loadConfig(EXAMPLE);

  const asGroup = (name: string, over: Partial<AutoScalingGroup>): AutoScalingGroup => ({
    AutoScalingGroupName: name,
    AutoScalingGroupARN: `arn:aws:autoscaling:us-east-2:123456789012:autoScalingGroup:1:autoScalingGroupName/${name}`,
    MinSize: 0,
    MaxSize: 10,
    DesiredCapacity: 0,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-2a', 'us-east-2b'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2026-01-01T00:00:00Z'),
    NewInstancesProtectedFromScaleIn: true,
    SuspendedProcesses: [{ ProcessName: 'AZRebalance' }],
    Instances: [],
    ...over,
  });

  beforeEach(() => {
    autoScaling.reset();
    ec2.reset();
    resetAutoScalingClient();
    resetEc2Client();
    resetDoctorAutoScalingClient();
    resetDoctorEc2Client();
    autoScaling.onAnyCommand().rejects(new Error('unexpected Auto Scaling call'));
    ec2.onAnyCommand().rejects(new Error('unexpected EC2 call'));
    for (const [name, id] of [
      ['gitlab-runner-manager', 'lt-0aaa'],
      ['gitlab-runner-autoscaler', 'lt-0bbb'],
    ] as const) {
      ec2.on(DescribeLaunchTemplatesCommand, { LaunchTemplateNames: [name] }).resolves({
        LaunchTemplates: [
          { LaunchTemplateId: id, LaunchTemplateName: name, DefaultVersionNumber: 3, LatestVersionNumber: 3 },
        ],
      });
      ec2.on(DescribeLaunchTemplatesCommand, { LaunchTemplateIds: [id] }).resolves({
        LaunchTemplates: [
          {
            LaunchTemplateId: id,
            LaunchTemplateName: name,
            Tags: [{ Key: DEPLOYMENT_TAG, Value: 'gitlab-runners' }],
          },
        ],
      });
      ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: id }).resolves({
        LaunchTemplateVersions: [
          {
            LaunchTemplateId: id,
            VersionNumber: 3,
            DefaultVersion: true,
            LaunchTemplateData: { MetadataOptions: { InstanceMetadataTags: 'enabled' } },
          },
        ],
      });
    }
    const groups = [
      asGroup('gitlab-runner-manager', {
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 1,
        LaunchTemplate: {
          LaunchTemplateId: 'lt-0aaa',
          LaunchTemplateName: 'gitlab-runner-manager',
          Version: '$Default',
        },
        NewInstancesProtectedFromScaleIn: false,
        InstanceMaintenancePolicy: { MinHealthyPercentage: 90, MaxHealthyPercentage: 110 },
      }),
      ...['gitlab-runner-ao-group', 'gitlab-runner-ao-group-docker'].map((name) =>
        asGroup(name, {
          LaunchTemplate: {
            LaunchTemplateId: 'lt-0bbb',
            LaunchTemplateName: 'gitlab-runner-autoscaler',
            Version: '$Default',
          },
        }),
      ),
    ];
    for (const g of groups)
      autoScaling
        .on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: [g.AutoScalingGroupName ?? ''] })
        .resolves({ AutoScalingGroups: [g] });
    autoScaling.on(DescribeWarmPoolCommand).resolves({});
    autoScaling.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [] });
    autoScaling.on(DescribeScheduledActionsCommand).resolves({ ScheduledUpdateGroupActions: [] });
  });

  it('fails a manager group whose maintenance policy may launch before it terminates', async () => {
    const findings = await groupsCheck.run({
      config,
      configFile: FILE,
      now: new Date('2026-12-04T12:00:00Z'),
      deployed: true,
    });

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([
      expect.objectContaining({
        subject: 'group gitlab-runner-manager',
        says: 'manager group gitlab-runner-manager has an instance maintenance policy (MinHealthyPercentage 90, MaxHealthyPercentage 110) that may launch a replacement before terminating the manager it replaces: two managers at once',
        fix: expect.stringContaining(
          '--instance-maintenance-policy MinHealthyPercentage=-1,MaxHealthyPercentage=-1',
        ),
      }),
    ]);
    expect(autoScaling).toHaveReceivedCommandWith(DescribeWarmPoolCommand, {
      AutoScalingGroupName: 'gitlab-runner-manager',
    });
  });
});

describe('judgeTemplate, the instance metadata tags fix', () => {
  /**
   * DescribeLaunchTemplateVersions answers MetadataOptions with `State` (pending | applied); the
   * request shape (LaunchTemplateInstanceMetadataOptionsRequest, @aws-sdk/client-ec2) has none,
   * and the AWS CLI refuses an unknown parameter: the printed fix copies only request fields.
   */
  it('prints launch template data that holds only request fields', () => {
    const [, imds] = judgeTemplate('gitlab-runner-manager', [manager], 'gitlab-runners', {
      template: { launchTemplateId: 'lt-0abc' },
      settings: {
        tags: { [DEPLOYMENT_TAG]: 'gitlab-runners' },
        defaultVersion: {
          number: 4,
          metadataOptions: {
            State: 'applied',
            HttpTokens: 'required',
            HttpPutResponseHopLimit: 2,
            HttpEndpoint: 'enabled',
            HttpProtocolIpv6: 'disabled',
            InstanceMetadataTags: 'disabled',
          },
        },
      },
    });
    const data = /--launch-template-data '([^']*)'/.exec(imds?.fix ?? '')?.[1];

    expect(imds?.status).toBe('fail');
    expect(JSON.parse(data ?? 'null')).toEqual({
      MetadataOptions: {
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 2,
        HttpEndpoint: 'enabled',
        HttpProtocolIpv6: 'disabled',
        InstanceMetadataTags: 'enabled',
      },
    });
  });
});

describe('judgeGroup, a manager group of more than one', () => {
  /**
   * With a minimum above 1 Auto Scaling refuses `--max-size 1` alone (the maximum may not be below
   * the minimum; UpdateAutoScalingGroup keeps every size not given): the fix lowers both.
   */
  it('lowers the minimum along with the maximum when the minimum is above 1', () => {
    const group: Group = {
      name: 'gitlab-runner-manager',
      minSize: 2,
      maxSize: 2,
      desiredCapacity: 2,
      launchTemplate: { id: 'lt-0abc', name: 'gitlab-runner-manager', version: '$Default' },
      suspendedProcesses: ['AZRebalance'],
      instances: [],
    };

    const maxSize = judgeGroup(manager, healthyFacts(group), FILE).find((f) => /max size/.test(f.says));

    expect(maxSize?.status).toBe('fail');
    expect(maxSize?.fix).toMatch(
      /^aws autoscaling update-auto-scaling-group --auto-scaling-group-name gitlab-runner-manager --min-size [01] --max-size 1 /,
    );
  });
});

describe('judgeGroup, a job group with a minimum size', () => {
  /**
   * The runner's autoscaler sets the desired capacity (down to 0 when idle); a desired capacity
   * below the group's minimum is refused by Auto Scaling (DesiredCapacity "must be greater than or
   * equal to the minimum size of the group", UpdateAutoScalingGroup/SetDesiredCapacity).
   */
  it('fails a job group whose minimum size is above 0, with the fix', () => {
    const group: Group = {
      name: 'gitlab-runner-ao-group-docker',
      minSize: 2,
      maxSize: 10,
      desiredCapacity: 2,
      launchTemplate: { id: 'lt-0abc', name: 'gitlab-runner-autoscaler', version: '$Default' },
      suspendedProcesses: ['AZRebalance'],
      instances: [],
    };

    const findings = judgeGroup(jobs, healthyFacts(group), FILE);
    const min = findings.find((f) => f.status !== 'pass');

    expect(min).toMatchObject({
      area: 'groups',
      subject: 'group gitlab-runner-ao-group-docker',
      status: 'fail',
    });
    expect(min?.says).toMatch(/min(imum)? size 2/);
    expect(min?.fix).toContain(
      'aws autoscaling update-auto-scaling-group --auto-scaling-group-name gitlab-runner-ao-group-docker --min-size 0',
    );
  });
});
