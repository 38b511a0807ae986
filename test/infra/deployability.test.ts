import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Validations } from 'aws-cdk-lib';

import { buildApp } from '../../infra/app';
import {
  DeployabilityChecks,
  deployabilityFindings,
  MAX_LAMBDA_ENVIRONMENT_BYTES,
} from '../../infra/deployability';
import { testApp } from '../helpers/app';
import { writeLargeConfig } from '../fixtures/large-config';
import { join } from 'node:path';

const EXAMPLE = join(__dirname, '..', '..', 'config', 'example.yaml');

const fn = (variables: Record<string, unknown>) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Environment: { Variables: variables } },
});
const rules = (resources: Record<string, unknown>) =>
  deployabilityFindings({ Resources: resources as never }).map((f) => `${f.rule} ${f.resource}`);

type Resource = { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } };
const environmentBytes = (template: Template): Record<string, number> =>
  Object.fromEntries(
    Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).map((r) => {
      const vars = r.Properties.Environment?.Variables ?? {};
      return [String(vars.POWERTOOLS_SERVICE_NAME), Buffer.byteLength(JSON.stringify(vars))];
    }),
  );

describe('deployabilityFindings', () => {
  it('finds a function environment over 4 KB, counting keys and values', () => {
    expect(rules({ Small: fn({ A: 'x'.repeat(4000) }), Big: fn({ A: 'x'.repeat(4096) }) })).toEqual([
      'lambda-environment-size Big',
    ]);
  });

  it('counts a deploy-time value at its upper bound, not at the length of its intrinsic', () => {
    const refs = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`R${i}`, { Ref: `Table${i}` }]));

    expect(rules({ Refs: fn(refs) })).toEqual(['lambda-environment-size Refs']);
    expect(rules({ Account: fn({ A: { Ref: 'AWS::AccountId' } }) })).toEqual([]);
  });

  it('counts AWS::StackId at the length of the longest stack ARN', () => {
    const longestStackId = `arn:aws-us-gov:cloudformation:ap-southeast-5:123456789012:stack/${'s'.repeat(128)}/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`;
    const filler = 'x'.repeat(
      MAX_LAMBDA_ENVIRONMENT_BYTES + 1 - 'REF'.length - longestStackId.length - 'F'.length,
    );

    expect(longestStackId).toHaveLength(229);
    expect(rules({ Fn: fn({ F: filler, REF: { Ref: 'AWS::StackId' } }) })).toEqual([
      'lambda-environment-size Fn',
    ]);
  });

  it('counts a join over a list-valued intrinsic as one deploy-time value', () => {
    expect(rules({ Zones: fn({ Z: { 'Fn::Join': [',', { 'Fn::GetAZs': '' }] } }) })).toEqual([]);
  });

  it('adds up the inline policies of one role', () => {
    const policy = (role: string) => ({
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: role }],
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'x:Y', Resource: 'r'.repeat(5200) }] },
      },
    });

    expect(rules({ One: policy('RoleA'), Two: policy('RoleA'), Three: policy('RoleB') })).toEqual([
      'iam-role-inline-policy-size RoleA',
    ]);
  });

  it('finds a stack over 500 resources', () => {
    const many = Object.fromEntries(
      Array.from({ length: 501 }, (_, i) => [`Q${i}`, { Type: 'AWS::SQS::Queue' }]),
    );

    expect(rules(many)).toEqual(['stack-resource-count (stack)']);
  });

  it('finds a template over 1 MB', () => {
    expect(rules({ Big: { Type: 'AWS::SQS::Queue', Properties: { Tags: 'x'.repeat(1_048_576) } } })).toEqual([
      'stack-template-size (stack)',
    ]);
  });

  it.each([
    ['Standard', 4097, true],
    ['Standard', 4096, false],
    ['Intelligent-Tiering', 8192, false],
    ['Intelligent-Tiering', 8193, true],
    ['Advanced', 8193, true],
  ])('checks a %s parameter of %i bytes against its tier', (tier, bytes, refused) => {
    const found = rules({
      P: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Tier: tier, Type: 'String', Value: 'v'.repeat(bytes) },
      },
    });

    expect(found).toEqual(refused ? ['ssm-parameter-size P'] : []);
  });

  it('finds a document parameter whose default its own pattern or values refuse', () => {
    const document = (parameters: object) => ({
      Type: 'AWS::SSM::Document',
      Properties: { Content: { parameters } },
    });

    expect(
      rules({
        Good: document({ t: { type: 'String', default: '900', allowedPattern: '^[0-9]+$' } }),
        BadPattern: document({
          t: { type: 'String', default: '600', allowedPattern: '^(9[0-9]{2}|[1-9][0-9]{3})$' },
        }),
        BadValue: document({ m: { type: 'String', default: 'x', allowedValues: ['a', 'b'] } }),
      }),
    ).toEqual(['ssm-document-default BadPattern', 'ssm-document-default BadValue']);
  });
});

describe('DeployabilityChecks', () => {
  it('fails synth, naming the resource and the limit', () => {
    const app = testApp();
    const stack = new Stack(app, 'Stack');
    new LambdaFunction(stack, 'Crowded', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = () => {}'),
      environment: { AUTOPILOT_CONFIG: 'x'.repeat(MAX_LAMBDA_ENVIRONMENT_BYTES) },
    });
    Validations.of(app).addPlugins(new DeployabilityChecks());

    expect(() => app.synth()).toThrow(
      /Lambda refuses more than 4096 in total[\s\S]*Stack\/Crowded[\s\S]*lambda-environment-size/,
    );
  });
});

describe.each([
  ['the example config', () => EXAMPLE],
  ['a config of 25 fleets and 6 pipelines', () => writeLargeConfig()],
])('%s', (_, configPath) => {
  const { autopilot, images } = buildApp(testApp(), configPath());
  const template = Template.fromStack(autopilot);

  it('synthesizes with no deployability finding', () => {
    expect(deployabilityFindings(template.toJSON())).toEqual([]);
    expect(deployabilityFindings(Template.fromStack(images).toJSON())).toEqual([]);
  });

  it('keeps every function environment well under 4 KB, whatever the number of fleets', () => {
    const sizes = environmentBytes(template);

    expect(Object.keys(sizes).length).toBeGreaterThanOrEqual(13);
    for (const [name, bytes] of Object.entries(sizes)) expect([name, bytes < 1024]).toEqual([name, true]);
  });
});

describe('the 25-fleet config', () => {
  it('has 25 fleets and 6 pipelines', () => {
    const { autopilot } = buildApp(testApp(), writeLargeConfig());

    const sweeper = autopilot.functions.find((f) => f.serviceName === 'fleet-sweeper');
    const doc = sweeper?.config.document as { fleets: unknown[] };
    const bakes = Object.keys(Template.fromStack(autopilot).findResources('AWS::Scheduler::Schedule')).filter(
      (id) => id.startsWith('BakeSchedule'),
    );
    expect(doc.fleets).toHaveLength(25);
    expect(bakes).toHaveLength(6);
  });
});
