import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parse } from 'yaml';

import * as v from '../../functions/shared/valibot';
import type { Pipeline } from '../../functions/shared/config';
import { JobsPipeline, ManagerPipeline } from '../../functions/shared/config';
import { testApp } from '../helpers/app';
import { resolveIntrinsics } from '../../infra/intrinsics';
import { RunnerImagePipeline } from '../../infra/image-builder/runner-image-pipeline';

const jobs = (overrides: Record<string, unknown> = {}): Pipeline =>
  v.parse(JobsPipeline, {
    name: 'jobs',
    kind: 'jobs',
    instanceTypes: ['c7a.4xlarge'],
    connectorUser: 'ubuntu',
    prePullImages: ['docker.io/library/alpine:3.22', 'docker.io/library/docker:28-dind'],
    kubeconfig: { mode: 'boot', parameter: '/runner-autopilot/kubeconfig' },
    ...overrides,
  });
const manager = (overrides: Record<string, unknown> = {}): Pipeline =>
  v.parse(ManagerPipeline, {
    name: 'manager',
    kind: 'manager',
    instanceTypes: ['t3.medium'],
    fleetingPluginVersion: '1.0.0',
    ...overrides,
  });

const newStack = () => {
  const app = testApp();
  const stack = new Stack(app, 'Images', { env: { account: '123456789012', region: 'us-east-2' } });
  return { app, stack };
};
const synth = (pipeline: Pipeline, runnerVersion = '18.6.2') => {
  const { stack } = newStack();
  const construct = new RunnerImagePipeline(stack, 'Jobs', {
    deployment: 'gitlab-runners',
    pipeline,
    runnerVersion,
  });
  return { stack, construct, template: Template.fromStack(stack) };
};
const resourcesOf = (template: Template, type: string) =>
  Object.values(template.findResources(type)) as { Properties: Record<string, unknown> }[];
const componentData = (template: Template): string[] =>
  resourcesOf(template, 'AWS::ImageBuilder::Component').map((c) => c.Properties.Data as string);
const recipeVersion = (template: Template) =>
  resourcesOf(template, 'AWS::ImageBuilder::ImageRecipe')[0]!.Properties.Version;

