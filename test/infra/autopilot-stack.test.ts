import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { CommandStatus } from '@aws-sdk/client-ssm';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';

import { testApp } from '../helpers/app';
import { functionNamed } from '../helpers/function-config';
import { buildApp } from '../../infra/app';
import { REPO_ROOT } from '../../infra/bundling';
import { matchesPattern, resolveIntrinsics } from '../../rehearsal/event-pattern';
import { fixture } from '../helpers/fixtures';

const EXAMPLE = join(__dirname, '..', '..', 'config', 'example.yaml');

const synthExample = () => {
  // Skipping bundling keeps these tests fast; the synth test below bundles for real.
  const app = testApp();
  const stacks = buildApp(app, EXAMPLE);
  return { app, ...stacks, template: Template.fromStack(stacks.autopilot) };
};

type Resource = { Properties: Record<string, unknown> };
const rules = (template: Template) =>
  Object.values(template.findResources('AWS::Events::Rule')) as Resource[];
const ruleTargeting = (template: Template, functionId: string): Resource => {
  const match = rules(template).find((r) => JSON.stringify(r.Properties.Targets).includes(functionId));
  if (!match) throw new Error(`no rule targets ${functionId}`);
  return match;
};
const logicalId = (template: Template, pathPart: string): string => {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith(pathPart),
  );
  if (!found) throw new Error(`no function ${pathPart}`);
  return found[0];
};
/** Every function of the repo: a folder under functions/ with a handler. */
const functionNames = () =>
  readdirSync(join(__dirname, '..', '..', 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shared')
    .map((d) => d.name)
    .sort();

const patternOf = (rule: Resource) => resolveIntrinsics(rule.Properties.EventPattern);

describe('AutopilotStack', () => {
  const { app, autopilot, images, template } = synthExample();

  it('passes cdk-nag AwsSolutions with every finding acknowledged, and has no warnings', () => {
    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(autopilot).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(images).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('runs every function on Node.js 24', () => {
    const runtimes = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => (f as Resource).Properties.Runtime,
    );
    expect(runtimes.length).toBeGreaterThanOrEqual(3);
    expect(new Set(runtimes)).toEqual(new Set(['nodejs24.x']));
  });

  describe('nightly bake schedules', () => {
    it.each([
      ['jobs', 'cron(0 2 * * ? *)'],
      ['manager', 'cron(30 2 ? * SUN *)'],
    ])('schedules pipeline %s at %s UTC with the scheduled time as trigger', (pipeline, cron) => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: cron,
        ScheduleExpressionTimezone: 'UTC',
        State: 'ENABLED',
        Target: Match.objectLike({
          Input: JSON.stringify({ pipeline, scheduledTime: '<aws.scheduler.scheduled-time>' }),
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 8 }),
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      });
    });
  });

  describe('image state rule', () => {
    const rule = ruleTargeting(template, logicalId(template, 'imagestate'));

    it('sits on the default bus, where AWS service events arrive', () => {
      expect(rule.Properties.EventBusName).toBeUndefined();
    });

    it.each(['available', 'failed', 'cancelled'])('matches the %s sample', (kind) => {
      expect(matchesPattern(patternOf(rule), fixture(`imagebuilder/image-state.${kind}.json`))).toBe(true);
    });

    it('does not match a build still in progress', () => {
      expect(matchesPattern(patternOf(rule), fixture('imagebuilder/image-state.building.json'))).toBe(false);
    });

    it('does not match a neighbour recipe whose name starts like ours', () => {
      expect(matchesPattern(patternOf(rule), fixture('imagebuilder/image-state.other-recipe.json'))).toBe(
        false,
      );
    });

    it('retries delivery and keeps undeliverable events in a dead-letter queue', () => {
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: 8 }),
          DeadLetterConfig: expect.anything(),
        }),
      ]);
    });
  });

  describe('Bake Requested rule', () => {
    const rule = ruleTargeting(template, logicalId(template, 'startbake'));

    it('sits on our custom bus', () => {
      expect(rule.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^Bus/) });
    });

    it('matches the bus sample and not another detail type', () => {
      const sample = fixture('runner-autopilot/bake-requested.json');

      expect(matchesPattern(patternOf(rule), sample)).toBe(true);
      expect(matchesPattern(patternOf(rule), { ...sample, 'detail-type': 'Image Ready' })).toBe(false);
      expect(matchesPattern(patternOf(rule), { ...sample, source: 'someone-else' })).toBe(false);
    });
  });

  describe('rollout rules', () => {
    it.each([
      ['stagecandidate', 'runner-autopilot/image-ready.json', true],
      ['rollback', 'runner-autopilot/rollback-requested.json', true],
      ['managerrestart', 'runner-autopilot/manager-restart-requested.json', true],
      ['rollback', 'cloudwatch/alarm-state-change.alarm.json', false],
    ])('routes to %s: %s (on our bus: %s)', (fn, sample, onOurBus) => {
      const matching = rules(template).filter(
        (r) =>
          JSON.stringify(r.Properties.Targets).includes(logicalId(template, fn)) &&
          matchesPattern(patternOf(r), fixture(sample)),
      );

      expect(matching).toHaveLength(1);
      expect(matching[0]?.Properties.EventBusName !== undefined).toBe(onOurBus);
    });

    it("rolls back on the manager's runner system failures by default", () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'gitlab-runners-autopilot-manager-runner-system-failures',
        Namespace: 'RunnerAutopilot/Runner',
        MetricName: 'gitlab_runner_failed_jobs_total',
        Dimensions: Match.arrayWith([{ Name: 'failure_reason', Value: 'runner_system_failure' }]),
      });
    });

    it.each([
      ['ssm/parameter-store-change.manifest.json', false],
      ['runner-autopilot/config-apply-requested.json', true],
    ])('routes %s to apply-config', (sample, onOurBus) => {
      const toApply = rules(template).filter((r) =>
        JSON.stringify(r.Properties.Targets).includes(logicalId(template, 'applyconfig')),
      );
      const matching = toApply.filter((r) => matchesPattern(patternOf(r), fixture(sample)));

      expect(matching).toHaveLength(1);
      expect(matching[0]?.Properties.EventBusName !== undefined).toBe(onOurBus);
    });

    it('does not apply on a change of the template or values parameters, only of the manifest', () => {
      const event = fixture<{ detail: { name: string } }>('ssm/parameter-store-change.manifest.json');
      event.detail.name = event.detail.name.replace(/manifest$/, 'values');
      const toApply = rules(template).filter((r) =>
        JSON.stringify(r.Properties.Targets).includes(logicalId(template, 'applyconfig')),
      );

      expect(toApply.some((r) => matchesPattern(patternOf(r), event))).toBe(false);
    });

    it('schedules the nightly drift check of the manager config', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(15 3 * * ? *)',
        Target: Match.objectLike({
          Input: JSON.stringify({
            fleet: 'manager',
            mode: 'drift',
            scheduledTime: '<aws.scheduler.scheduled-time>',
          }),
        }),
      });
    });

    it('publishes the manager config, with the manifest written after the template and values', () => {
      const parameters = template.findResources('AWS::SSM::Parameter');
      const byName = (suffix: string) =>
        Object.entries(parameters).find(
          ([, p]) =>
            (p as Resource).Properties.Name === `/runner-autopilot/gitlab-runners/manager/config/${suffix}`,
        );
      const [manifestId, manifest] = byName('manifest') ?? [];
      const dependsOn = (manifest as { DependsOn?: string[] } | undefined)?.DependsOn ?? [];

      expect(manifestId).toBeDefined();
      expect(dependsOn).toEqual(expect.arrayContaining([byName('template')?.[0], byName('values')?.[0]]));
      expect(JSON.stringify(parameters)).not.toMatch(/glrt-|"token"\s*=\s*"[^$]/);
    });

    it('routes the status of our commands, on the default bus, and not of other documents', () => {
      const rule = ruleTargeting(template, logicalId(template, 'commandstatus'));

      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(matchesPattern(patternOf(rule), fixture('ssm/command-status.success.json'))).toBe(true);
      expect(matchesPattern(patternOf(rule), fixture('ssm/command-status.other-document.json'))).toBe(false);
      const inProgress = fixture<{ detail: { status: string } }>('ssm/command-status.success.json');
      inProgress.detail.status = 'InProgress';
      expect(matchesPattern(patternOf(rule), inProgress)).toBe(false);
    });

    it('routes every final command status, and only statuses a command can have', () => {
      const rule = ruleTargeting(template, logicalId(template, 'commandstatus'));
      const statuses = (patternOf(rule) as { detail: { status: string[] } }).detail.status;

      expect([...statuses].sort()).toEqual(['Cancelled', 'Failed', 'Success', 'TimedOut']);
      for (const status of statuses) expect(Object.values(CommandStatus)).toContain(status);
    });

    it('schedules the reconciler every 5 minutes', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(5 minutes)',
        Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(template, 'reconciler'), 'Arn'] } }),
      });
    });
  });

  describe('least privilege', () => {
    const statements = () =>
      Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
        (p) =>
          (
            (p as Resource).Properties.PolicyDocument as {
              Statement: { Action: string | string[]; Resource: unknown }[];
            }
          ).Statement,
      );
    /** The statements of one function's own role. */
    const statementsOf = (fn: string) => {
      const role = (
        (template.findResources('AWS::Lambda::Function')[logicalId(template, fn)] as Resource).Properties
          .Role as {
          'Fn::GetAtt': string[];
        }
      )['Fn::GetAtt'][0];
      return Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => JSON.stringify((p as Resource).Properties.Roles).includes(`"${role}"`))
        .flatMap(
          (p) =>
            (
              (p as Resource).Properties.PolicyDocument as {
                Statement: { Action: string | string[]; Resource: unknown }[];
              }
            ).Statement,
        );
    };
    const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

    it('scopes every Image Builder action to our pipelines and recipes', () => {
      const imageBuilder = statements().filter((s) => actions(s).some((a) => a.startsWith('imagebuilder:')));
      const resources = imageBuilder.flatMap((s): unknown[] =>
        Array.isArray(s.Resource) ? s.Resource : [s.Resource],
      );

      expect(imageBuilder.length).toBeGreaterThan(0);
      const resolved = [...new Set(resources.map((r) => resolveIntrinsics(r) as string))].sort();
      expect(resolved).toEqual(
        [
          'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs',
          'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-manager',
          'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/*',
          'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-manager/*',
        ].sort(),
      );
    });

    it('lets the webhook read exactly its secret parameter', () => {
      const ssm = statementsOf('gitlabwebhook').filter((s) => actions(s).some((a) => a.startsWith('ssm:')));

      expect(ssm.map((s) => [actions(s), resolveIntrinsics(s.Resource)])).toEqual([
        [
          ['ssm:GetParameter'],
          'arn:aws:ssm:us-east-2:123456789012:parameter/runner-autopilot/gitlab-webhook-token',
        ],
      ]);
    });

    it('lets the reconciler only list the images of the pipelines that feed a fleet', () => {
      const imageBuilder = statementsOf('reconciler').filter((s) =>
        actions(s).some((a) => a.startsWith('imagebuilder:')),
      );

      expect(imageBuilder.map((s) => [actions(s), resolveIntrinsics(s.Resource)])).toEqual([
        [
          ['imagebuilder:ListImagePipelineImages'],
          [
            'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs',
            'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-manager',
          ],
        ],
      ]);
    });

    it("may create only Image Builder's service-linked role (a first build in an account needs it)", () => {
      const iam = statements().filter((s) => actions(s).includes('iam:CreateServiceLinkedRole'));

      expect(iam).toEqual([
        expect.objectContaining({
          Action: 'iam:CreateServiceLinkedRole',
          Condition: { StringEquals: { 'iam:AWSServiceName': 'imagebuilder.amazonaws.com' } },
        }),
      ]);
      expect(resolveIntrinsics(iam[0]?.Resource)).toBe(
        'arn:aws:iam::123456789012:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder',
      );
    });

    // A restart that ends in a replacement terminates the old manager through its group.
    it.each([
      ['applyconfig', ['autoscaling:TerminateInstanceInAutoScalingGroup']],
      ['managerrestart', []],
    ])('lets %s command the manager but write no template or instance', (fn, alsoDenied) => {
      const granted = statementsOf(fn).flatMap(actions);

      expect(granted).toContain('ssm:SendCommand');
      for (const write of [
        'ec2:CreateLaunchTemplateVersion',
        'ec2:ModifyLaunchTemplate',
        'ec2:RunInstances',
        'ec2:TerminateInstances',
        ...alsoDenied,
      ]) {
        expect(granted).not.toContain(write);
      }
    });

    it('may terminate through a group only in manager groups, never a job instance', () => {
      const terminate = statements().filter((s) =>
        actions(s).includes('autoscaling:TerminateInstanceInAutoScalingGroup'),
      );
      const resources = JSON.stringify(terminate.map((s) => s.Resource));

      expect(terminate.length).toBeGreaterThan(0);
      expect(resources).toContain('autoScalingGroupName/gitlab-runner-manager');
      expect(resources).not.toContain('gitlab-runner-ao-group');
    });

    it('sends commands only to canaries and managers', () => {
      const conditionsOf = (action: string) =>
        (statements() as { Action: string | string[]; Resource: unknown; Condition?: unknown }[])
          .filter((s) => actions(s).includes(action) && JSON.stringify(s.Resource).includes(':instance/'))
          .map((s) => s.Condition);

      expect(conditionsOf('ssm:SendCommand').length).toBeGreaterThan(0);
      expect(conditionsOf('ssm:SendCommand').every((c) => c !== undefined)).toBe(true);
    });

    it('uses "*" only for actions without resource-level permissions, or under a condition', () => {
      const readOnly = (a: string) => /^[a-z0-9-]+:(Describe|List|Get)/.test(a);
      const everywhere = statements().filter((s) => s.Resource === '*') as {
        Action: string | string[];
        Condition?: unknown;
      }[];

      expect(everywhere.filter((s) => !s.Condition && !actions(s).every(readOnly))).toEqual([]);
    });
  });

  describe('GitLab webhook', () => {
    const webhook = logicalId(template, 'gitlabwebhook');

    it('has a public Function URL', () => {
      template.hasResourceProperties('AWS::Lambda::Url', {
        AuthType: 'NONE',
        TargetFunctionArn: { 'Fn::GetAtt': [webhook, 'Arn'] },
      });
    });

    it.each(['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction'])(
      'lets anyone %s, as public URLs now need both',
      (action) => {
        template.hasResourceProperties('AWS::Lambda::Permission', {
          Action: action,
          Principal: '*',
          FunctionName: { 'Fn::GetAtt': [webhook, 'Arn'] },
        });
      },
    );

    it('is never throttled by a concurrency limit of its own', () => {
      const fn = template.findResources('AWS::Lambda::Function')[webhook] as Resource;

      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    });
  });

  it('gives every asynchronously invoked function a failure destination', () => {
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')) as Resource[];
    const withDestination = configs.filter((c) =>
      JSON.stringify(c.Properties.DestinationConfig).includes('OnFailure'),
    );

    expect(withDestination.map((c) => JSON.stringify(c.Properties.FunctionName))).toEqual(
      expect.arrayContaining([expect.stringContaining('startbake'), expect.stringContaining('imagestate')]),
    );
    expect(configs.every((c) => (c.Properties.MaximumRetryAttempts as number) === 2)).toBe(true);
  });

  describe('alarms', () => {
    const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];

    it('alarms on permanent failures of every function, by its service dimension', () => {
      const services = alarms()
        .filter((a) => a.Properties.MetricName === 'PermanentFailure')
        .map(
          (a) =>
            (a.Properties.Dimensions as { Name: string; Value: string }[]).find((d) => d.Name === 'service')
              ?.Value,
        )
        .sort();

      expect(services).toEqual(functionNames());
    });

    it('alarms on the depth of every dead-letter queue, and on the backlog of every queue that has one', () => {
      const all = template.findResources('AWS::SQS::Queue') as Record<string, Resource>;
      const withDeadLetters = Object.keys(all).filter((id) => all[id]?.Properties.RedrivePolicy);
      const queues = Object.keys(all)
        .filter((id) => !withDeadLetters.includes(id))
        .sort();
      const queueOf = (a: Resource) =>
        (a.Properties.Dimensions as { Value: { 'Fn::GetAtt': string[] } }[])[0]?.Value['Fn::GetAtt'][0];

      expect(
        alarms()
          .filter((a) => a.Properties.MetricName === 'ApproximateAgeOfOldestMessage')
          .map(queueOf),
      ).toEqual(withDeadLetters);
      const watched = alarms()
        .filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')
        .map(
          (a) =>
            (a.Properties.Dimensions as { Value: { 'Fn::GetAtt': string[] } }[])[0]?.Value['Fn::GetAtt'][0],
        )
        .sort();

      expect(watched).toEqual(queues);
    });

    it.each(['Errors', 'Throttles'])('alarms on %s of every function', (metric) => {
      const functions = Object.keys(template.findResources('AWS::Lambda::Function')).sort();
      const watched = alarms()
        .filter((a) => a.Properties.MetricName === metric && a.Properties.Namespace === 'AWS/Lambda')
        .map((a) => (a.Properties.Dimensions as { Value: { Ref: string } }[])[0]?.Value.Ref)
        .sort();

      expect(watched).toEqual(functions);
    });

    it('names every alarm after the stack, so one rule can route all of ours', () => {
      const names = alarms().map((a) => a.Properties.AlarmName as string);

      expect(names.every((n) => n.startsWith('gitlab-runners-autopilot-'))).toBe(true);
      expect(new Set(names).size).toBe(names.length);
    });

    it('routes every alarm of the stack to the alert function, on ALARM and back to OK', () => {
      const toAlert = rules(template).filter((r) =>
        JSON.stringify(r.Properties.Targets).includes(logicalId(template, 'alert')),
      );
      const sample = fixture<{
        resources: string[];
        detail: { alarmName: string; state: { value: string } };
      }>('cloudwatch/alarm-state-change.alarm.json');
      const routed = (alarmName: string, value: string) =>
        toAlert.some((r) =>
          matchesPattern(patternOf(r), {
            ...sample,
            resources: [`arn:aws:cloudwatch:us-east-2:123456789012:alarm:${alarmName}`],
            detail: { ...sample.detail, alarmName, state: { ...sample.detail.state, value } },
          }),
        );

      const names = alarms().map((a) => a.Properties.AlarmName as string);
      expect(names.length).toBeGreaterThan(20);
      expect(names.filter((n) => !routed(n, 'ALARM') || !routed(n, 'OK'))).toEqual([]);
    });

    it.each(['Bake Failed', 'Rollout Failed', 'Config Apply Failed', 'Config Drift Detected'])(
      'routes %s to the alert function',
      (detailType) => {
        const toAlert = rules(template).filter((r) =>
          JSON.stringify(r.Properties.Targets).includes(logicalId(template, 'alert')),
        );
        const event = { ...fixture('runner-autopilot/bake-requested.json'), 'detail-type': detailType };

        expect(toAlert.some((r) => matchesPattern(patternOf(r), event))).toBe(true);
      },
    );

    it('routes Image Ready to the alert function too (it ends the bake streak), besides stage-candidate', () => {
      const sample = fixture('runner-autopilot/image-ready.json');
      const targets = (fn: string) =>
        rules(template).filter(
          (r) =>
            JSON.stringify(r.Properties.Targets).includes(logicalId(template, fn)) &&
            matchesPattern(patternOf(r), sample),
        );

      expect(targets('alert')).toHaveLength(1);
      expect(targets('stagecandidate')).toHaveLength(1);
    });

    it('gives every alarm a runbook hint', () => {
      expect(alarms().every((a) => /Runbook:/.test(a.Properties.AlarmDescription as string))).toBe(true);
    });
  });

  it('hands each function only its own config slice', () => {
    const slice = (name: string) => JSON.stringify(functionNamed(autopilot, name).config.document);

    expect(slice('start-bake')).not.toContain('gitlab-webhook-token');
    expect(slice('image-state')).not.toContain('gitlab-webhook-token');
    expect(slice('gitlab-webhook')).toContain('gitlab-webhook-token');
    expect(slice('gitlab-webhook')).not.toContain('image-pipeline');
  });

  it('hands no function a path of the build machine', () => {
    const paths = autopilot.functions.filter((f) => JSON.stringify(f.config.document).includes(REPO_ROOT));

    expect(paths.map((f) => f.serviceName)).toEqual([]);
  });
});
