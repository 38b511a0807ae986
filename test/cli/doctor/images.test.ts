import {
  ImagebuilderClient,
  type ImageSummary,
  ListImagePipelinesCommand,
  type ListImagePipelinesCommandInput,
} from '@aws-sdk/client-imagebuilder';
import { Stack } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';

import { findImagePipelines, resetImagePipelinesClient } from '../../../cli/doctor/aws/image-pipelines';
import {
  bakesSince,
  imagePipelineName,
  judgePipeline,
  judgeTemplate,
  type Judging,
  type PipelineFacts,
  type TemplateFacts,
} from '../../../cli/doctor/images';
import type { Pipeline } from '../../../functions/shared/config';
import { DEPLOYMENT_TAG, PIPELINE_TAG } from '../../../functions/shared/names';
import { RunnerImagePipeline } from '../../../infra/image-builder/runner-image-pipeline';
import { loadConfig } from '../../../infra/load-config';
import { testApp } from '../../helpers/app';
import { EXAMPLE } from '../run-cli';

/**
 * The images area's rules, and its Image Builder read: Image Builder is not in moto, so the
 * pipeline lookup is held to the API's limits here with aws-sdk-client-mock.
 */

const config = loadConfig(EXAMPLE);
const pipeline = (name: string): Pipeline => {
  const found = config.pipelines.find((p) => p.name === name);
  if (!found) throw new Error(`the example has pipeline ${name}`);
  return found;
};
const jobs = pipeline('jobs');
const NOW = new Date('2026-12-04T12:00:00Z');
const FILE = '/deploy/prod.yaml';
const j: Judging = { now: NOW, configFile: FILE, region: 'us-east-2', deployment: 'gitlab-runners' };
const at = (iso: string) => new Date(iso);

const build = (created: string, status: string, version = '1.0.1/3'): ImageSummary => ({
  arn: `arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/${version}`,
  version,
  dateCreated: created,
  state: { status: status as 'AVAILABLE' },
});
const pipelineFacts = (images: ImageSummary[], p: Pipeline = jobs): PipelineFacts => ({
  pipeline: p,
  name: 'gitlab-runners-jobs',
  arn: 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs',
  images,
});

const template = (ami: Partial<TemplateFacts['ami']> | undefined, over: Partial<TemplateFacts> = {}) =>
  judgeTemplate(
    {
      launchTemplate: 'gitlab-runner-autoscaler',
      fleets: ['jobs-docker', 'jobs-instance'],
      pipeline: jobs,
      template: { id: 'lt-0123456789abcdef0', defaultVersion: 4 },
      defaultImageId: 'ami-0aaaaaaaaaaaaaaa1',
      ami: ami && {
        imageId: 'ami-0aaaaaaaaaaaaaaa1',
        name: 'gitlab-runners-jobs-2026-12-04',
        state: 'available',
        creationDate: '2026-12-04T03:10:00.000Z',
        tags: { [DEPLOYMENT_TAG]: 'gitlab-runners', [PIPELINE_TAG]: 'jobs' },
        ...ami,
      },
      ...over,
    },
    j,
  );

