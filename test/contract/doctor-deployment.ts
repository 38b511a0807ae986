import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTagsCommand, EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import {
  CreateRoleCommand,
  IAMClient,
  type PolicyEvaluationDecisionType,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import {
  type ImagebuilderClient,
  type ImageSummary,
  ListImagePipelineImagesCommand,
  ListImagePipelinesCommand,
} from '@aws-sdk/client-imagebuilder';
import { GetAccountSettingsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeInstanceInformationCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { AwsClientStub } from 'aws-sdk-client-mock';

import { WEBHOOK_FUNCTION_LOGICAL_ID } from '../../cli/doctor/account';
import { autopilotStackName } from '../../cli/doctor/aws/stack';
import { jobGroupsOf } from '../../cli/doctor/config';
import type { SuiteConfig } from '../../functions/shared/config';
import { createRollout } from '../../functions/shared/ledger';
import { DEPLOYMENT_TAG, IMAGE_KIND_TAG, PIPELINE_TAG } from '../../functions/shared/names';
import { candidateIdFor } from '../../functions/shared/rollout/decide';
import type { ImageRollout, RolloutState } from '../../functions/shared/rollout/model';
import { ledgerTableName } from '../../infra/naming';
import { LedgerTable } from '../../infra/rollout/ledger-table';
import { RunnerConfigParameters } from '../../infra/rollout/runner-config-parameters';
import { rollout } from '../fixtures/rollout';
import { testApp } from '../helpers/app';

/**
 * What a deploy of the example's autopilot makes, seeded into moto as the deploy makes it (the
 * synthesized ledger table and config parameters, the stack with its webhook function and
 * outputs, the images its pipelines bake), what an operator creates beside it (the secrets), and
 * what moto lacks, answered by aws-sdk-client-mock stubs the tests pass in: Image Builder (not in
 * moto at all), iam:SimulatePrincipalPolicy and ssm:DescribeInstanceInformation (HTTP 500 in moto
 * 5.2), lambda:GetAccountSettings (HTTP 404). The area tests and the end-to-end doctor test share them.
 */

const DEPLOYMENT = 'gitlab-runners';
const ACCOUNT = '123456789012';
export const STACK = autopilotStackName(DEPLOYMENT);
export const LEDGER_TABLE = ledgerTableName(DEPLOYMENT);
export const WEBHOOK_FUNCTION = `${STACK}-webhook`;
export const JOBS_TEMPLATE = 'gitlab-runner-autoscaler';
export const MANAGER_TEMPLATE = 'gitlab-runner-manager';

export type PipelineName = 'jobs' | 'manager';
const PIPELINES: readonly PipelineName[] = ['jobs', 'manager'];

// --- The images the pipelines bake ---

export const pipelineArn = (p: PipelineName): string =>
  `arn:aws:imagebuilder:us-east-2:${ACCOUNT}:image-pipeline/${DEPLOYMENT}-${p}`;
export const imageArn = (p: PipelineName, version: string): string =>
  `arn:aws:imagebuilder:us-east-2:${ACCOUNT}:image/${DEPLOYMENT}-${p}/${version}`;

/** A build of a pipeline as ListImagePipelineImages lists it; `ami`: its AMI in us-east-2. */
export const build = (
  pipeline: PipelineName,
  created: Date,
  status: string,
  { reason, version = '1.0.1/3', ami }: { reason?: string; version?: string; ami?: string } = {},
): ImageSummary => ({
  arn: imageArn(pipeline, version),
  version,
  dateCreated: created.toISOString(),
  state: { status: status as 'AVAILABLE', ...(reason ? { reason } : {}) },
  ...(ami ? { outputResources: { amis: [{ region: 'us-east-2', image: ami }] } } : {}),
});

/** Image Builder as the deploy leaves it: the `deployed` pipelines, each with its builds. */
export const stubPipelines = (
  imageBuilder: AwsClientStub<ImagebuilderClient>,
  images: Partial<Record<PipelineName, ImageSummary[]>>,
  deployed: readonly PipelineName[] = PIPELINES,
): void => {
  imageBuilder.on(ListImagePipelinesCommand).resolves({
    imagePipelineList: deployed.map((p) => ({ name: `${DEPLOYMENT}-${p}`, arn: pipelineArn(p) })),
  });
  for (const p of PIPELINES)
    imageBuilder
      .on(ListImagePipelineImagesCommand, { imagePipelineArn: pipelineArn(p) })
      .resolves({ imageSummaryList: images[p] ?? [] });
};

/** An AMI of the account, tagged as the given pipeline's bakes tag theirs (none: not ours). */
export const registerAmi = async (name: string, pipeline?: PipelineName): Promise<string> => {
  const ec2 = new EC2Client({});
  const out = await ec2.send(new RegisterImageCommand({ Name: name, RootDeviceName: '/dev/sda1' }));
  const imageId = out.ImageId ?? '';
  if (pipeline)
    await ec2.send(
      new CreateTagsCommand({
        Resources: [imageId],
        Tags: [
          { Key: DEPLOYMENT_TAG, Value: DEPLOYMENT },
          { Key: PIPELINE_TAG, Value: pipeline },
          { Key: IMAGE_KIND_TAG, Value: pipeline },
        ],
      }),
    );
  return imageId;
};

// --- The ledger ---

let table: CreateTableCommandInput | undefined;

/**
 * The ledger table's CloudFormation properties as synthesized: keys, index and billing from infra
 * (synthesized once: a synth takes a second).
 */
export const synthesizedTable = (): CreateTableCommandInput => (table ??= synthesizeTable());

const synthesizeTable = (): CreateTableCommandInput => {
  const stack = new Stack(testApp(), 'Ledger');
  new LedgerTable(stack, 'Ledger', { tableName: LEDGER_TABLE });
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
  const props = (table as { Properties: Record<string, unknown> }).Properties;
  return {
    TableName: LEDGER_TABLE,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
    BillingMode: props.BillingMode,
  } as CreateTableCommandInput;
};

export const createLedger = async (): Promise<void> => {
  await new DynamoDBClient({}).send(new CreateTableCommand(synthesizedTable()));
};

const HOUR = 3_600_000;

/**
 * A rollout of `image` on one of the example's templates, as stage-candidate records it under the
 * lead fleet, in `state` since 8 hours before `now`.
 */
export const imageRolloutAt =
  (now: Date) =>
  (
    template: typeof JOBS_TEMPLATE | typeof MANAGER_TEMPLATE,
    image: string,
    state: RolloutState,
    overrides: Partial<ImageRollout> = {},
  ): ImageRollout => {
    const hoursAgo = (h: number): string => new Date(now.getTime() - h * HOUR).toISOString();
    const jobs = template === JOBS_TEMPLATE;
    return rollout({
      fleet: jobs ? 'jobs-docker' : 'manager',
      fleets: jobs ? ['jobs-docker', 'jobs-instance'] : ['manager'],
      role: jobs ? 'jobs' : 'manager',
      pipeline: jobs ? 'jobs' : 'manager',
      candidateId: candidateIdFor(template, image),
      imageArn: image,
      amiId: jobs ? 'ami-0aaaaaaaaaaaaaaa3' : 'ami-0bbbbbbbbbbbbbbb3',
      candidateVersion: 7,
      state,
      stateSince: hoursAgo(8),
      history: [
        { at: hoursAgo(9.5), state: 'staged', note: 'candidate version 7 created' },
        { at: hoursAgo(8), state, note: `entered ${state}` },
      ],
      ...overrides,
    });
  };

/**
 * Both templates rolled out (done 8 hours before `now`) to their pipeline's build 1.0.1/3, with
 * its AMI when given.
 */
export const rolledOut = async (
  now: Date,
  amis: Partial<Record<PipelineName, string>> = {},
): Promise<void> => {
  const imageRollout = imageRolloutAt(now);
  const ami = (p: PipelineName) => (amis[p] ? { amiId: amis[p] } : {});
  await createRollout(
    LEDGER_TABLE,
    imageRollout(JOBS_TEMPLATE, imageArn('jobs', '1.0.1/3'), 'done', ami('jobs')),
  );
  await createRollout(
    LEDGER_TABLE,
    imageRollout(MANAGER_TEMPLATE, imageArn('manager', '1.0.1/3'), 'done', ami('manager')),
  );
};

// --- The manager's published config and the secrets ---

const managerOf = (config: SuiteConfig) => {
  const manager = config.fleets.find((f) => f.role === 'manager');
  if (!manager?.runnerConfig) throw new Error('the example config has a manager fleet with a runnerConfig');
  return { ...manager, runnerConfig: manager.runnerConfig };
};

/** The manager's config parameters as the stack synthesizes them from its files: name and value. */
export const synthesizedParameters = (
  config: SuiteConfig,
  templateFile = managerOf(config).runnerConfig.template,
): { name: string; value: string }[] => {
  const manager = managerOf(config);
  const stack = new Stack(testApp(), 'Config');
  new RunnerConfigParameters(stack, 'RunnerConfig', {
    deployment: config.deployment,
    fleet: manager.name,
    templateFile,
    valuesFile: manager.runnerConfig.values,
    jobGroups: jobGroupsOf(config, manager.name),
  });
  return Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter')).map((r) => {
    const props = (r as { Properties: { Name: string; Value: string } }).Properties;
    return { name: props.Name, value: props.Value };
  });
};

