import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { App, Stack } from 'aws-cdk-lib';

import { CONFIG_FILE, expandDeployTimeValues } from '../functions/shared/settings';
import { loadConfig } from '../infra/load-config';
import { RunnerAutopilot } from '../infra/runner-autopilot';
import { type Json, resolveIntrinsics } from '../infra/intrinsics';
import { rehearsalApp } from './app';
import { type CommandDocuments, documentsOfResources } from './command-documents';
import { matchesPattern } from './event-pattern';
import { ACCOUNT, type AwsEvent, REGION } from './fake-aws';

/**
 * Routes events between the functions as the synthesized autopilot stack would: every
 * `AWS::Events::Rule` with an event pattern, on the default bus or ours, to the function it
 * targets (named by its `POWERTOOLS_SERVICE_NAME`); Scheduler schedules with a `rate(...)` to
 * theirs; and one-time schedules to the function whose ARN they target.
 */

type Resource = { Type: string; Properties?: Record<string, unknown> };

export interface Route {
  readonly id: string;
  /** `default` or the name of our bus. */
  readonly bus: string;
  readonly pattern: Json;
  readonly services: readonly string[];
  /** `template` when synthesized; `contract` when the rule is not in the template yet. */
  readonly origin: 'template' | 'contract';
}

export interface RateSchedule {
  readonly id: string;
  readonly service: string;
  readonly everyMinutes: number;
  readonly input: string;
}

/** A Scheduler schedule on a cron expression (the nightly drift checks), run by the driver on demand. */
export interface CronSchedule {
  readonly id: string;
  readonly service: string;
  readonly expression: string;
  readonly timeZone: string;
  /** The target input, with Scheduler's context attributes (`<aws.scheduler.*>`) unresolved. */
  readonly input: string;
}

export interface StackModel {
  readonly configPath: string;
  readonly busName: string;
  readonly routes: readonly Route[];
  readonly rates: readonly RateSchedule[];
  readonly crons: readonly CronSchedule[];
  /** The template's DynamoDB table names (`AWS::DynamoDB::Table`). */
  readonly tables: readonly string[];
  /** The template's SNS topic ARNs (`AWS::SNS::Topic`). */
  readonly topics: readonly string[];
  /** The template's Parameter Store parameters (name -> value), as a deploy writes them. */
  readonly parameters: ReadonlyMap<string, string>;
  /** The template's SSM Command documents by name: what the fake SendCommand checks commands against. */
  readonly documents: CommandDocuments;
  /** Service name -> its resolved environment. */
  readonly environments: ReadonlyMap<string, Record<string, string>>;
  /** Service name -> a folder holding its config file as synthesized (its LAMBDA_TASK_ROOT here). */
  readonly taskRoots: ReadonlyMap<string, string>;
  /** Function ARN -> service name. */
  readonly arns: ReadonlyMap<string, string>;
  /** Services each event goes to (several rules may match). */
  route(bus: string, event: AwsEvent): { service: string; rule: string }[];
  serviceOfArn(arn: string): string;
  environment(service: string): Record<string, string>;
  taskRoot(service: string): string;
  /** The config slice the function reads: its file with the deploy-time references expanded. */
  settings(service: string): Record<string, unknown>;
}

const collectGetAtts = (value: unknown, into: Set<string>): void => {
  if (Array.isArray(value)) value.forEach((v) => collectGetAtts(v, into));
  else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::GetAtt' in obj) {
      const [resource, attribute] = obj['Fn::GetAtt'] as [string, string];
      into.add(`${resource}.${attribute}`);
    }
    Object.values(obj).forEach((v) => collectGetAtts(v, into));
  }
};

/** The stack's template in the app's cloud assembly; cdk-nag findings do not change its content. */
const templateOf = (app: App, stack: Stack): Record<string, Resource> =>
  (app.synth().getStackArtifact(stack.artifactId).template as { Resources: Record<string, Resource> })
    .Resources;