describe('doctor images', () => {
  it('looks up the pipeline the images stack names', () => {
    const stack = new Stack(testApp(), 'Images', { env: { account: '123456789012', region: 'us-east-2' } });

    const construct = new RunnerImagePipeline(stack, 'Jobs', {
      deployment: 'Gitlab-Runners',
      pipeline: jobs,
      runnerVersion: '18.6.2',
    });

    expect(imagePipelineName('Gitlab-Runners', 'jobs')).toBe(construct.pipelineName);
  });

  describe('bakesSince', () => {
    it.each([
      ['the last nightly bake', '2026-12-04T02:05:00Z', []],
      ['one nightly bake ago', '2026-12-03T02:05:00Z', ['2026-12-04T02:00:00.000Z']],
      [
        'two nightly bakes ago',
        '2026-12-02T23:00:00Z',
        ['2026-12-04T02:00:00.000Z', '2026-12-03T02:00:00.000Z'],
      ],
    ])('counts the scheduled bakes since %s', (_when, since, expected) => {
      expect(bakesSince(jobs.schedule, at(since), NOW).map((d) => d.toISOString())).toEqual(expected);
    });

    it("reads the cron in the schedule's time zone", () => {
      const berlin = { cron: '30 2 * * 0', timeZone: 'Europe/Berlin', enabled: true };

      expect(bakesSince(berlin, at('2026-11-01T00:00:00Z'), NOW).map((d) => d.toISOString())).toEqual([
        '2026-11-29T01:30:00.000Z',
        '2026-11-22T01:30:00.000Z',
      ]);
    });

    it('counts none for a schedule turned off', () => {
      expect(bakesSince({ ...jobs.schedule, enabled: false }, at('2026-01-01T00:00:00Z'), NOW)).toEqual([]);
    });
  });

  describe('judgePipeline', () => {
    it('warns of a pipeline that never built, with the bake that starts one', () => {
      expect(judgePipeline(pipelineFacts([]), j)).toEqual([
        {
          area: 'images',
          subject: 'pipeline jobs',
          status: 'warn',
          says: 'gitlab-runners-jobs has never built an image, so no fleet has a candidate',
          fix: `npm run bake -- jobs -c ${FILE}`,
        },
      ]);
    });

    it('passes a build still running, whatever the order Image Builder lists builds in', () => {
      const findings = judgePipeline(
        pipelineFacts([
          build('2026-12-04T10:30:00.000Z', 'TESTING', '1.0.1/4'),
          build('2026-12-03T02:00:04.000Z', 'AVAILABLE'),
        ]),
        j,
      );

      expect(findings).toEqual([
        expect.objectContaining({
          status: 'pass',
          says: 'last build 1.0.1/4 TESTING (still running), started 2026-12-04 10:30 UTC (1 hour ago)',
        }),
      ]);
    });

    it('warns of a cancelled build', () => {
      expect(judgePipeline(pipelineFacts([build('2026-12-04T02:00:04.000Z', 'CANCELLED')]), j)).toEqual([
        expect.objectContaining({
          status: 'warn',
          says: expect.stringMatching(/^last build 1\.0\.1\/3 CANCELLED/),
        }),
      ]);
    });

    it('warns when two scheduled bakes passed without a build', () => {
      const findings = judgePipeline(pipelineFacts([build('2026-12-02T02:00:04.000Z', 'AVAILABLE')]), j);

      expect(findings).toEqual([
        expect.objectContaining({ status: 'pass' }),
        {
          area: 'images',
          subject: 'pipeline jobs',
          status: 'warn',
          says: 'no build since 2026-12-02 02:00 UTC (2 days ago), though jobs bakes on "0 2 * * *" (UTC): the last two scheduled bakes did not start',
          fix: `start one now: npm run bake -- jobs -c ${FILE}; if scheduled bakes keep missing, look at the errors of the start-bake function of stack gitlab-runners-autopilot`,
        },
      ]);
    });

    it('does not count bakes for a pipeline baked only on push or by hand', () => {
      const pushOnly = { ...jobs, schedule: { ...jobs.schedule, enabled: false } };

      const findings = judgePipeline(
        pipelineFacts([build('2026-10-01T09:00:00.000Z', 'AVAILABLE')], pushOnly),
        j,
      );

      expect(findings.map((f) => f.status)).toEqual(['pass']);
    });
  });

  describe('judgeTemplate', () => {
    it('fails a default version that names no AMI', () => {
      expect(template(undefined, { defaultImageId: undefined })).toEqual({
        area: 'images',
        subject: 'launch template gitlab-runner-autoscaler',
        status: 'fail',
        says: 'default version 4 names no AMI, so fleets jobs-docker, jobs-instance cannot launch from it',
        fix: `set aws_launch_template.image_id (the first rollout then replaces it), or npm run bake -- jobs -c ${FILE}`,
      });
    });

    it.each(['pending', 'disabled', 'failed'])('fails a default AMI that is %s', (state) => {
      expect(template({ state }, { launchableVersion: 3 })).toMatchObject({
        status: 'fail',
        says: `default version 4 launches ami-0aaaaaaaaaaaaaaa1, which is ${state}: fleets jobs-docker, jobs-instance cannot launch new instances`,
        fix: expect.stringContaining(
          '--launch-template-id lt-0123456789abcdef0 --default-version 3 --region us-east-2',
        ),
      });
    });

    it('warns of a deprecated AMI', () => {
      expect(template({ deprecationTime: '2026-12-01T00:00:00.000Z' })).toMatchObject({
        status: 'warn',
        says: 'default version 4 launches ami-0aaaaaaaaaaaaaaa1 (gitlab-runners-jobs-2026-12-04), deprecated since 2026-12-01 00:00 UTC (3 days ago)',
      });
    });

    it("takes an AMI tagged for another deployment as not this suite's", () => {
      expect(template({ tags: { [DEPLOYMENT_TAG]: 'staging', [PIPELINE_TAG]: 'jobs' } })).toMatchObject({
        status: 'warn',
        says: expect.stringContaining('which this suite did not bake'),
      });
    });

    it('passes the AMI its pipeline baked last night, with its age in whole units', () => {
      expect(template({})).toEqual({
        area: 'images',
        subject: 'launch template gitlab-runner-autoscaler',
        status: 'pass',
        says: 'default version 4 launches ami-0aaaaaaaaaaaaaaa1 (gitlab-runners-jobs-2026-12-04), baked by pipeline jobs, created 2026-12-04 03:10 UTC (8 hours ago)',
      });
    });
  });
});

describe('findImagePipelines', () => {
  const imageBuilder = mockClient(ImagebuilderClient);
  beforeEach(() => {
    imageBuilder.reset();
    resetImagePipelinesClient();
  });
  afterAll(() => imageBuilder.restore());

  it('asks for at most 10 names a call, follows every page and keeps only exact names', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `gitlab-runners-p${i}`);
    // Copies: the SDK's paginator reuses one input object, setting nextToken on it page by page.
    const sent: ListImagePipelinesCommandInput[] = [];
    imageBuilder.on(ListImagePipelinesCommand).callsFake((input: ListImagePipelinesCommandInput) => {
      sent.push(structuredClone(input));
      const asked = input.filters?.[0]?.values ?? [];
      if (asked.length === 10 && !input.nextToken)
        return {
          imagePipelineList: [
            { name: asked[0], arn: `arn:${asked[0]}` },
            { name: `${asked[0]}-old`, arn: 'arn:not-ours' },
          ],
          nextToken: 'page-2',
        };
      return { imagePipelineList: asked.slice(-1).map((name) => ({ name, arn: `arn:${name}` })) };
    });

    const found = await findImagePipelines(names);

    expect(sent.map((i) => [i.filters?.[0]?.name, i.filters?.[0]?.values?.length, i.nextToken])).toEqual([
      ['name', 10, undefined],
      ['name', 10, 'page-2'],
      ['name', 2, undefined],
    ]);
    expect([...found]).toEqual([
      ['gitlab-runners-p0', 'arn:gitlab-runners-p0'],
      ['gitlab-runners-p9', 'arn:gitlab-runners-p9'],
      ['gitlab-runners-p11', 'arn:gitlab-runners-p11'],
    ]);
  });
});
