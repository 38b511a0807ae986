import { DetailType } from '../../functions/shared/events';
import { putRequest, REQUEST_OPTIONS, requestEntry, requireName } from '../bus-request';
import { defineCommand } from '../command';
import { CONFIG_OPTION, loadTarget } from '../target';

export const bake = defineCommand({
  name: 'bake',
  summary: "puts Bake Requested on the deployment's bus: the pipeline builds a new image",
  args: '<pipeline>',
  options: { ...CONFIG_OPTION, ...REQUEST_OPTIONS },
  details: ["Needs credentials for the deployment's account (events:PutEvents on its bus)."],
  run: async ({ values, positionals }, io) => {
    const target = await loadTarget(values.config, io, 'bake');
    const pipeline = requireName(
      'pipeline',
      positionals[0],
      target.config.pipelines.map((p) => p.name),
    );
    const entry = requestEntry({ kind: DetailType.BakeRequested, pipeline }, target, values.reason);
    return putRequest(entry, pipeline, values['dry-run'] ?? false, io);
  },
});
