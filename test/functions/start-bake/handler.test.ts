import {
  ImagebuilderClient,
  ListImagePipelineImagesCommand,
  ResourceNotFoundException,
  StartImagePipelineExecutionCommand,
} from '@aws-sdk/client-imagebuilder';
import { mockClient } from 'aws-sdk-client-mock';

import { resetImageBuilderClient } from '../../../functions/shared/aws/imagebuilder';
import { CONFIG_ENV } from '../../../functions/shared/settings';
import { clientTokenFor } from '../../../functions/start-bake/decide';
import { handler, resetSettings } from '../../../functions/start-bake/handler';
import { context } from '../../../rehearsal/context';
import { fixture } from '../../helpers/fixtures';
import { logEntries, metricNames } from '../../helpers/output';

const imageBuilder = mockClient(ImagebuilderClient);
const JOBS = 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs';
const BUILD = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.4021/1';

/** Image Builder as it behaves: one build per client token. */
const fakeImageBuilder = () => {
  const builds = new Map<string, string>();
  imageBuilder.on(StartImagePipelineExecutionCommand).callsFake((input: { clientToken: string }) => {
    if (!builds.has(input.clientToken))
      builds.set(input.clientToken, `${BUILD.slice(0, -1)}${builds.size + 1}`);
    return { imageBuildVersionArn: builds.get(input.clientToken), clientToken: input.clientToken };
  });
  return builds;
};

describe('start-bake handler', () => {
  const env = { ...process.env };
  beforeEach(() => {
    imageBuilder.reset();
    imageBuilder.onAnyCommand().rejects(new Error('unexpected command'));
    resetImageBuilderClient();
    resetSettings();
    process.env[CONFIG_ENV] = JSON.stringify({ pipelines: { jobs: { arn: JOBS } } });
  });
  afterEach(() => {
    process.env = { ...env };
  });

  it('starts the nightly build of the scheduled pipeline', async () => {
    imageBuilder.on(ListImagePipelineImagesCommand).resolves({ imageSummaryList: [] });
    fakeImageBuilder();

    const result = await handler(fixture('scheduler/nightly-bake.json'), context());

    expect(result).toMatchObject({ outcome: 'started', imageBuildVersionArn: BUILD });
    expect(imageBuilder).toHaveReceivedCommandWith(StartImagePipelineExecutionCommand, {
      imagePipelineArn: JOBS,
      clientToken: clientTokenFor(JOBS, 'schedule:2026-11-30T02:00:00Z'),
    });
    expect(logEntries()).toContainEqual(
      expect.objectContaining({
        message: 'started',
        correlation_id: '2026-11-30T02:00:00Z',
        pipeline: 'jobs',
      }),
    );
  });

  it('starts one build for a duplicated trigger', async () => {
    imageBuilder.on(ListImagePipelineImagesCommand).resolves({ imageSummaryList: [] });
    const builds = fakeImageBuilder();

    const first = await handler(fixture('runner-autopilot/bake-requested.json'), context());
    const again = {
      ...fixture('runner-autopilot/bake-requested.json'),
      id: 'another-delivery-of-the-same-request',
    };
    const second = await handler(again, context());

    expect(builds.size).toBe(1);
    expect(second).toMatchObject({
      outcome: 'started',
      imageBuildVersionArn: (first as { imageBuildVersionArn: string }).imageBuildVersionArn,
    });
  });

  it('does not start a second build while one is running, and says so', async () => {
    imageBuilder.on(ListImagePipelineImagesCommand).resolves({
      imageSummaryList: [
        { arn: `${BUILD.slice(0, -1)}0`, state: { status: 'AVAILABLE' } },
        { arn: BUILD, state: { status: 'TESTING' } },
      ],
    });

    const result = await handler(fixture('scheduler/nightly-bake.json'), context());

    expect(result).toMatchObject({
      outcome: 'skipped',
      running: [BUILD],
      reason: expect.stringContaining('still running'),
    });
    expect(imageBuilder).toHaveReceivedCommandTimes(StartImagePipelineExecutionCommand, 0);
    expect(logEntries()).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'skipped', running: [BUILD] }),
    );
  });

  it('reads every page of the pipeline images before deciding', async () => {
    imageBuilder
      .on(ListImagePipelineImagesCommand)
      .resolvesOnce({ imageSummaryList: [{ arn: 'old', state: { status: 'AVAILABLE' } }], nextToken: 'p2' })
      .resolvesOnce({ imageSummaryList: [{ arn: BUILD, state: { status: 'BUILDING' } }] });

    const result = await handler(fixture('scheduler/nightly-bake.json'), context());

    expect(result).toMatchObject({ outcome: 'skipped', running: [BUILD] });
    expect(imageBuilder).toHaveReceivedCommandTimes(ListImagePipelineImagesCommand, 2);
  });

  it('rejects an unknown pipeline without calling Image Builder and counts it', async () => {
    const result = await handler({ pipeline: 'windows', scheduledTime: '2026-11-30T02:00:00Z' }, context());

    expect(result).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringContaining('unknown pipeline "windows"'),
    });
    expect(imageBuilder).toHaveReceivedCommandTimes(ListImagePipelineImagesCommand, 0);
    expect(metricNames()).toContain('PermanentFailure');
  });

  it('rejects a malformed event without calling Image Builder', async () => {
    const result = await handler({ pipeline: 'jobs' }, context());

    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(imageBuilder.calls()).toHaveLength(0);
  });

  it('rejects for good when the pipeline was deleted under us', async () => {
    imageBuilder.on(ListImagePipelineImagesCommand).resolves({ imageSummaryList: [] });
    imageBuilder
      .on(StartImagePipelineExecutionCommand)
      .rejects(new ResourceNotFoundException({ message: 'pipeline not found', $metadata: {} }));

    const result = await handler(fixture('scheduler/nightly-bake.json'), context());

    expect(result).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringContaining('pipeline not found'),
    });
  });

  it('rethrows throttling so Lambda retries, keeping the cause', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'CallRateLimitExceededException' });
    imageBuilder.on(ListImagePipelineImagesCommand).resolves({ imageSummaryList: [] });
    imageBuilder.on(StartImagePipelineExecutionCommand).rejects(throttled);

    await expect(handler(fixture('scheduler/nightly-bake.json'), context())).rejects.toThrow('Rate exceeded');
    expect(metricNames()).toContain('TransientFailure');
  });

  it('fails (transient, so it reaches the DLQ) when its config slice is missing', async () => {
    delete process.env[CONFIG_ENV];

    await expect(handler(fixture('scheduler/nightly-bake.json'), context())).rejects.toThrow(CONFIG_ENV);
  });
});
