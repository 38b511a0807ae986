import { join } from 'node:path';

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { AutopilotStack } from './autopilot-stack';
import { DeployabilityChecks } from './deployability';
import { ImagesStack } from './images-stack';
import { loadConfig } from './load-config';

/** Builds the whole app from one config file; tests call it with their own `App`. */
export const buildApp = (
  app: App,
  configPath: string,
): { images: ImagesStack; autopilot: AutopilotStack } => {
  const config = loadConfig(configPath);
  const env = { region: config.region, ...(config.account ? { account: config.account } : {}) };
  const images = new ImagesStack(app, `${config.deployment}-images`, {
    env,
    config,
    description: `runner-autopilot ${config.deployment}: Image Builder pipelines`,
  });
  const autopilot = new AutopilotStack(app, `${config.deployment}-autopilot`, {
    env,
    config,
    pipelines: images.refs,
    description: `runner-autopilot ${config.deployment}: bakes, rollouts and fleet health`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new DeployabilityChecks());
  return { images, autopilot };
};

if (require.main === module) {
  const app = new App();
  const configPath =
    (app.node.tryGetContext('config') as string | undefined) ??
    join(__dirname, '..', 'config', 'example.yaml');
  buildApp(app, configPath);
  app.synth();
}