const rateMinutes = (expression: string): number | undefined => {
  const m = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(expression);
  if (!m) return undefined;
  return Number(m[1]) * (m[2]!.startsWith('hour') ? 60 : 1);
};

/**
 * Rules the rollout needs that the template may not have yet, with the pattern the contract
 * states. Used only when no template rule routes such an event to the same function.
 */
const CONTRACT: readonly (Omit<Route, 'origin' | 'id' | 'bus'> & {
  bus: 'default' | 'ours';
  probe: AwsEvent;
})[] = [
  {
    bus: 'default',
    pattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
    services: ['rollback'],
    probe: {
      version: '0',
      id: 'probe',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: ACCOUNT,
      time: '2026-01-01T00:00:00Z',
      region: REGION,
      resources: [],
      detail: { alarmName: 'probe', state: { value: 'ALARM' } },
    },
  },
];

const cache = new Map<string, StackModel>();

export const loadStack = (configPath: string): StackModel => {
  const cached = cache.get(configPath);
  if (cached) return cached;
  const app = rehearsalApp();
  // Without cdk-nag and the deployability checks: `npm run synth` runs them, and they change no
  // resource (they take a third of a rehearsal's start).
  const config = loadConfig(configPath);
  const { autopilot } = new RunnerAutopilot(app, config.deployment, { config, validation: false });
  const resources = templateOf(app, autopilot);

  const refs: Record<string, string> = { 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT };
  const getAtts = new Set<string>();
  collectGetAtts(resources, getAtts);
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    const physical = [p.Name, p.TableName, p.FunctionName, p.QueueName].find(
      (v): v is string => typeof v === 'string',
    );
    // A topic's Ref is its ARN (named by TopicName, or by CloudFormation after the logical id).
    refs[id] =
      r.Type === 'AWS::SNS::Topic'
        ? `arn:aws:sns:${REGION}:${ACCOUNT}:${typeof p.TopicName === 'string' ? p.TopicName : id}`
        : (physical ?? id);
  }
  for (const key of getAtts) {
    const [id, attribute] = key.split('.') as [string, string];
    const r = resources[id];
    refs[key] =
      r?.Type === 'AWS::Lambda::Function' && attribute === 'Arn'
        ? `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${refs[id]}`
        : `arn:aws:fake:${REGION}:${ACCOUNT}:${id}/${attribute}`;
  }
  const resolve = (v: unknown): Json => resolveIntrinsics(v, refs);

  const environments = new Map<string, Record<string, string>>();
  const arns = new Map<string, string>();
  const serviceOfLogical = new Map<string, string>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const vars =
      (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const env = resolve(vars) as Record<string, string>;
    const service = env.POWERTOOLS_SERVICE_NAME;
    if (!service) continue;
    environments.set(service, env);
    arns.set(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${refs[id]}`, service);
    serviceOfLogical.set(id, service);
  }
  const serviceOfTargetArn = (arn: unknown): string | undefined => {
    const att = (arn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    return att ? serviceOfLogical.get(att[0]) : undefined;
  };

  const configRoot = mkdtempSync(join(tmpdir(), 'scenario-config-'));
  const taskRoots = new Map<string, string>();
  for (const fn of autopilot.functions) {
    const dir = join(configRoot, fn.serviceName);
    mkdirSync(dir);
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify(fn.config.document));
    taskRoots.set(fn.serviceName, dir);
  }

  const busName = Object.values(resources).find((r) => r.Type === 'AWS::Events::EventBus')?.Properties
    ?.Name as string;
  const routes: Route[] = [];
  const rates: RateSchedule[] = [];
  const crons: CronSchedule[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::Events::Rule' && p.EventPattern) {
      const targets = (p.Targets as { Arn: unknown }[] | undefined) ?? [];
      routes.push({
        id,
        bus: p.EventBusName === undefined ? 'default' : (resolve(p.EventBusName) as string),
        pattern: resolve(p.EventPattern),
        services: targets.flatMap((t) => serviceOfTargetArn(t.Arn) ?? []),
        origin: 'template',
      });
    }
    const expression = typeof p.ScheduleExpression === 'string' ? p.ScheduleExpression : '';
    const every = rateMinutes(expression);
    if ((r.Type === 'AWS::Scheduler::Schedule' || r.Type === 'AWS::Events::Rule') && every !== undefined) {
      const target =
        r.Type === 'AWS::Scheduler::Schedule' ? (p.Target as { Arn: unknown; Input?: string }) : undefined;
      const rule =
        r.Type === 'AWS::Events::Rule'
          ? ((p.Targets as { Arn: unknown; Input?: string }[])[0] ?? undefined)
          : undefined;
      const t = target ?? rule;
      const service = serviceOfTargetArn(t?.Arn);
      if (service) rates.push({ id, service, everyMinutes: every, input: t?.Input ?? '{}' });
    }
    if (r.Type === 'AWS::Scheduler::Schedule' && expression.startsWith('cron(')) {
      const target = p.Target as { Arn: unknown; Input?: unknown };
      const service = serviceOfTargetArn(target.Arn);
      const input = resolve(target.Input ?? '{}');
      if (service)
        crons.push({
          id,
          service,
          expression,
          timeZone: typeof p.ScheduleExpressionTimezone === 'string' ? p.ScheduleExpressionTimezone : 'UTC',
          input: typeof input === 'string' ? input : JSON.stringify(input),
        });
    }
  }

  const parameters = new Map<string, string>();
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::SSM::Parameter') continue;
    const p = resolve(r.Properties ?? {}) as { Name?: unknown; Value?: unknown };
    if (typeof p.Name === 'string' && typeof p.Value === 'string') parameters.set(p.Name, p.Value);
  }

  const namesOf = (type: string): string[] =>
    Object.entries(resources).flatMap(([id, r]) => (r.Type === type ? [refs[id] ?? id] : []));

  const route = (bus: string, event: AwsEvent) =>
    routes
      .filter((r) => r.bus === bus && matchesPattern(r.pattern, event))
      .flatMap((r) => r.services.map((service) => ({ service, rule: r.id })));

  for (const c of CONTRACT) {
    const bus = c.bus === 'default' ? 'default' : busName;
    // Covered when a template rule on that bus sends this source and detail-type to the function
    // (its pattern may narrow further, e.g. to the configured alarm names).
    const covered = routes.some((r) => {
      const p = r.pattern as { source?: Json[]; 'detail-type'?: Json[] };
      return (
        r.bus === bus &&
        c.services.every((x) => r.services.includes(x)) &&
        (p.source ?? []).includes(c.probe.source) &&
        (p['detail-type'] ?? []).includes(c.probe['detail-type'])
      );
    });
    if (!covered) {
      routes.push({
        id: `contract:${c.services.join(',')}`,
        bus,
        pattern: c.pattern,
        services: c.services,
        origin: 'contract',
      });
    }
  }

  const environment = (service: string): Record<string, string> => {
    const env = environments.get(service);
    if (!env) throw new Error(`no function ${service} in the template`);
    return env;
  };
  const model: StackModel = {
    configPath,
    busName,
    routes,
    rates,
    crons,
    tables: namesOf('AWS::DynamoDB::Table'),
    topics: namesOf('AWS::SNS::Topic'),
    parameters,
    documents: documentsOfResources(resources),
    environments,
    arns,
    route,
    serviceOfArn: (arn) => {
      const service = arns.get(arn);
      if (!service) throw new Error(`no function with ARN ${arn} in the template`);
      return service;
    },
    environment,
    taskRoots,
    taskRoot: (service) => {
      const dir = taskRoots.get(service);
      if (!dir) throw new Error(`no function ${service} in the stack`);
      return dir;
    },
    settings: (service) => {
      const fn = autopilot.functions.find((f) => f.serviceName === service);
      if (!fn) throw new Error(`no function ${service} in the stack`);
      return expandDeployTimeValues(fn.config.document, {
        AWS_REGION: REGION,
        ...environment(service),
      }) as Record<string, unknown>;
    },
  };
  cache.set(configPath, model);
  return model;
};
