import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { Context } from 'aws-lambda';

import { CONFIG_FILE } from '../../functions/shared/settings';
import { resolveIntrinsics } from '../../infra/intrinsics';
import { CliError, defineCommand, UsageError } from '../command';
import { CONFIG_OPTION, loadTarget } from '../target';

type Resource = { Type: string; Properties: Record<string, unknown> };

const readEvent = (file: string): unknown => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`event file not found: ${file}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`event file ${file} is not JSON: ${(error as Error).message}`);
  }
};

const localContext = (name: string, region: string): Context => ({
  functionName: name,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${name}`,
  memoryLimitInMB: '256',
  awsRequestId: `local-${Date.now()}`,
  logGroupName: `/aws/lambda/${name}`,
  logStreamName: 'local',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** The environment the stack gives the function, with the names of the suite's own resources filled in. */
const deployedEnvironment = (
  resources: Record<string, Resource>,
  fn: Resource,
  region: string,
  account: string,
) => {
  // A Ref to a named resource (the bus, the ledger table) is its name; pseudo parameters come from the target.
  const refs: Record<string, string> = { 'AWS::Region': region, 'AWS::AccountId': account };
  for (const [id, r] of Object.entries(resources)) {
    const physical = r.Properties?.Name ?? r.Properties?.TableName;
    if (typeof physical === 'string') refs[id] = physical;
  }
  const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
    ?.Variables;
  return resolveIntrinsics(variables, refs) as Record<string, string>;
};

/**
 * Without --logs the function stays quiet: its answer is printed, and an error it logs before
 * rethrowing is reported once, by the CLI, instead of twice.
 */
const logSwitches = (logs: boolean): Record<string, string> =>
  logs ? {} : { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };

export const invoke = defineCommand({
  name: 'invoke',
  summary: 'runs one function locally as deployed (its bundle, config file and environment) on an event',
  args: '<function> <event.json>',
  options: {
    ...CONFIG_OPTION,
    logs: {
      type: 'boolean',
      help: "print the function's own log lines and metrics, as CloudWatch gets them",
    },
  },
  details: [
    'No Docker: synthesizes the app in memory, bundles the function with esbuild and calls its',
    "handler. Its AWS calls are real: use credentials for the deployment's account.",
  ],
  run: async ({ values, positionals }, io) => {
    const [name, eventFile, extra] = positionals;
    if (!name || !eventFile) throw new UsageError('name a function and an event file');
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const { config, file } = await loadTarget(values.config, io, 'invoke');
    const event = readEvent(resolve(io.cwd, eventFile));

    io.err(`synthesizing ${config.deployment}-autopilot in memory...`);
    const [{ App }, { Template }, { buildApp }] = await Promise.all([
      import('aws-cdk-lib'),
      import('aws-cdk-lib/assertions'),
      import('../../infra/app'),
    ]);
    const { autopilot } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), file);
    const construct = autopilot.functions.find((f) => f.serviceName === name);
    if (!construct)
      throw new UsageError(
        `no function "${name}" in ${autopilot.stackName}; functions: ${autopilot.functions.map((f) => f.serviceName).join(', ')}`,
      );
    const resources = Template.fromStack(autopilot).toJSON().Resources as Record<string, Resource>;
    const fn = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
          ?.POWERTOOLS_SERVICE_NAME === name,
    );
    if (!fn) throw new CliError(`function "${name}" has no AWS::Lambda::Function in ${autopilot.stackName}`);
    const account = config.account ?? io.env.AWS_ACCOUNT_ID ?? '123456789012';
    Object.assign(
      io.env,
      deployedEnvironment(resources, fn, config.region, account),
      logSwitches(values.logs ?? false),
    );

    // The deployed bundle, not the sources: same module format, same bundled SDK, its config file beside it.
    io.err(`bundling ${name}...`);
    const taskRoot = mkdtempSync(join(tmpdir(), 'invoke-'));
    const outfile = join(taskRoot, 'index.mjs');
    const [{ build }, { esbuildOptions }] = await Promise.all([
      import('esbuild'),
      import('../../infra/bundling'),
    ]);
    await build(esbuildOptions(name, outfile));
    writeFileSync(join(taskRoot, CONFIG_FILE), JSON.stringify(construct.config.document));
    io.env.LAMBDA_TASK_ROOT = taskRoot;
    const { handler } = (await import(pathToFileURL(outfile).href)) as {
      handler: (event: unknown, context: Context) => Promise<unknown>;
    };
    io.out(JSON.stringify(await handler(event, localContext(name, config.region)), null, 2));
    return 0;
  },
});
