import { join } from 'node:path';

import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import * as v from '../../../functions/shared/valibot';

import { HousekeepingInput } from '../../../functions/housekeeper/schema';
import { HousekeeperSettings } from '../../../functions/housekeeper/settings';
import { buildApp } from '../../../infra/app';
import { AutopilotFunction } from '../../../infra/autopilot-function';
import { Housekeeping } from '../../../infra/rollout/housekeeping';
import { LedgerTable } from '../../../infra/rollout/ledger-table';
import { loadConfig } from '../../../infra/load-config';
import { testApp } from '../../helpers/app';
import { deployedSlice, functionNamed } from '../../helpers/function-config';
import { resolveIntrinsics } from '../../../rehearsal/event-pattern';
import { fixture } from '../../helpers/fixtures';

const EXAMPLE = join(__dirname, '..', '..', '..', 'config', 'example.yaml');

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

const synthExample = () => {
  const app = testApp();
  const stacks = buildApp(app, EXAMPLE);
  return { app, ...stacks, template: Template.fromStack(stacks.autopilot) };
};

const housekeeperId = (template: Template): string => {
  const id = Object.keys(template.findResources('AWS::Lambda::Function')).find((k) =>
    k.startsWith('housekeeper'),
  );
  if (!id) throw new Error('no housekeeper function');
  return id;
};

describe('Housekeeping', () => {
  const { app, autopilot, template } = synthExample();
  const fnId = housekeeperId(template);
  const fn = template.findResources('AWS::Lambda::Function')[fnId] as Resource;
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
  const statements = (): Statement[] =>
    (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
  const statementFor = (action: string): Statement => {
    const found = statements().filter((s) => actionsOf(s).includes(action));
    expect(found).toHaveLength(1);
    return found[0] as Statement;
  };
  const ours = { StringEquals: { 'aws:ResourceTag/runner-autopilot:deployment': 'gitlab-runners' } };

  it('keeps the whole app cdk-nag clean, with no warnings', () => {
    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(autopilot).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(autopilot).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('runs the housekeeper on Node.js 24 with a failure destination after two retries', () => {
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('alarms on its permanent failures', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PermanentFailure',
      Dimensions: [{ Name: 'service', Value: 'housekeeper' }],
    });
  });

  it('runs daily at 03:30 UTC with the scheduled time as input, retrying delivery into the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
  });

  it('gets an input its schema accepts, shaped like the sample event', () => {
    const sample = fixture('scheduler/housekeeping.json');

    expect(v.safeParse(HousekeepingInput, sample).success).toBe(true);
    expect(Object.keys(sample)).toEqual(['scheduledTime']);
  });

  it('hands the function its settings slice from the config, dry run as configured', () => {
    const slice = deployedSlice(functionNamed(autopilot, 'housekeeper'), {
      [`${ledgerId()}`]: 'ledger-table',
    });

    expect(v.parse(HousekeeperSettings, slice)).toEqual({
      ledgerTable: 'ledger-table',
      region: 'us-east-2',
      deployment: 'gitlab-runners',
      keepVersions: 10,
      amiRetentionDays: 30,
      dryRun: true,
      fleets: [
        {
          name: 'manager',
          autoScalingGroup: 'gitlab-runner-manager',
          launchTemplate: 'gitlab-runner-manager',
        },
        {
          name: 'jobs-instance',
          autoScalingGroup: 'gitlab-runner-ao-group',
          launchTemplate: 'gitlab-runner-autoscaler',
        },
        {
          name: 'jobs-docker',
          autoScalingGroup: 'gitlab-runner-ao-group-docker',
          launchTemplate: 'gitlab-runner-autoscaler',
        },
      ],
    });
  });
  const ledgerId = () => Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] as string;

  it('may describe (no resource-level permissions) on "*" only', () => {
    const describe = statements().filter((s) => s.Resource === '*');

    expect(describe.flatMap(actionsOf).sort()).toEqual([
      'autoscaling:DescribeAutoScalingGroups',
      'ec2:DescribeImages',
      'ec2:DescribeInstances',
      'ec2:DescribeLaunchTemplateVersions',
      'ec2:DescribeLaunchTemplates',
    ]);
    expect(describe.every((s) => s.Condition === undefined)).toBe(true);
  });

  it.each([
    ['ec2:DeleteLaunchTemplateVersions', 'arn:aws:ec2:us-east-2:123456789012:launch-template/*'],
    ['ec2:DeregisterImage', 'arn:aws:ec2:us-east-2::image/*'],
  ])('may %s only on resources tagged with this deployment', (action, resource) => {
    const s = statementFor(action);

    expect(actionsOf(s)).toEqual([action]);
    expect(resolveIntrinsics(s.Resource)).toBe(resource);
    expect(s.Condition).toEqual(ours);
  });

  it('may delete only snapshots tagged as ours or created by Image Builder', () => {
    const deletes = statements().filter((s) => actionsOf(s).includes('ec2:DeleteSnapshot'));

    expect(deletes.map((s) => resolveIntrinsics(s.Resource))).toEqual([
      'arn:aws:ec2:us-east-2::snapshot/*',
      'arn:aws:ec2:us-east-2::snapshot/*',
    ]);
    expect(deletes.map((s) => s.Condition)).toEqual([
      ours,
      { StringEquals: { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' } },
    ]);
  });

  it('only reads the ledger (Query on the table, nothing that writes)', () => {
    const dynamo = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

    expect(dynamo.flatMap(actionsOf)).toEqual(['dynamodb:Query']);
    expect(dynamo[0]?.Resource).toEqual({ 'Fn::GetAtt': [ledgerId(), 'Arn'] });
  });

  it('has no other mutating action', () => {
    const mutating = statements()
      .flatMap(actionsOf)
      .filter((a) => !/^[a-z0-9-]+:(Describe|List|Get|Query)/.test(a));

    expect(mutating.sort()).toEqual(
      [
        'ec2:DeleteLaunchTemplateVersions',
        'ec2:DeleteSnapshot',
        'ec2:DeleteSnapshot',
        'ec2:DeregisterImage',
        // The failure destination, which every async function has.
        'sqs:SendMessage',
      ].sort(),
    );
  });

  it('throws when the config has no fleet, naming the fix', () => {
    const config = { ...loadConfig(EXAMPLE), fleets: [] };
    const stack = new Stack(testApp(), 'Empty', { env: { account: '123456789012', region: 'us-east-2' } });

    expect(
      () =>
        new Housekeeping(stack, 'Housekeeping', {
          config,
          ledger: new LedgerTable(stack, 'Ledger'),
          deliveryFailures: new Queue(stack, 'Dlq'),
          addFunction: (props) => new AutopilotFunction(stack, props.name, props),
        }),
    ).toThrow(/needs at least one fleet/);
  });
});
