import { defineCommand, UsageError } from '../command';
import { CONFIG_ENV, CONFIG_OPTION, configPath } from '../target';

export const check = defineCommand({
  name: 'check',
  summary: "validates a deployment's config offline: the schema, then every construct's own checks",
  args: '[file]',
  options: {
    config: {
      ...CONFIG_OPTION.config,
      help: `the config file (or give it as the argument, or set ${CONFIG_ENV})`,
    },
  },
  details: [
    'Synthesizes in memory without bundling and needs no credentials, then says what it understood:',
    "each pipeline's schedule and the fleets it feeds, and each fleet's windows in its own time zone.",
  ],
  run: async ({ values, positionals }, io) => {
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    const file = configPath(positionals[0] ?? values.config, io, 'check');
    const [{ App }, { buildApp }, { loadConfig }, { describeConfig }] = await Promise.all([
      import('aws-cdk-lib'),
      import('../../infra/app'),
      import('../../infra/load-config'),
      import('../../infra/config-summary'),
    ]);
    // Every construct's own checks run while the app is built; the summary reads the same file.
    buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), file);
    io.out(describeConfig(loadConfig(file), file));
    return 0;
  },
});
