import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
  type RequestLaunchTemplateData,
} from '@aws-sdk/client-ec2';

import type { ContractTarget } from './targets';

/** The settings a seeded template carries besides its AMI (all of them copied by a candidate). */
export type TemplateSettings = Pick<RequestLaunchTemplateData, 'InstanceType' | 'UserData' | 'KeyName'>;

export interface GroupSeed {
  readonly name: string;
  readonly templateId: string;
  readonly version: string;
  readonly desiredCapacity: number;
  readonly suspendedProcesses?: string[];
  readonly instanceMaintenancePolicy?: { minHealthyPercentage: number; maxHealthyPercentage: number };
}

/**
 * What a contract case starts from, put where each target keeps it: into the fake's world, or
 * into moto through the SDK (CreateLaunchTemplate, CreateAutoScalingGroup...), as a team's IaC
 * would have made it.
 */
export interface Ec2Seed {
  /** A template with one version per image, the last one default. */
  template(name: string, imageIds: string[], settings?: TemplateSettings): Promise<{ id: string }>;
  group(group: GroupSeed): Promise<void>;
  subnet(): Promise<string>;
}

const ZONE = 'us-east-2a';

const fakeSeed = (target: ContractTarget): Ec2Seed => ({
  template: (name, imageIds, settings = {}) =>
    Promise.resolve({ id: target.world().addLaunchTemplate(name, imageIds, settings).id }),
  group: (g) => {
    target.world().addGroup(
      {
        name: g.name,
        minSize: 0,
        maxSize: g.desiredCapacity + 1,
        desiredCapacity: g.desiredCapacity,
        launchTemplate: { id: g.templateId, version: g.version },
        suspendedProcesses: g.suspendedProcesses ?? [],
        warmPool: false,
        runsRunner: false,
        ...(g.instanceMaintenancePolicy ? { instanceMaintenancePolicy: g.instanceMaintenancePolicy } : {}),
      },
      g.desiredCapacity,
    );
    return Promise.resolve();
  },
  // The fake does not model networks: any subnet id is one.
  subnet: () => Promise.resolve('subnet-0a1b2c3d4e5f60718'),
});

const motoSeed = (): Ec2Seed => {
  // Built per call: the suite has pointed AWS_ENDPOINT_URL at moto by then.
  const ec2 = (): EC2Client => new EC2Client({});
  const autoScaling = (): AutoScalingClient => new AutoScalingClient({});
  return {
    template: async (name, imageIds, settings = {}) => {
      const [first, ...rest] = imageIds;
      const created = await ec2().send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: name,
          LaunchTemplateData: { ...settings, ImageId: first },
          TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'fleet', Value: name }] }],
        }),
      );
      const id = created.LaunchTemplate?.LaunchTemplateId ?? '';
      for (const imageId of rest) {
        await ec2().send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: id,
            LaunchTemplateData: { ...settings, ImageId: imageId },
          }),
        );
      }
      if (rest.length > 0) {
        await ec2().send(
          new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: String(imageIds.length) }),
        );
      }
      return { id };
    },
    group: async (g) => {
      await autoScaling().send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: g.name,
          MinSize: 0,
          MaxSize: g.desiredCapacity + 1,
          DesiredCapacity: g.desiredCapacity,
          LaunchTemplate: { LaunchTemplateId: g.templateId, Version: g.version },
          AvailabilityZones: [ZONE],
          ...(g.instanceMaintenancePolicy
            ? {
                InstanceMaintenancePolicy: {
                  MinHealthyPercentage: g.instanceMaintenancePolicy.minHealthyPercentage,
                  MaxHealthyPercentage: g.instanceMaintenancePolicy.maxHealthyPercentage,
                },
              }
            : {}),
        }),
      );
      if (g.suspendedProcesses?.length) {
        await autoScaling().send(
          new SuspendProcessesCommand({
            AutoScalingGroupName: g.name,
            ScalingProcesses: g.suspendedProcesses,
          }),
        );
      }
    },
    subnet: async () => {
      const vpc = await ec2().send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
      const subnet = await ec2().send(
        new CreateSubnetCommand({
          VpcId: vpc.Vpc?.VpcId ?? '',
          CidrBlock: '10.20.1.0/24',
          AvailabilityZone: ZONE,
        }),
      );
      return subnet.Subnet?.SubnetId ?? '';
    },
  };
};

export const ec2Seed = (target: ContractTarget): Ec2Seed =>
  target.kind === 'fake' ? fakeSeed(target) : motoSeed();

/** moto loads a service on its first request, which can take seconds on a busy machine. */
export const warmUpEc2 = async (): Promise<void> => {
  await new EC2Client({}).send(new DescribeLaunchTemplatesCommand({}));
  await new AutoScalingClient({}).send(new DescribeAutoScalingGroupsCommand({}));
};
