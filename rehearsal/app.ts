import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { App } from 'aws-cdk-lib';

/** The feature flags of cdk.json (template validation as errors among them), as the CLI would apply them. */
export const CDK_CONTEXT = (
  JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as { context: object }
).context;

/**
 * An App configured like `cdk synth`, without bundling (the rehearsal runs the handlers from
 * source) and without CDK's own CloudFormation template validation, which `npm run synth` runs:
 * it changes no resource and took a third of a rehearsal's start.
 */
export const rehearsalApp = (): App =>
  new App({
    context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
