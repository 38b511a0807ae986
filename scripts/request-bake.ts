/**
 * The manual trigger: `npm run bake -- <pipeline> [--config <file>] [--reason <text>]` puts one
 * `Bake Requested` event on the deployment's bus (credentials for its account required).
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
const config = loadConfig(resolve(values.config));
const pipeline = positionals[0];
if (!pipeline || !config.pipelines.some((p) => p.name === pipeline)) {
  console.error(
    `usage: npm run bake -- <pipeline>; pipelines: ${config.pipelines.map((p) => p.name).join(', ')}`,
  );
  process.exit(2);
}
process.env.AWS_REGION ??= config.region;

const entry = busEntry(
  DetailType.BakeRequested,
  {
    pipeline,
    idempotencyKey: `cli:${randomUUID()}`,
    reason: values.reason ?? `requested by ${userInfo().username} from the CLI`,
  },
  busName(config.deployment),
);
putEvents([entry]).then(
  ([id]) => console.log(`Bake Requested for ${pipeline}: event ${id}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