describe('RunnerImagePipeline', () => {
  it('creates no launch template versions when distributing', () => {
    const { template } = synth(jobs());

    template.hasResourceProperties('AWS::ImageBuilder::DistributionConfiguration', {
      Distributions: [
        {
          Region: 'us-east-2',
          AmiDistributionConfiguration: Match.objectLike({
            Name: 'gitlab-runners-jobs-{{ imagebuilder:buildDate }}',
          }),
          LaunchTemplateConfigurations: Match.absent(),
        },
      ],
    });
  });

  it('runs image tests and has no Image Builder schedule', () => {
    const { template } = synth(jobs());

    template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
      Name: 'gitlab-runners-jobs',
      Status: 'ENABLED',
      ImageTestsConfiguration: Match.objectLike({ ImageTestsEnabled: true }),
      Schedule: Match.absent(),
    });
  });

  it.each([
    ['ubuntu-24.04', 'x86_64', 'c7a.large', '24.04/stable/current/amd64/hvm/ebs-gp3'],
    ['ubuntu-22.04', 'arm64', 'c7g.large', '22.04/stable/current/arm64/hvm/ebs-gp2'],
  ])('starts %s %s from Canonical public parameter', (base, architecture, type, path) => {
    const { template } = synth(jobs({ base, architecture, instanceTypes: [type] }));

    template.hasResourceProperties('AWS::ImageBuilder::ImageRecipe', {
      ParentImage: `ssm:/aws/service/canonical/ubuntu/server/${path}/ami-id`,
    });
  });

  it('gives the recipe an encrypted gp3 root volume of the configured size', () => {
    const { template } = synth(jobs({ rootVolumeGiB: 80 }));

    template.hasResourceProperties('AWS::ImageBuilder::ImageRecipe', {
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/sda1',
          Ebs: Match.objectLike({ VolumeSize: 80, VolumeType: 'gp3', Encrypted: true }),
        },
      ],
    });
  });

  it('requires IMDSv2 and terminates failed build instances', () => {
    const { template } = synth(
      jobs({ subnetId: 'subnet-0123456789abcdef0', securityGroupIds: ['sg-0123456789abcdef0'] }),
    );

    template.hasResourceProperties('AWS::ImageBuilder::InfrastructureConfiguration', {
      InstanceTypes: ['c7a.4xlarge'],
      SubnetId: 'subnet-0123456789abcdef0',
      SecurityGroupIds: ['sg-0123456789abcdef0'],
      TerminateInstanceOnFailure: true,
      InstanceMetadataOptions: { HttpTokens: 'required' },
    });
  });

  it('gives build instances the SSM and Image Builder managed policies', () => {
    const { template } = synth(jobs());

    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([
        Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([':iam::aws:policy/AmazonSSMManagedInstanceCore'])],
        }),
        Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([':iam::aws:policy/EC2InstanceProfileForImageBuilder'])],
        }),
      ]),
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it('puts the configured versions, user and images into the component documents', () => {
    const { template } = synth(
      jobs({ connectorUser: 'ci', tools: { kubectl: '1.33.1', terraform: '1.13.4' } }),
      '18.5.0',
    );
    const data = componentData(template).join('\n');

    expect(data).toContain("export RUNNER_VERSION='18.5.0'");
    expect(data).toContain("export KUBECTL_VERSION='1.33.1'");
    expect(data).toContain("export TERRAFORM_VERSION='1.13.4'");
    expect(data).toContain("export CONNECTOR_USER='ci'");
    expect(data).toContain('docker.io/library/docker:28-dind');
    expect(componentData(template).map((d) => (parse(d) as { schemaVersion: string }).schemaVersion)).toEqual(
      Array(10).fill('1.0'),
    );
  });

  it('changes the recipe version when its content changes and keeps it otherwise', () => {
    const base = recipeVersion(synth(jobs()).template);

    expect(recipeVersion(synth(jobs()).template)).toBe(base);
    expect(recipeVersion(synth(jobs({ rootVolumeGiB: 60 })).template)).not.toBe(base);
    expect(recipeVersion(synth(jobs({ base: 'ubuntu-22.04' })).template)).not.toBe(base);
    expect(recipeVersion(synth(jobs(), '18.6.3').template)).not.toBe(base);
  });

  it('changes a component version only with its content', () => {
    const versions = (t: Template) =>
      resourcesOf(t, 'AWS::ImageBuilder::Component').map((c) => [c.Properties.Name, c.Properties.Version]);
    const before = new Map(versions(synth(jobs()).template) as [string, string][]);
    const after = new Map(
      versions(synth(jobs({ prePullImages: ['docker.io/library/alpine:3.23'] })).template) as [
        string,
        string,
      ][],
    );
    const changed = [...before].filter(([name, v]) => after.get(name) !== v).map(([name]) => name);

    expect(changed).toEqual(['gitlab-runners-jobs-pre-pull-images', 'gitlab-runners-jobs-test-jobs']);
  });

  it('installs the boot unit for the default kubeconfig mode and grants no parameter access', () => {
    const { template, stack } = synth(jobs());

    expect(componentData(template).some((d) => d.includes('systemctl enable fetch-kubeconfig.service'))).toBe(
      true,
    );
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('kubeconfig'));
  });

  it('warns that every snapshot holds the credential when the kubeconfig is baked', () => {
    const kubeconfig = {
      mode: 'baked',
      parameter: '/runner-autopilot/kubeconfig',
      acceptCredentialInSnapshots: true,
    };
    const { template, stack } = synth(jobs({ kubeconfig }));

    Annotations.fromStack(stack).hasWarning(
      '/Images/Jobs',
      Match.stringLikeRegexp('every AMI snapshot holds the credential'),
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'ssm:GetParameter',
            Effect: 'Allow',
            Resource: 'arn:aws:ssm:us-east-2:123456789012:parameter/runner-autopilot/kubeconfig',
          },
        ],
      },
    });
  });

  it('installs but does not enable the runner in a manager image', () => {
    const { template } = synth(manager());
    const data = componentData(template).join('\n');

    expect(data).toContain(
      'gitlab-runner install --user gitlab-runner --working-directory /home/gitlab-runner',
    );
    expect(data).toContain('systemctl disable gitlab-runner.service');
    expect(data).not.toMatch(/systemctl (enable|start)[^\n]*gitlab-runner/);
    expect(data).toContain('plugin = "aws:${FLEETING_PLUGIN_VERSION:?}"');
    expect(data).toContain("export FLEETING_PLUGIN_VERSION='1.0.0'");
    expect(data).toContain('amazon-cloudwatch-agent');
    expect(data).toContain('installed_but_disabled');
  });

  it('synthesizes two pipelines in one stack with distinct names', () => {
    const { stack } = newStack();

    const a = new RunnerImagePipeline(stack, 'Jobs', {
      deployment: 'gitlab-runners',
      pipeline: jobs(),
      runnerVersion: '18.6.2',
    });
    const b = new RunnerImagePipeline(stack, 'Manager', {
      deployment: 'gitlab-runners',
      pipeline: manager(),
      runnerVersion: '18.6.2',
    });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::ImageBuilder::ImagePipeline', 2);
    template.resourceCountIs('AWS::ImageBuilder::ImageRecipe', 2);
    expect([a.recipeName, b.recipeName]).toEqual(['gitlab-runners-jobs', 'gitlab-runners-manager']);
    const names = resourcesOf(template, 'AWS::ImageBuilder::Component').map((c) => c.Properties.Name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('exposes an image ARN prefix scoped to its recipe', () => {
    const { stack, construct } = synth(jobs());

    expect(resolveIntrinsics(stack.resolve(construct.imageArnPattern))).toBe(
      'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/',
    );
    expect(stack.resolve(construct.pipelineArn)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^JobsPipeline/), 'Arn'],
    });
  });

  it('passes cdk-nag AwsSolutions once its listed acknowledgements are applied', () => {
    const { app, stack } = newStack();
    Validations.of(app).addPlugins(new AwsSolutionsChecks());
    const construct = new RunnerImagePipeline(stack, 'Jobs', {
      deployment: 'gitlab-runners',
      pipeline: jobs(),
      runnerVersion: '18.6.2',
    });

    for (const ack of construct.nagAcknowledgements) Validations.of(construct).acknowledge(ack);

    expect(() => app.synth()).not.toThrow();
  });

  it('throws when an instance type does not match the architecture', () => {
    const { stack } = newStack();

    expect(
      () =>
        new RunnerImagePipeline(stack, 'Jobs', {
          deployment: 'gitlab-runners',
          pipeline: jobs({ instanceTypes: ['c7g.large'] }),
          runnerVersion: '18.6.2',
        }),
    ).toThrow(/instance type "c7g.large" is arm64 but the image is x86_64/);
  });
});
