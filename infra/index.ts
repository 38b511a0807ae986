/**
 * runner-autopilot as a construct library: `new RunnerAutopilot(app, 'Autopilot', { config:
 * loadConfig('deploy/prod.yaml') })`. The functions ship prebundled in the package.
 */
export { RunnerAutopilot, type RunnerAutopilotProps } from './runner-autopilot';
export { loadConfig } from './load-config';
export { AutopilotStack, type AutopilotStackProps, type PipelineRef } from './autopilot-stack';
export { ImagesStack, type ImagesStackProps } from './images-stack';
export type { SuiteConfig } from '../functions/shared/config';
