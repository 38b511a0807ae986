import { join } from 'node:path';

import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client, type RequestLaunchTemplateData } from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';

import { resetAutoScalingClient } from '../../functions/shared/aws/autoscaling';
import { resetDocumentClient } from '../../functions/shared/aws/dynamodb';
import { resetEc2Client } from '../../functions/shared/aws/ec2';
import { resetImageBuilderClient } from '../../functions/shared/aws/imagebuilder';
import { resetSsmClient } from '../../functions/shared/aws/ssm';
import type { SuiteConfig } from '../../functions/shared/config';
import { DEPLOYMENT_TAG } from '../../functions/shared/names';
import { loadConfig } from '../../infra/load-config';
import { resetAmisClient } from '../../cli/doctor/aws/amis';
import { resetDoctorAutoScalingClient } from '../../cli/doctor/aws/autoscaling';
import { resetDoctorEc2Client } from '../../cli/doctor/aws/ec2';
import { resetDoctorIamClient } from '../../cli/doctor/aws/iam';
import { resetImagePipelinesClient } from '../../cli/doctor/aws/image-pipelines';
import { resetDoctorLambdaClient } from '../../cli/doctor/aws/lambda';
import { resetLedgerTableClient } from '../../cli/doctor/aws/ledger-table';
import { resetSecretStoreClients } from '../../cli/doctor/aws/secret-stores';
import { resetCloudFormationClient } from '../../cli/doctor/aws/stack';

/**
 * The example config's fleet (config/example.yaml) as a team's IaC would have made it, seeded into
 * moto: healthy by the rollout's pre-flight and by the fleeting plugin's documentation. A test
 * changes one thing with `overrides` and expects exactly that finding.
 */

export const EXAMPLE_FILE = join(__dirname, '..', '..', 'config', 'example.yaml');
export const example = (): SuiteConfig => loadConfig(EXAMPLE_FILE);

/** Every memoised client doctor's areas use, functions' and doctor's own. */
export const resetDoctorClients = (): void => {
  resetAutoScalingClient();
  resetEc2Client();
  resetSsmClient();
  resetDocumentClient();
  resetImageBuilderClient();
  resetAmisClient();
  resetDoctorAutoScalingClient();
  resetDoctorEc2Client();
  resetDoctorIamClient();
  resetImagePipelinesClient();
  resetDoctorLambdaClient();
  resetLedgerTableClient();
  resetSecretStoreClients();
  resetCloudFormationClient();
};

const ZONES = ['us-east-2a', 'us-east-2b'];
const AMI = 'ami-0123456789abcdef0';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export interface GroupOverrides {
  readonly version?: string;
  readonly maxSize?: number;
  readonly desiredCapacity?: number;
  readonly suspended?: string[];
  readonly protectedFromScaleIn?: boolean;
  readonly zones?: string[];
}

export interface FleetOverrides {
  /** Per launch template name: its data besides the AMI, and its tags. */
  readonly templates?: Record<
    string,
    { readonly data?: RequestLaunchTemplateData; readonly tags?: Record<string, string> }
  >;
  /** Per group name. */
  readonly groups?: Record<string, GroupOverrides>;
  /** Groups not to create. */
  readonly skipGroups?: string[];
  /** Per role name: the instance profile holds this role instead. */
  readonly profileRole?: Record<string, string>;
}

/** Seeds the fleet; returns the templates' ids by name. */
export const seedFleet = async (
  config: SuiteConfig,
  overrides: FleetOverrides = {},
): Promise<Map<string, string>> => {
  const ec2 = new EC2Client({});
  const autoScaling = new AutoScalingClient({});
  const iam = new IAMClient({});

  for (const role of new Set(config.fleets.map((f) => f.instanceRole))) {
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: TRUST }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: role }));
  }
  for (const role of new Set(Object.values(overrides.profileRole ?? {})))
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: TRUST }));
  for (const role of new Set(config.fleets.map((f) => f.instanceRole)))
    await iam.send(
      new AddRoleToInstanceProfileCommand({
        InstanceProfileName: role,
        RoleName: overrides.profileRole?.[role] ?? role,
      }),
    );

  const ids = new Map<string, string>();
  for (const fleet of config.fleets) {
    if (ids.has(fleet.launchTemplate)) continue;
    const own = overrides.templates?.[fleet.launchTemplate];
    const tags = own?.tags ?? { [DEPLOYMENT_TAG]: config.deployment };
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: fleet.launchTemplate,
        LaunchTemplateData: {
          ImageId: AMI,
          IamInstanceProfile: { Name: fleet.instanceRole },
          MetadataOptions: { HttpTokens: 'required', InstanceMetadataTags: 'enabled' },
          ...own?.data,
        },
        TagSpecifications: [
          {
            ResourceType: 'launch-template',
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          },
        ],
      }),
    );
    ids.set(fleet.launchTemplate, created.LaunchTemplate?.LaunchTemplateId ?? '');
  }

  for (const fleet of config.fleets) {
    const name = fleet.autoScalingGroup;
    if (overrides.skipGroups?.includes(name)) continue;
    const manager = fleet.role === 'manager';
    const own = overrides.groups?.[name] ?? {};
    await autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        MinSize: 0,
        MaxSize: own.maxSize ?? (manager ? 1 : 10),
        DesiredCapacity: own.desiredCapacity ?? (manager ? 1 : 0),
        LaunchTemplate: { LaunchTemplateName: fleet.launchTemplate, Version: own.version ?? '$Default' },
        AvailabilityZones: own.zones ?? ZONES,
        NewInstancesProtectedFromScaleIn: own.protectedFromScaleIn ?? !manager,
        Tags: [
          {
            Key: 'runner-autopilot:fleet',
            Value: fleet.name,
            PropagateAtLaunch: true,
            ResourceId: name,
            ResourceType: 'auto-scaling-group',
          },
        ],
      }),
    );
    const suspended = own.suspended ?? ['AZRebalance'];
    if (suspended.length > 0)
      await autoScaling.send(
        new SuspendProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: suspended }),
      );
  }
  return ids;
};

/** The instances of the manager's group (moto launches its one at creation). */
export const managerInstances = async (): Promise<string[]> => {
  const out = await new AutoScalingClient({}).send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gitlab-runner-manager'] }),
  );
  return out.AutoScalingGroups?.[0]?.Instances?.map((i) => i.InstanceId ?? '') ?? [];
};