export const putParameter = (name: string, value: string, type: 'String' | 'SecureString' = 'String') =>
  new SSMClient({}).send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));

export const publishConfig = async (
  parameters: readonly { name: string; value: string }[],
): Promise<void> => {
  for (const p of parameters) await putParameter(p.name, p.value);
};

/** The SecureString parameters the example's manager config, webhook and kubeconfig name. */
export const SECRET_PARAMETERS = {
  instanceToken: '/runner-autopilot/gitlab-runners/manager/instance-runner-token',
  dockerToken: '/runner-autopilot/gitlab-runners/manager/docker-runner-token',
  webhookToken: '/runner-autopilot/gitlab-webhook-token',
  kubeconfig: '/runner-autopilot/kubeconfig',
} as const;

/** Creates the secrets an operator creates before deploying, but those in `skip`. */
export const createSecrets = async ({
  skip = [],
  secretsManager = [],
}: { skip?: readonly string[]; secretsManager?: readonly string[] } = {}): Promise<void> => {
  for (const name of Object.values(SECRET_PARAMETERS).filter((n) => !skip.includes(n)))
    await putParameter(name, 'not-a-real-secret', 'SecureString');
  for (const name of secretsManager.filter((n) => !skip.includes(n)))
    await new SecretsManagerClient({}).send(
      new CreateSecretCommand({ Name: name, SecretString: 'https://hooks.example.com/x' }),
    );
};

