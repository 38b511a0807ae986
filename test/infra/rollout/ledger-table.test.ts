import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';

import { LedgerTable } from '../../../infra/rollout/ledger-table';
import { testApp } from '../../helpers/app';

const build = (props: ConstructorParameters<typeof LedgerTable>[2] = {}) => {
  const app = testApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Ledger', { env: { account: '123456789012', region: 'us-east-2' } });
  const ledger = new LedgerTable(stack, 'Ledger', props);
  return { app, stack, ledger, template: () => Template.fromStack(stack) };
};

describe('LedgerTable', () => {
  it('keys items by pk/sk strings and bills on demand', () => {
    const { template } = build();

    template().hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('has the sparse byWaiting index on gsi1pk/gsi1sk, projecting every attribute', () => {
    const { template } = build();

    template().hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byWaiting',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ]),
    });
  });

  it('keeps the audit trail: point-in-time recovery, deletion protection, retained with the stack', () => {
    const { template } = build();

    template().hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
  });

  it('encrypts with the AWS managed key and expires items on the ttl attribute', () => {
    const { template } = build();

    template().hasResourceProperties('AWS::DynamoDB::Table', {
      // SSE on without a key of ours: the AWS managed key (aws/dynamodb).
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    template().resourceCountIs('AWS::KMS::Key', 0);
  });

  it('takes the table name when given one', () => {
    const { template } = build({ tableName: 'runner-autopilot-ledger' });

    template().hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'runner-autopilot-ledger' });
  });

  it('grants exactly the ledger actions on the table and its byWaiting index, no wildcard', () => {
    const { stack, ledger, template } = build();
    const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });

    ledger.grantReadWrite(role);

    const tableArn = { 'Fn::GetAtt': [stack.getLogicalId(ledger.table.node.defaultChild as never), 'Arn'] };
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
            Resource: [tableArn, { 'Fn::Join': ['', [tableArn, '/index/byWaiting']] }],
          },
        ],
      },
    });
  });

  it('grants only the ledger actions among the operations it is given', () => {
    const { stack, ledger, template } = build();
    const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });

    ledger.grantReadWrite(role, ['dynamodb:GetItem', 'ec2:RunInstances']);

    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Allow', Action: 'dynamodb:GetItem' })] },
    });
  });

  it('passes cdk-nag AwsSolutions without findings or warnings, grants included', () => {
    const { app, stack, ledger } = build();
    ledger.grantReadWrite(
      new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
    );

    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });
});
