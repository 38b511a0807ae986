import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Match, Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';

import { parseSuiteConfig } from '../../functions/shared/config';
import { AutopilotStack } from '../../infra/autopilot-stack';
import { loadConfig } from '../../infra/load-config';
import { REDRIVE_MAX_RECEIVES } from '../../infra/webhook-fallback';
import { testApp } from '../helpers/app';

const EXAMPLE = join(__dirname, '..', '..', 'config', 'example.yaml');

type Resource = { Properties: Record<string, unknown> };

/** The autopilot stack of the example config, without fleets, its webhook config changed. */
const synth = (webhook: Record<string, unknown> = {}): Template => {
  const base = loadConfig(EXAMPLE);
  if (!base.gitlab.webhook) throw new Error('the example config has no webhook');
  const config = {
    ...base,
    fleets: [],
    gitlab: { ...base.gitlab, webhook: { ...base.gitlab.webhook, ...webhook } },
  };
  const stack = new AutopilotStack(testApp(), 'test-autopilot', {
    config,
    pipelines: base.pipelines.map((p) => ({
      name: p.name,
      pipelineName: `test-${p.name}`,
      recipeName: `test-${p.name}`,
    })),
  });
  return Template.fromStack(stack);
};

const functionId = (template: Template, prefix: string): string => {
  const id = Object.keys(template.findResources('AWS::Lambda::Function')).find((k) => k.startsWith(prefix));
  if (!id) throw new Error(`no function ${prefix}`);
  return id;
};
const fn = (template: Template, prefix: string): Resource =>
  template.findResources('AWS::Lambda::Function')[functionId(template, prefix)] as Resource;
const roleStatements = (template: Template, prefix: string) => {
  const role = (fn(template, prefix).Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify((p as Resource).Properties.Roles).includes(`"${role}"`))
    .flatMap(
      (p) =>
        ((p as Resource).Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
};
const idOf = (template: Template, type: string, prefix: string): string => {
  const id = Object.keys(template.findResources(type)).find((k) => k.startsWith(prefix));
  if (!id) throw new Error(`no ${type} ${prefix}`);
  return id;
};

describe('GitLab webhook infrastructure', () => {
  const template = synth();
  const topic = idOf(template, 'AWS::SNS::Topic', 'WebhookFallbackTopic');
  const queue = idOf(template, 'AWS::SQS::Queue', 'WebhookFallbackQueue');

  describe('reserved concurrency', () => {
    it('is left unset by default: small accounts cannot reserve any, and a cap throttles GitLab too', () => {
      expect(fn(template, 'gitlabwebhook').Properties.ReservedConcurrentExecutions).toBeUndefined();
    });

    it('is set on the webhook alone when the config asks, and is not part of its config slice', () => {
      const capped = synth({ reservedConcurrency: 25 });

      expect(fn(capped, 'gitlabwebhook').Properties.ReservedConcurrentExecutions).toBe(25);
      const others = Object.entries(capped.findResources('AWS::Lambda::Function')).filter(
        ([id]) => !id.startsWith('gitlabwebhook'),
      );
      expect(
        others.every(([, f]) => (f as Resource).Properties.ReservedConcurrentExecutions === undefined),
      ).toBe(true);
      expect(JSON.stringify(fn(capped, 'gitlabwebhook').Properties.Environment)).not.toContain(
        'reservedConcurrency',
      );
    });

    it.each([0, 2.5])('refuses a reserved concurrency of %s in the config', (reservedConcurrency) => {
      const raw = parse(readFileSync(EXAMPLE, 'utf8')) as { gitlab: { webhook: object } };
      raw.gitlab.webhook = { ...raw.gitlab.webhook, reservedConcurrency };

      expect(() => parseSuiteConfig(raw, 'test.yaml')).toThrow(/gitlab\.webhook\.reservedConcurrency/);
    });
  });

  describe('durable fallback', () => {
    it('tells the webhook its fallback topic', () => {
      const env = fn(template, 'gitlabwebhook').Properties.Environment as {
        Variables: Record<string, unknown>;
      };

      // The topic's ARN is known at deploy time only: its config file references this variable.
      const variable = Object.entries(env.Variables).find(
        ([, v]) => JSON.stringify(v) === `{"Ref":"${topic}"}`,
      );
      expect(variable?.[0]).toMatch(/^AUTOPILOT_REF_\d+$/);
    });

    it('lets the webhook publish to that topic and nothing else on SNS', () => {
      const publishes = roleStatements(template, 'gitlabwebhook').filter((s) =>
        JSON.stringify(s.Action).includes('sns:'),
      );

      expect(publishes).toEqual([
        expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: topic } }),
      ]);
    });

    it('encrypts the topic (AWS managed key) and delivers raw messages to the queue', () => {
      const key = (template.findResources('AWS::SNS::Topic')[topic] as Resource).Properties.KmsMasterKeyId;
      expect(JSON.stringify(key)).toMatch(/:alias\/aws\/sns"/);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        TopicArn: { Ref: topic },
        Endpoint: { 'Fn::GetAtt': [queue, 'Arn'] },
        RawMessageDelivery: true,
      });
    });

    it('keeps a failing message in the queue for about 6 hours, then in a dead-letter queue', () => {
      const q = template.findResources('AWS::SQS::Queue')[queue] as Resource;

      expect(q.Properties).toMatchObject({
        VisibilityTimeout: 300,
        RedrivePolicy: { maxReceiveCount: REDRIVE_MAX_RECEIVES },
      });
      expect(REDRIVE_MAX_RECEIVES * 300).toBeGreaterThanOrEqual(6 * 3600);
    });

    it('drains the queue into the redrive function, reporting failures per message', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: functionId(template, 'redrive') },
        EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('lets the redrive put events on the bus, and gives it no async failure queue', () => {
      const puts = roleStatements(template, 'redrive').filter((s) => s.Action === 'events:PutEvents');

      expect(puts).toHaveLength(1);
      const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')) as Resource[];
      expect(JSON.stringify(configs.map((c) => c.Properties.FunctionName))).not.toContain('redrive');
    });

    it('alarms at the first push handed to the fallback, and on a backlog and dead letters', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Deferred',
        Dimensions: [{ Name: 'service', Value: 'gitlab-webhook' }],
        Threshold: 1,
        AlarmName: Match.stringLikeRegexp('^test-autopilot-'),
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      });
    });
  });
});
