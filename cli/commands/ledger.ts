import { ledgerTableName } from '../../infra/naming';
import { callAws } from '../aws-errors';
import { requireName } from '../bus-request';
import { defineCommand } from '../command';
import { CONFIG_OPTION, loadTarget } from '../target';

export const ledger = defineCommand({
  name: 'ledger',
  summary: "a fleet's rollouts and their history, newest first, from the deployment's ledger",
  args: '<fleet>',
  options: CONFIG_OPTION,
  details: ["Needs credentials for the deployment's account (dynamodb:Query on its ledger table)."],
  run: async ({ values, positionals }, io) => {
    const { config } = await loadTarget(values.config, io, 'ledger');
    const fleet = requireName(
      'fleet',
      positionals[0],
      config.fleets.map((f) => f.name),
    );
    const { listFleetRollouts } = await import('../../functions/shared/ledger');
    const rollouts = await callAws('dynamodb:Query', () =>
      listFleetRollouts(ledgerTableName(config.deployment), fleet),
    );
    for (const r of rollouts) {
      const what =
        r.kind === 'restart'
          ? 'manager restart'
          : r.kind === 'config'
            ? `config ${r.mode}`
            : `${r.pipeline} image ${r.amiId} as version ${r.candidateVersion ?? '-'}`;
      io.out(`\n${r.candidateId}  ${what}  [${r.state}]${r.reason ? `  ${r.reason}` : ''}`);
      for (const h of r.history) io.out(`  ${h.at}  ${h.state.padEnd(20)} ${h.note}`);
    }
    if (rollouts.length === 0) io.out(`no rollouts for ${fleet}`);
    return 0;
  },
});
