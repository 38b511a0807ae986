import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetImageCommand, ImagebuilderClient, ResourceNotFoundException } from '@aws-sdk/client-imagebuilder';
import { mockClient } from 'aws-sdk-client-mock';

import { handler, resetSettings } from '../../../functions/image-state/handler';
import { resetEventBridgeClient } from '../../../functions/shared/aws/eventbridge';
import { resetImageBuilderClient } from '../../../functions/shared/aws/imagebuilder';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { context } from '../../../rehearsal/context';
import { fixture } from '../../helpers/fixtures';
import { metricNames } from '../../helpers/output';

const imageBuilder = mockClient(ImagebuilderClient);
const eventBridge = mockClient(EventBridgeClient);
const JOBS = 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs';
const MANAGER = 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-manager';
const AVAILABLE = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.4021/1';

const detailOf = (call = 0) => {
  const entry = eventBridge.commandCalls(PutEventsCommand)[call]?.args[0].input.Entries?.[0];
  return { ...entry, Detail: JSON.parse(entry?.Detail ?? 'null') as Record<string, unknown> };
};

describe('image-state handler', () => {
  const env = { ...process.env };
  beforeEach(() => {
    imageBuilder.reset();
    eventBridge.reset();
    imageBuilder.onAnyCommand().rejects(new Error('unexpected command'));
    eventBridge.onAnyCommand().rejects(new Error('unexpected command'));
    resetImageBuilderClient();
    resetEventBridgeClient();
    resetSettings();
    process.env[CONFIG_ENV] = JSON.stringify({
      eventBusName: 'runner-autopilot',
      pipelines: [
        { name: 'jobs', arn: JOBS },
        { name: 'manager', arn: MANAGER },
      ],
    });
  });
  afterEach(() => {
    process.env = { ...env };
  });

  it('turns AVAILABLE into Image Ready with the AMI ids from GetImage', async () => {
    imageBuilder.on(GetImageCommand, { imageBuildVersionArn: AVAILABLE }).resolves({
      image: {
        arn: AVAILABLE,
        version: '1.0.4021/1',
        sourcePipelineArn: JOBS,
        state: { status: 'AVAILABLE' },
        outputResources: {
          amis: [
            { region: 'us-east-2', image: 'ami-0123456789abcdef0', accountId: '123456789012' },
            { region: 'us-west-2', image: 'ami-0fedcba9876543210', accountId: '123456789012' },
          ],
        },
      },
    });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await handler(fixture('imagebuilder/image-state.available.json'), context());

    expect(result).toMatchObject({ outcome: 'image-ready', pipeline: 'jobs', eventId: 'e-1' });
    expect(detailOf()).toMatchObject({
      Source: 'runner-autopilot',
      DetailType: 'Image Ready',
      EventBusName: 'runner-autopilot',
      Resources: [AVAILABLE],
      Detail: {
        pipeline: 'jobs',
        imageArn: AVAILABLE,
        amis: [
          { region: 'us-east-2', imageId: 'ami-0123456789abcdef0', accountId: '123456789012' },
          { region: 'us-west-2', imageId: 'ami-0fedcba9876543210', accountId: '123456789012' },
        ],
      },
    });
  });

  it.each([
    ['imagebuilder/image-state.failed.json', JOBS, 'jobs', 'FAILED'],
    ['imagebuilder/image-state.cancelled.json', MANAGER, 'manager', 'CANCELLED'],
  ])(
    'turns %s into Bake Failed with pipeline, image and reason',
    async (file, pipelineArn, pipeline, status) => {
      const event = fixture<{ resources: string[]; detail: { state: { reason: string } } }>(file);
      imageBuilder.on(GetImageCommand).resolves({
        image: {
          arn: event.resources[0],
          sourcePipelineArn: pipelineArn,
          state: { status: status as 'FAILED' },
        },
      });
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });

      const result = await handler(event, context());

      expect(result).toMatchObject({ outcome: 'bake-failed', pipeline });
      expect(detailOf()).toMatchObject({
        DetailType: 'Bake Failed',
        Detail: {
          pipeline,
          pipelineArn,
          imageArn: event.resources[0],
          status,
          reason: event.detail.state.reason,
        },
      });
    },
  );

  it('ignores an image whose pipeline is not ours, putting nothing', async () => {
    imageBuilder.on(GetImageCommand).resolves({
      image: { sourcePipelineArn: 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/someone-else' },
    });

    const result = await handler(fixture('imagebuilder/image-state.other-recipe.json'), context());

    expect(result).toMatchObject({ outcome: 'ignored' });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });

  it('ignores an in-progress state without calling GetImage', async () => {
    const result = await handler(fixture('imagebuilder/image-state.building.json'), context());

    expect(result).toMatchObject({ outcome: 'ignored' });
    expect(imageBuilder).toHaveReceivedCommandTimes(GetImageCommand, 0);
  });

  it('rejects, counts and puts nothing when the image was deleted under us', async () => {
    imageBuilder
      .on(GetImageCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

    const result = await handler(fixture('imagebuilder/image-state.available.json'), context());

    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(metricNames()).toContain('PermanentFailure');
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });

  it('rethrows when the bus refuses the entry, so Lambda retries', async () => {
    imageBuilder.on(GetImageCommand).resolves({
      image: {
        sourcePipelineArn: JOBS,
        state: { status: 'AVAILABLE' },
        outputResources: { amis: [{ region: 'us-east-2', image: 'ami-0123456789abcdef0' }] },
      },
    });
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });

    await expect(handler(fixture('imagebuilder/image-state.available.json'), context())).rejects.toThrow(
      'ThrottlingException',
    );
  });

  it('rejects an event of another source', async () => {
    const result = await handler(
      { ...fixture('imagebuilder/image-state.available.json'), source: 'aws.ec2' },
      context(),
    );

    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(imageBuilder.calls()).toHaveLength(0);
  });
});
