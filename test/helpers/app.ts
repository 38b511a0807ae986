import { App, type AppProps } from 'aws-cdk-lib';

import { CDK_CONTEXT } from '../../rehearsal/app';

/** An App configured like `cdk synth`; bundling is skipped unless `bundle` is set. */
export const testApp = ({ bundle = false, ...props }: AppProps & { bundle?: boolean } = {}): App =>
  new App({
    ...props,
    context: { ...CDK_CONTEXT, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...props.context },
  });
