/**
 * Local invoke without Docker: `npm run invoke -- <function> <events/file.json> [--config <file>]`.
 * Synthesizes the app in memory (no bundling) to hand the function exactly the config file and
 * environment the stack gives it, then calls its exported (wrapped) handler. AWS calls are real: use credentials
 * for the target account, or expect the handler's own error for a missing one.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';

import { build } from 'esbuild';

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Context } from 'aws-lambda';

import { CONFIG_FILE } from '../functions/shared/settings';
import { buildApp } from '../infra/app';
import { esbuildOptions } from '../infra/bundling';
import { resolveIntrinsics } from '../infra/intrinsics';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { config: { type: 'string', default: join(__dirname, '..', 'config', 'example.yaml') } },
});
const [name, eventFile] = positionals;
if (!name || !eventFile) {
  console.error('usage: npm run invoke -- <function> <event.json> [--config <file>]');
  process.exit(2);
}

type Resource = { Type: string; Properties: Record<string, unknown> };

const main = async () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { autopilot } = buildApp(app, resolve(values.config));
  const resources = Template.fromStack(autopilot).toJSON().Resources as Record<string, Resource>;
  const variablesOf = (r: Resource) =>
    (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  const fn = Object.values(resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && variablesOf(r)?.POWERTOOLS_SERVICE_NAME === name,
  );
  if (!fn) throw new Error(`no function "${name}" in ${autopilot.stackName}`);

  // A Ref to a named resource (the bus) is its name; pseudo parameters come from the environment.
  const refs: Record<string, string> = {
    'AWS::Region': autopilot.region,
    'AWS::AccountId': process.env.AWS_ACCOUNT_ID ?? '123456789012',
  };
  for (const [id, r] of Object.entries(resources)) {
    const physical = r.Properties?.Name;
    if (typeof physical === 'string') refs[id] = physical;
  }
  const env = resolveIntrinsics(variablesOf(fn), refs) as Record<string, string>;
  Object.assign(process.env, env, { AWS_REGION: process.env.AWS_REGION ?? autopilot.region });

  // The deployed bundle, not the sources: same module format, same bundled SDK, its config file beside it.
  const taskRoot = mkdtempSync(join(tmpdir(), 'invoke-'));
  const outfile = join(taskRoot, 'index.mjs');
  await build(esbuildOptions(name, outfile));
  const construct = autopilot.functions.find((f) => f.serviceName === name);
  if (!construct) throw new Error(`no function "${name}" in ${autopilot.stackName}`);
  writeFileSync(join(taskRoot, CONFIG_FILE), JSON.stringify(construct.config.document));
  process.env.LAMBDA_TASK_ROOT = taskRoot;
  const { handler } = (await import(pathToFileURL(outfile).href)) as {
    handler: (event: unknown, context: Context) => Promise<unknown>;
  };
  const event: unknown = JSON.parse(readFileSync(resolve(eventFile), 'utf8'));
  const context = {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${autopilot.region}:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: `local-${Date.now()}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  } satisfies Context;
  console.log(JSON.stringify(await handler(event, context), null, 2));
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
