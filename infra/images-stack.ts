import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

import type { SuiteConfig } from '../functions/shared/config';
import type { PipelineRef } from './autopilot-stack';
import { RunnerImagePipeline } from './image-builder/runner-image-pipeline';

export interface ImagesStackProps extends StackProps {
  readonly config: SuiteConfig;
}

/** Image Builder as code: one pipeline per configured pipeline, job or manager kind. */
export class ImagesStack extends Stack {
  /**
   * Plain-string names for the functions' stack, which derives ARNs from them: no CloudFormation
   * export ties the two stacks together.
   */
  readonly refs: PipelineRef[];

  constructor(scope: Construct, id: string, props: ImagesStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.refs = config.pipelines.map((pipeline) => {
      const built = new RunnerImagePipeline(this, `Pipeline-${pipeline.name}`, {
        deployment: config.deployment,
        pipeline,
        runnerVersion: config.gitlab.runnerVersion,
      });
      built.nagAcknowledgements.forEach((ack) => Validations.of(built).acknowledge(ack));
      return { name: pipeline.name, pipelineName: built.pipelineName, recipeName: built.recipeName };
    });
  }
}
