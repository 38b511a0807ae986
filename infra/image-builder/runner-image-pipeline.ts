import { Annotations, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import { Construct } from 'constructs';

import type { Pipeline } from '../../functions/shared/config';
import { planComponents } from './components';
import { validatePipeline } from './validation';
import { contentVersion } from './versioning';
import { DEPLOYMENT_TAG, IMAGE_KIND_TAG, PIPELINE_TAG } from '../../functions/shared/names';

export interface RunnerImagePipelineProps {
  /** `config.deployment`: prefixes every resource name. */
  readonly deployment: string;
  readonly pipeline: Pipeline;
  /** `config.gitlab.runnerVersion`: job images and the manager image must carry the same one. */
  readonly runnerVersion: string;
}

export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

const MANAGED_POLICIES = ['AmazonSSMManagedInstanceCore', 'EC2InstanceProfileForImageBuilder'] as const;

/**
 * Canonical's public parameter for the current Ubuntu server AMI. Canonical publishes gp3-backed
 * images from 23.10 on; 22.04 images are gp2-backed (the recipe's root volume is gp3 either way).
 */
export const ubuntuParentImage = (base: Pipeline['base'], architecture: Pipeline['architecture']): string => {
  const release = base === 'ubuntu-24.04' ? '24.04' : '22.04';
  const volume = release === '24.04' ? 'ebs-gp3' : 'ebs-gp2';
  const arch = architecture === 'arm64' ? 'arm64' : 'amd64';
  return `ssm:/aws/service/canonical/ubuntu/server/${release}/stable/current/${arch}/hvm/${volume}/ami-id`;
};

/**
 * An EC2 Image Builder pipeline that bakes a job or manager image for the runner fleet. It has no
 * schedule (builds start through the API) and creates no launch template versions (the rollout
 * does); images are tested in-image before they become AVAILABLE.
 */
export class RunnerImagePipeline extends Construct {
  readonly pipelineArn: string;
  readonly pipelineName: string;
  /** Lowercase: image ARNs carry the recipe name. */
  readonly recipeName: string;
  /** `arn:<partition>:imagebuilder:<region>:<account>:image/<recipe-name>/`: every build of this pipeline starts with it. */
  readonly imageArnPattern: string;
  readonly instanceRole: iam.IRole;
  /** cdk-nag findings this construct causes on purpose, for the stack to acknowledge. */
  readonly nagAcknowledgements: NagAcknowledgement[];

  constructor(scope: Construct, id: string, props: RunnerImagePipelineProps) {
    super(scope, id);
    const { deployment, pipeline, runnerVersion } = props;
    validatePipeline(pipeline, runnerVersion);
    const stack = Stack.of(this);
    const name = `${deployment}-${pipeline.name}`.toLowerCase();
    const description = pipeline.description || `runner-autopilot ${pipeline.kind} image for ${deployment}`;
    const tags = {
      [DEPLOYMENT_TAG]: deployment,
      [PIPELINE_TAG]: pipeline.name,
      [IMAGE_KIND_TAG]: pipeline.kind,
    };

    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Build and test instances of image pipeline ${name}`,
      managedPolicies: MANAGED_POLICIES.map((p) => iam.ManagedPolicy.fromAwsManagedPolicyName(p)),
    });
    this.instanceRole = role;
    this.nagAcknowledgements = MANAGED_POLICIES.map((p) => ({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${p}]`,
      reason: `${p} is the AWS-maintained policy Image Builder documents for its build and test instances`,
    }));
    if (pipeline.kind === 'jobs' && pipeline.kubeconfig.mode === 'baked') {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [
            stack.formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: pipeline.kubeconfig.parameter.slice(1),
            }),
          ],
        }),
      );
      Annotations.of(this).addWarningV2(
        'runner-autopilot:kubeconfigBaked',
        `pipeline "${pipeline.name}" bakes ${pipeline.kubeconfig.parameter} into its images: every AMI snapshot holds the ` +
          'credential, and anyone who can launch or copy the AMI can read it. Prefer kubeconfig mode "boot".',
      );
    }
    const profile = new iam.InstanceProfile(this, 'InstanceProfile', { role });

    const plans = planComponents(name, pipeline, runnerVersion);
    const components = plans.map(
      (plan) =>
        new imagebuilder.CfnComponent(this, `Component-${plan.key}`, {
          name: `${name}-${plan.key}`,
          version: plan.version,
          platform: 'Linux',
          description: plan.description,
          data: plan.data,
          tags,
        }),
    );

    const parentImage = ubuntuParentImage(pipeline.base, pipeline.architecture);
    const blockDeviceMappings = [
      {
        deviceName: '/dev/sda1',
        ebs: {
          volumeSize: pipeline.rootVolumeGiB,
          volumeType: 'gp3',
          encrypted: true,
          deleteOnTermination: true,
        },
      },
    ];
    // Ubuntu ships the SSM agent; Image Builder must never remove it after the build.
    const additionalInstanceConfiguration = { systemsManagerAgent: { uninstallAfterBuild: false } };
    const recipe = new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      name,
      description,
      version: contentVersion({
        description,
        parentImage,
        blockDeviceMappings,
        additionalInstanceConfiguration,
        components: plans.map((p) => ({ name: `${name}-${p.key}`, version: p.version })),
      }),
      parentImage,
      components: components.map((c) => ({ componentArn: c.attrArn })),
      blockDeviceMappings,
      additionalInstanceConfiguration,
      tags,
    });

    const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name,
      description,
      instanceProfileName: profile.instanceProfileName,
      instanceTypes: pipeline.instanceTypes,
      subnetId: pipeline.subnetId,
      securityGroupIds: pipeline.securityGroupIds.length ? pipeline.securityGroupIds : undefined,
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: 'required' },
      resourceTags: tags,
      tags,
    });

    // No launchTemplateConfigurations: the rollout creates launch template versions itself.
    const distribution = new imagebuilder.CfnDistributionConfiguration(this, 'Distribution', {
      name,
      description,
      distributions: [
        {
          region: stack.region,
          // Untyped in the L1, so it takes CloudFormation's PascalCase keys.
          amiDistributionConfiguration: {
            Name: `${name}-{{ imagebuilder:buildDate }}`,
            Description: description,
            AmiTags: tags,
          },
        },
      ],
      tags,
    });

    // No schedule: our EventBridge Scheduler starts builds through the API.
    const imagePipeline = new imagebuilder.CfnImagePipeline(this, 'Pipeline', {
      name,
      description,
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: infrastructure.attrArn,
      distributionConfigurationArn: distribution.attrArn,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 120 },
      enhancedImageMetadataEnabled: true,
      status: 'ENABLED',
      tags,
    });

    this.pipelineArn = imagePipeline.attrArn;
    this.pipelineName = name;
    this.recipeName = name;
    this.imageArnPattern = Fn.join('', [
      'arn:',
      stack.partition,
      ':imagebuilder:',
      stack.region,
      ':',
      stack.account,
      `:image/${name}/`,
    ]);
  }
}
