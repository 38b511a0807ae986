import { listUnsettledImages, startPipelineExecution } from '../shared/aws/imagebuilder';
import { isPermanentSdkError, PermanentError } from '../shared/errors';
import { makeHandler } from '../shared/make-handler';
import { lazyConfigSlice } from '../shared/settings';
import { decideBake } from './decide';
import { StartBakeInput, toBakeRequest } from './schema';
import { StartBakeSettings } from './settings';

const settings = lazyConfigSlice(StartBakeSettings);
export const resetSettings = settings.reset;

export const handler = makeHandler({
  name: 'start-bake',
  schema: StartBakeInput,
  correlationIdPath: 'id || scheduledTime',
  run: async (input, { logger }) => {
    const cfg = settings.get();
    const request = toBakeRequest(input);
    logger.appendKeys({ pipeline: request.pipeline });

    const arn = cfg.pipelines[request.pipeline]?.arn;
    const running = arn ? (await listUnsettledImages(arn)).flatMap((i) => (i.arn ? [i.arn] : [])) : [];
    const decision = decideBake(request, cfg, running);

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
          const { imageBuildVersionArn } = await startPipelineExecution(
            decision.pipelineArn,
            decision.clientToken,
          );
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
              {
                cause: error,
              },
            );
          }
          throw error;
        }
    }
  },
});
