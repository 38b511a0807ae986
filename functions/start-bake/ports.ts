import { listUnsettledImages, startPipelineExecution } from '../shared/aws/imagebuilder';

/** What start-bake asks of Image Builder. */
export interface StartBakePorts {
  /** Build-version ARNs of the pipeline's images that have not settled yet (all pages). */
  readonly runningBuilds: (pipelineArn: string) => Promise<string[]>;
  /** Starts a build; a repeated client token answers with the first build. */
  readonly startBuild: (
    pipelineArn: string,
    clientToken: string,
  ) => Promise<{ imageBuildVersionArn: string | undefined }>;
}

export const startBakePorts = (): StartBakePorts => ({
  runningBuilds: async (pipelineArn) =>
    (await listUnsettledImages(pipelineArn)).flatMap((i) => (i.arn ? [i.arn] : [])),
  startBuild: startPipelineExecution,
});
