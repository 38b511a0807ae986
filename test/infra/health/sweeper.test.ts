import { join } from 'node:path';

import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import * as v from '../../../functions/shared/valibot';

import { SweepInput } from '../../../functions/fleet-sweeper/schema';
import { FleetSweeperSettings } from '../../../functions/fleet-sweeper/settings';
import { buildApp } from '../../../infra/app';
import { AutopilotFunction } from '../../../infra/autopilot-function';
import { Sweeper } from '../../../infra/health/sweeper';
import { LedgerTable } from '../../../infra/rollout/ledger-table';
import { loadConfig } from '../../../infra/load-config';
import { testApp } from '../../helpers/app';
import { deployedSlice, functionNamed } from '../../helpers/function-config';
import { fixture } from '../../helpers/fixtures';

const EXAMPLE = join(__dirname, '..', '..', '..', 'config', 'example.yaml');

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

const synthExample = () => {
  const app = testApp();
  const stacks = buildApp(app, EXAMPLE);
  return { app, ...stacks, template: Template.fromStack(stacks.autopilot) };
};

describe('Sweeper', () => {
  const { app, autopilot, template } = synthExample();
  const fnId = Object.keys(template.findResources('AWS::Lambda::Function')).find((k) =>
    k.startsWith('fleetsweeper'),
  );
  const fn = template.findResources('AWS::Lambda::Function')[fnId ?? ''] as Resource;
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
  const statements = (): Statement[] =>
    (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
  const alarms = () =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: Record<string, unknown>;
    }[];

  it('keeps the whole app cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(autopilot).findError('*', Match.anyValue())).toEqual([]);
  });

  it('runs the sweeper every sweepEveryMinutes with the scheduled time, delivery failures to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
  });

  it('gets an input its schema accepts, shaped like the sample event', () => {
    expect(v.safeParse(SweepInput, fixture('scheduler/fleet-sweep.json')).success).toBe(true);
  });

  it('hands the function its settings slice: fleets with health, connector users, the manager config prefix', () => {
    const ledgerId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] as string;
    const slice = v.parse(
      FleetSweeperSettings,
      deployedSlice(functionNamed(autopilot, 'fleet-sweeper'), { [ledgerId]: 'ledger-table' }),
    );

    expect(slice).toMatchObject({
      ledgerTable: 'ledger-table',
      jobCheckDocument: 'gitlab-runners-autopilot-job-check',
      sweepEveryMinutes: 5,
      configPrefixes: { manager: '/runner-autopilot/gitlab-runners/manager/config' },
    });
    expect(slice.fleets.map((f) => [f.name, f.role, f.connectorUser, f.canaryLifetimeMinutes])).toEqual([
      ['manager', 'manager', undefined, 35],
      ['jobs-instance', 'jobs', 'ubuntu', 35],
      ['jobs-docker', 'jobs', 'ubuntu', 35],
    ]);
  });

  it('defines the job-check document, running lib.sh then job-check.sh, with no secret parameter', () => {
    const docs = template.findResources('AWS::SSM::Document', {
      Properties: { Name: 'gitlab-runners-autopilot-job-check' },
    });
    const content = (Object.values(docs)[0] as Resource).Properties.Content as {
      parameters: Record<string, unknown>;
      mainSteps: { inputs: { runCommand: string[] } }[];
    };
    const script = content.mainSteps[0]!.inputs.runCommand.join('\n');

    expect(Object.keys(content.parameters).sort()).toEqual([
      'ConnectorUser',
      'Fleet',
      'SampleSeconds',
      'executionTimeout',
    ]);
    expect(script).toContain('RESULT busy');
    expect(script.indexOf('require_env()')).toBeLessThan(script.indexOf('container_jobs()'));
  });

  it('may send only the job-check document, and only to our groups’ instances and our canaries', () => {
    const send = statements().filter((s) => actionsOf(s).includes('ssm:SendCommand'));

    expect(send).toHaveLength(3);
    expect(JSON.stringify(send[0]?.Resource)).toContain('document/gitlab-runners-autopilot-job-check');
    expect(send.slice(1).map((s) => s.Condition)).toEqual([
      {
        StringEquals: {
          'ssm:resourceTag/aws:autoscaling:groupName': [
            'gitlab-runner-manager',
            'gitlab-runner-ao-group',
            'gitlab-runner-ao-group-docker',
          ],
        },
      },
      { StringEquals: { 'ssm:resourceTag/runner-autopilot:canary': 'true' } },
    ]);
  });

  it('may terminate nothing while no fleet turns terminateOrphans on', () => {
    expect(statements().filter((s) => actionsOf(s).includes('ec2:TerminateInstances'))).toEqual([]);
  });

  it('reads the ledger only (GetItem, Query) and the manager config template and values', () => {
    const ddb = statements().flatMap((s) => actionsOf(s).filter((a) => a.startsWith('dynamodb:')));
    const params = statements().filter((s) => actionsOf(s).includes('ssm:GetParameter'));

    expect(ddb.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(JSON.stringify(params.map((s) => s.Resource))).toMatch(
      /manager\/config\/template.*manager\/config\/values/,
    );
  });

  it.each([
    ['jobs-docker', 'idle-instances', 'IdleInstances', 3],
    ['jobs-docker', 'stuck-instances', 'StuckInstances', 1],
    ['jobs-docker', 'outdated-instances', 'OutdatedInstances', 1],
    ['manager', 'stuck-instances', 'StuckInstances', 1],
    ['manager', 'outdated-instances', 'OutdatedInstances', 1],
  ])(
    'alarms for fleet %s on %s, over the configured sweeps, with a runbook',
    (fleet, key, metric, threshold) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `gitlab-runners-autopilot-${fleet}-${key}`,
        AlarmDescription: Match.stringLikeRegexp('Runbook: '),
        Namespace: 'RunnerAutopilot',
        MetricName: metric,
        Dimensions: Match.arrayWith([
          { Name: 'fleet', Value: fleet },
          { Name: 'service', Value: 'fleet-sweeper' },
        ]),
        Period: 300,
        Threshold: threshold,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    },
  );

  it('has no idle alarm for a manager fleet', () => {
    expect(
      alarms().some((a) => a.Properties.AlarmName === 'gitlab-runners-autopilot-manager-idle-instances'),
    ).toBe(false);
  });
});