// --- The autopilot stack ---

/**
 * The autopilot stack as far as doctor reads it: the webhook function under its pinned logical id
 * (with its reservation, if any) and the stack's outputs.
 */
export const deployAutopilotStack = async ({
  outputs = {},
  reserved,
}: { outputs?: Record<string, string>; reserved?: number } = {}): Promise<void> => {
  const role = await new IAMClient({}).send(
    new CreateRoleCommand({ RoleName: 'webhook', AssumeRolePolicyDocument: '{}' }),
  );
  await new CloudFormationClient({}).send(
    new CreateStackCommand({
      StackName: STACK,
      TemplateBody: JSON.stringify({
        Resources: {
          [WEBHOOK_FUNCTION_LOGICAL_ID]: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              FunctionName: WEBHOOK_FUNCTION,
              Runtime: 'nodejs20.x',
              Handler: 'index.handler',
              Role: role.Role?.Arn,
              Code: { ZipFile: 'exports.handler = async () => ({ statusCode: 202 });' },
              ...(reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved }),
            },
          },
        },
        Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
      }),
    }),
  );
};

// --- What moto lacks ---

/** The answers of the calls moto lacks; a test changes them before doctor asks. */
export interface Gaps {
  /** What IAM's simulator decides, per role ARN and action: allowed unless listed. */
  refused: Record<string, Partial<Record<string, PolicyEvaluationDecisionType>>>;
  /** The instances SSM sees online. */
  online: Set<string>;
  /** Every simulation asked, in order. */
  readonly asked: SimulatePrincipalPolicyCommandInput[];
  /** The account's unreserved concurrency, of a quota of 1000. */
  unreserved: number;
}

export const freshGaps = (): Gaps => ({ refused: {}, online: new Set(), asked: [], unreserved: 900 });

/**
 * Stubs, on the given mocks, only the calls moto lacks, answered from `gaps` at call time; every
 * other call of those clients passes through to moto.
 */
export const stubGaps = (
  gaps: Gaps,
  mocks: {
    readonly iam?: AwsClientStub<IAMClient>;
    readonly ssm?: AwsClientStub<SSMClient>;
    readonly lambda?: AwsClientStub<LambdaClient>;
  },
): void => {
  const { iam, ssm, lambda } = mocks;
  for (const mock of [iam, ssm, lambda]) {
    mock?.reset();
    mock?.send.callThrough();
  }
  iam?.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => {
    gaps.asked.push(input);
    const role = gaps.refused[input.PolicySourceArn ?? ''] ?? {};
    return {
      EvaluationResults: (input.ActionNames ?? []).map((a) => ({
        EvalActionName: a,
        EvalResourceName: input.ResourceArns?.[0] ?? '*',
        EvalDecision: role[a] ?? 'allowed',
      })),
      IsTruncated: false,
    };
  });
  ssm
    ?.on(DescribeInstanceInformationCommand)
    .callsFake((input: { Filters?: { Key?: string; Values?: string[] }[] }) => ({
      InstanceInformationList: (input.Filters?.find((f) => f.Key === 'InstanceIds')?.Values ?? [])
        .filter((id) => gaps.online.has(id))
        .map((id) => ({ InstanceId: id, PingStatus: 'Online' })),
    }));
  lambda?.on(GetAccountSettingsCommand).callsFake(() => ({
    AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: gaps.unreserved },
  }));
};
