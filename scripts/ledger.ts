/**
 * `npm run ledger -- <fleet> [--config <file>]`: a fleet's rollouts and their history, newest
 * first, read from the deployment's ledger (credentials for its account required).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { listFleetRollouts } from '../functions/shared/ledger';
import { loadConfig } from '../infra/load-config';
import { ledgerTableName } from '../infra/naming';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { config: { type: 'string', default: join(__dirname, '..', 'config', 'example.yaml') } },
});
const config = loadConfig(resolve(values.config));
const fleet = positionals[0];
if (!fleet || !config.fleets.some((f) => f.name === fleet)) {
  console.error(`usage: npm run ledger -- <fleet>; fleets: ${config.fleets.map((f) => f.name).join(', ')}`);
  process.exit(2);
}
process.env.AWS_REGION ??= config.region;

listFleetRollouts(ledgerTableName(config.deployment), fleet).then(
  (rollouts) => {
    for (const r of rollouts) {
      const what =
        r.kind === 'restart'
          ? 'manager restart'
          : r.kind === 'config'
            ? `config ${r.mode}`
            : `${r.pipeline} image ${r.amiId} as version ${r.candidateVersion ?? '-'}`;
      console.log(`\n${r.candidateId}  ${what}  [${r.state}]${r.reason ? `  ${r.reason}` : ''}`);
      for (const h of r.history) console.log(`  ${h.at}  ${h.state.padEnd(20)} ${h.note}`);
    }
    if (rollouts.length === 0) console.log(`no rollouts for ${fleet}`);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