describe('Sweeper construct', () => {
  const build = (mutate: (c: ReturnType<typeof loadConfig>) => void = () => undefined) => {
    const app = testApp();
    const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-2' } });
    const config = loadConfig(EXAMPLE);
    mutate(config);
    new Sweeper(stack, 'Sweeper', {
      config,
      ledger: new LedgerTable(stack, 'Ledger', {}),
      deliveryFailures: new Queue(stack, 'Dlq'),
      addFunction: (props) => new AutopilotFunction(stack, props.name, props),
    });
    return Template.fromStack(stack);
  };

  it('may terminate, where a fleet allows it, only instances tagged with its group or as its canaries', () => {
    const template = build((c) => {
      const docker = c.fleets.find((f) => f.name === 'jobs-docker')!;
      (docker.health as { terminateOrphans: boolean }).terminateOrphans = true;
    });

    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ec2:TerminateInstances',
            Condition: {
              StringEquals: {
                'aws:ResourceTag/aws:autoscaling:groupName': ['gitlab-runner-ao-group-docker'],
              },
            },
          }),
          Match.objectLike({
            Action: 'ec2:TerminateInstances',
            Condition: {
              StringEquals: {
                'aws:ResourceTag/runner-autopilot:canary': 'true',
                'aws:ResourceTag/runner-autopilot:fleet': ['jobs-docker'],
              },
            },
          }),
        ]),
      },
    });
  });

  it('follows sweepEveryMinutes and the fleet thresholds', () => {
    const template = build((c) => {
      (c as { sweepEveryMinutes: number }).sweepEveryMinutes = 10;
      const docker = c.fleets.find((f) => f.name === 'jobs-docker')!;
      Object.assign(docker.health, { idleAlarmThreshold: 7, alarmPeriods: 2 });
    });

    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(10 minutes)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'gitlab-runners-autopilot-jobs-docker-idle-instances',
      Period: 600,
      Threshold: 7,
      EvaluationPeriods: 2,
    });
  });

  it('throws when the config has no fleet, naming the fix', () => {
    expect(() => build((c) => c.fleets.splice(0))).toThrow(/needs at least one fleet/);
  });
});
