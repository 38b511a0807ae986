import { join } from 'node:path';

import { App } from 'aws-cdk-lib';

import { type AutopilotStack, type ImagesStack, loadConfig, RunnerAutopilot } from './index';

/** Builds the whole app from one config file; tests and scripts call it with their own `App`. */
export const buildApp = (
  app: App,
  configPath: string,
): { images: ImagesStack; autopilot: AutopilotStack } => {
  const config = loadConfig(configPath);
  return new RunnerAutopilot(app, config.deployment, { config });
};

// The repository's own app (`npm run synth`): the example config unless `-c config=<file>`.
if (require.main === module) {
  const app = new App();
  const configPath =
    (app.node.tryGetContext('config') as string | undefined) ??
    join(__dirname, '..', 'config', 'example.yaml');
  buildApp(app, configPath);
  app.synth();
}
