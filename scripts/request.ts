/**
 * The manual triggers, each one event on the deployment's bus (credentials for its account required):
 *   npm run bake -- <pipeline> [--reason <text>] [--config <file>]      -> Bake Requested
 *   npm run rollback -- <fleet> [--reason <text>] [--config <file>]     -> Rollback Requested
 */
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { putEvents } from '../functions/shared/aws/eventbridge';
import { busEntry, DetailType } from '../functions/shared/events';
import { loadConfig } from '../infra/load-config';
import { busName } from '../infra/naming';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string', default: join(__dirname, '..', 'config', 'example.yaml') },
    reason: { type: 'string' },
  },
});
const [request, target] = positionals;
const config = loadConfig(resolve(values.config));
const bus = busName(config.deployment);
const reason = values.reason ?? `requested by ${userInfo().username} from the CLI`;
const idempotencyKey = `cli:${randomUUID()}`;

const usage = (what: string, names: string[]): never => {
  console.error(`usage: npm run ${request} -- <${what}>; ${what}s: ${names.join(', ')}`);
  process.exit(2);
};

const entry = (() => {
  if (request === 'bake') {
    const names = config.pipelines.map((p) => p.name);
    if (!target || !names.includes(target)) return usage('pipeline', names);
    return busEntry(DetailType.BakeRequested, { pipeline: target, idempotencyKey, reason }, bus);
  }
  if (request === 'rollback') {
    const names = config.fleets.map((f) => f.name);
    if (!target || !names.includes(target)) return usage('fleet', names);
    return busEntry(DetailType.RollbackRequested, { fleet: target, idempotencyKey, reason }, bus);
  }
  console.error('usage: tsx scripts/request.ts bake|rollback <name>');
  return process.exit(2);
})();

process.env.AWS_REGION ??= config.region;
putEvents([entry]).then(
  ([id]) => console.log(`${entry.DetailType} for ${target}: event ${id}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
