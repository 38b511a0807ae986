import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { App, type AppProps } from 'aws-cdk-lib';

/** The feature flags of cdk.json (template validation as errors among them), as the CLI would apply them. */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: object }
).context;

/** An App configured like `cdk synth`; bundling is skipped unless `bundle` is set. */
export const testApp = ({ bundle = false, ...props }: AppProps & { bundle?: boolean } = {}): App =>
  new App({
    ...props,
    context: { ...CDK_CONTEXT, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...props.context },
  });
