import { isPermanentSdkError, PermanentError } from '../shared/errors';
import type { RunDeps } from '../shared/make-handler';
import { decideBake, toBakeRequest } from './decide';
import type { StartBakePorts } from './ports';
import type { StartBakeInput } from './schema';
import type { StartBakeSettings } from './settings';

/** One trigger (the nightly schedule or a Bake Requested event): start the pipeline unless a build runs. */
export const runStartBake = async (
  input: StartBakeInput,
  { logger, settings, ports }: RunDeps<StartBakeSettings, StartBakePorts>,
) => {
  const request = toBakeRequest(input);
  logger.appendKeys({ pipeline: request.pipeline });

  const arn = settings.pipelines[request.pipeline]?.arn;
  const running = arn ? await ports.runningBuilds(arn) : [];
  const decision = decideBake(request, settings, running);

  switch (decision.kind) {
    case 'refuse':
      throw new PermanentError(decision.reason);
    case 'skip':
      return {
        outcome: 'skipped',
        reason: `a build of pipeline "${request.pipeline}" is still running: ${decision.running.join(', ')}`,
        pipelineArn: decision.pipelineArn,
        running: decision.running,
      };
    case 'start':
      try {
        const { imageBuildVersionArn } = await ports.startBuild(decision.pipelineArn, decision.clientToken);
        return {
          outcome: 'started',
          reason: request.reason,
          pipelineArn: decision.pipelineArn,
          clientToken: decision.clientToken,
          imageBuildVersionArn,
        };
      } catch (error) {
        if (isPermanentSdkError(error)) {
          throw new PermanentError(
            `Image Builder refused to start ${decision.pipelineArn}: ${(error as Error).message}`,
            { cause: error },
          );
        }
        throw error;
      }
  }
};
