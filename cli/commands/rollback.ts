import { DetailType } from '../../functions/shared/events';
import { putRequest, REQUEST_OPTIONS, requestEntry, requireName } from '../bus-request';
import { CliError, defineCommand } from '../command';
import { CONFIG_OPTION, loadTarget } from '../target';

export const rollback = defineCommand({
  name: 'rollback',
  summary:
    "puts Rollback Requested on the deployment's bus: the fleet's latest promoted candidate is rolled back",
  args: '<fleet>',
  options: {
    ...CONFIG_OPTION,
    ...REQUEST_OPTIONS,
    yes: {
      type: 'boolean',
      short: 'y',
      help: 'do not ask for confirmation (required when stdin is not a terminal)',
    },
  },
  details: [
    "Asks for confirmation on a terminal. Needs credentials for the deployment's account",
    '(events:PutEvents on its bus).',
  ],
  run: async ({ values, positionals }, io) => {
    const target = await loadTarget(values.config, io, 'rollback');
    const fleet = requireName(
      'fleet',
      positionals[0],
      target.config.fleets.map((f) => f.name),
    );
    const entry = requestEntry({ kind: DetailType.RollbackRequested, fleet }, target, values.reason);
    const dryRun = values['dry-run'] ?? false;
    if (!dryRun && !values.yes) {
      if (!io.interactive)
        throw new CliError(`not rolling back ${fleet}: stdin is not a terminal, so pass --yes to confirm`);
      const answer = await io.ask(
        `Roll back fleet ${fleet} of ${target.config.deployment} to its previous launch template version? [y/N] `,
      );
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.err('not rolled back');
        return 1;
      }
    }
    return putRequest(entry, fleet, dryRun, io);
  },
});
