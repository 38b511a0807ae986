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
  details: ['Synthesizes in memory without bundling, needs no credentials, and lists what it makes.'],
  run: async ({ values, positionals }, io) => {
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    const file = configPath(positionals[0] ?? values.config, io, 'check');
    const [{ App }, { buildApp }] = await Promise.all([import('aws-cdk-lib'), import('../../infra/app')]);
    const { images, autopilot } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), file);
    io.out(`${file}: valid`);
    for (const stack of [images, autopilot]) {
      const resources = stack.node
        .findAll()
        .filter((c) => c.node.defaultChild === undefined && 'cfnResourceType' in c);
      io.out(`  ${stack.stackName}: ${resources.length} resources`);
    }
    return 0;
  },
});
