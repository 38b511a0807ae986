import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';

import type { SuiteConfig } from '../functions/shared/config';
import { AutopilotStack } from './autopilot-stack';
import { DeployabilityChecks } from './deployability';
import { ImagesStack } from './images-stack';

export interface RunnerAutopilotProps {
  /** One deployment's config, as `loadConfig` reads and validates it. */
  readonly config: SuiteConfig;
  /**
   * Add cdk-nag's AWS Solutions checks and the deployability checks (CloudFormation, Lambda, IAM
   * and Parameter Store limits) to the enclosing Stage: they check every stack of that Stage.
   * @default true
   */
  readonly validation?: boolean;
}

/**
 * One runner-autopilot deployment: its Image Builder stack and its functions' stack, created
 * under this construct in an App or Stage. The CloudFormation stack names are fixed
 * (`<deployment>-images`, `<deployment>-autopilot`) and every logical id is relative to its
 * stack, so the same config updates a deployment made from any app in place.
 */
export class RunnerAutopilot extends Construct {
  readonly images: ImagesStack;
  readonly autopilot: AutopilotStack;

  constructor(scope: Construct, id: string, props: RunnerAutopilotProps) {
    super(scope, id);
    const { config } = props;
    const env = { region: config.region, ...(config.account ? { account: config.account } : {}) };
    this.images = new ImagesStack(this, 'images', {
      stackName: `${config.deployment}-images`,
      env,
      config,
      description: `runner-autopilot ${config.deployment}: Image Builder pipelines`,
    });
    this.autopilot = new AutopilotStack(this, 'autopilot', {
      stackName: `${config.deployment}-autopilot`,
      env,
      config,
      pipelines: this.images.refs,
      description: `runner-autopilot ${config.deployment}: bakes, rollouts and fleet health`,
    });
    if (props.validation ?? true)
      Validations.of(this).addPlugins(new AwsSolutionsChecks(this), new DeployabilityChecks());
  }
}
