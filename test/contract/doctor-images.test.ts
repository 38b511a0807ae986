import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeregisterImageCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { ImagebuilderClient, type ImageSummary } from '@aws-sdk/client-imagebuilder';
import { mockClient } from 'aws-sdk-client-mock';

import type { DoctorContext } from '../../cli/doctor/doctor';
import type { Finding } from '../../cli/doctor/finding';
import { imagesCheck } from '../../cli/doctor/images';
import { loadConfig } from '../../infra/load-config';
import { EXAMPLE } from '../cli/run-cli';
import { build, type PipelineName, registerAmi, stubPipelines as stub } from './doctor-deployment';
import { resetDoctorClients } from './doctor-fleet';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * doctor's images area. The launch templates and AMIs live in moto server, created as a team's
 * IaC and our bakes would; Image Builder is not in moto at all, so its two reads
 * (ListImagePipelines, ListImagePipelineImages) are stubbed with aws-sdk-client-mock.
 */

const config = loadConfig(EXAMPLE);
const FILE = '/deploy/prod.yaml';
const HOUR = 3_600_000;

const imageBuilder = mockClient(ImagebuilderClient);
const stubPipelines = (
  images: Partial<Record<PipelineName, ImageSummary[]>>,
  deployed?: PipelineName[],
): void => stub(imageBuilder, images, deployed);

const ec2 = (): EC2Client => new EC2Client({});

/** A launch template with one version per AMI, the last one (or `defaultVersion`) the default. */
const launchTemplate = async (
  name: string,
  imageIds: string[],
  defaultVersion = imageIds.length,
): Promise<string> => {
  const [first, ...rest] = imageIds;
  const created = await ec2().send(
    new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: { ImageId: first } }),
  );
  const id = created.LaunchTemplate?.LaunchTemplateId ?? '';
  for (const imageId of rest)
    await ec2().send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: id,
        LaunchTemplateData: { ImageId: imageId },
      }),
    );
  if (defaultVersion > 1)
    await ec2().send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: String(defaultVersion) }),
    );
  return id;
};

/** The example's two templates, each on an AMI its own pipeline baked. */
const healthyTemplates = async (): Promise<{ jobsAmi: string; managerAmi: string }> => {
  const jobsAmi = await registerAmi('gitlab-runners-jobs-2026-12-01', 'jobs');
  const managerAmi = await registerAmi('gitlab-runners-manager-2026-11-29', 'manager');
  await launchTemplate('gitlab-runner-autoscaler', [jobsAmi]);
  await launchTemplate('gitlab-runner-manager', [managerAmi]);
  return { jobsAmi, managerAmi };
};

/** moto dates a registered AMI with the real clock: each case's `now` starts from it. */
const contextAt = (now: Date): DoctorContext => ({ config, configFile: FILE, now, deployed: true });

const notPassing = (findings: Finding[]): Finding[] => findings.filter((f) => f.status !== 'pass');

describeWithMoto('doctor images [moto + Image Builder stubbed]', () => {
  useMotoServer({
    resetClients: resetDoctorClients,
    afterStart: async () => {
      await ec2().send(new DescribeLaunchTemplatesCommand({}));
    },
  });
  beforeEach(() => {
    imageBuilder.reset();
    imageBuilder.onAnyCommand().rejects(new Error('doctor makes no other Image Builder call'));
  });
  afterAll(() => imageBuilder.restore());

  it('passes pipelines that built on schedule and templates on AMIs they baked', async () => {
    const now = new Date();
    const { jobsAmi, managerAmi } = await healthyTemplates();
    stubPipelines({
      jobs: [
        build('jobs', new Date(now.getTime() - 30 * HOUR), 'AVAILABLE', { version: '1.0.1/2' }),
        build('jobs', new Date(now.getTime() - 2 * HOUR), 'AVAILABLE'),
      ],
      manager: [build('manager', new Date(now.getTime() - 3 * HOUR), 'AVAILABLE')],
    });

    const findings = await imagesCheck.run(contextAt(now));

    expect(notPassing(findings)).toEqual([]);
    expect(findings.map((f) => [f.subject, f.says])).toEqual([
      [
        'pipeline jobs',
        expect.stringMatching(/^last build 1\.0\.1\/3 AVAILABLE, started .* \(2 hours ago\)$/),
      ],
      [
        'pipeline manager',
        expect.stringMatching(/^last build 1\.0\.1\/3 AVAILABLE, started .* \(3 hours ago\)$/),
      ],
      [
        'launch template gitlab-runner-autoscaler',
        expect.stringMatching(
          new RegExp(
            `^default version 1 launches ${jobsAmi} \\(gitlab-runners-jobs-2026-12-01\\), baked by pipeline jobs, created .* \\(0 minutes ago\\)$`,
          ),
        ),
      ],
      [
        'launch template gitlab-runner-manager',
        expect.stringContaining(
          `default version 1 launches ${managerAmi} (gitlab-runners-manager-2026-11-29), baked by pipeline manager`,
        ),
      ],
    ]);
  });

  it('fails a pipeline that is not deployed and warns of a failed last build with its reason', async () => {
    const now = new Date();
    await healthyTemplates();
    stubPipelines(
      {
        jobs: [
          build('jobs', new Date(now.getTime() - 26 * HOUR), 'AVAILABLE', { version: '1.0.1/2' }),
          build('jobs', new Date(now.getTime() - 2 * HOUR), 'FAILED', {
            reason: 'Image tests failed: docker did not start',
          }),
        ],
      },
      ['jobs'],
    );

    const findings = await imagesCheck.run(contextAt(now));

    expect(notPassing(findings)).toEqual([
      {
        area: 'images',
        subject: 'pipeline jobs',
        status: 'warn',
        says: expect.stringMatching(
          /^last build 1\.0\.1\/3 FAILED, started .* \(2 hours ago\): Image tests failed: docker did not start; the fleets keep their current image$/,
        ),
        fix: `read why: aws imagebuilder get-image --image-build-version-arn arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.1/3 --region us-east-2; fix it, then npm run bake -- jobs -c ${FILE}`,
      },
      {
        area: 'images',
        subject: 'pipeline manager',
        status: 'fail',
        says: 'no Image Builder pipeline gitlab-runners-manager: the images stack is not deployed, so nothing is baked',
        fix: `npx cdk deploy --all -c config=${FILE}`,
      },
    ]);
  });

  it('fails a default version whose AMI is deregistered, naming the newest earlier version that still launches', async () => {
    const now = new Date();
    const older = await registerAmi('gitlab-runners-jobs-2026-11-30', 'jobs');
    const gone = await registerAmi('gitlab-runners-jobs-2026-12-01', 'jobs');
    // Version 3, after the default, is a candidate never promoted: never the way back.
    const candidate = await registerAmi('gitlab-runners-jobs-2026-12-02', 'jobs');
    const templateId = await launchTemplate('gitlab-runner-autoscaler', [older, gone, candidate], 2);
    await launchTemplate('gitlab-runner-manager', [await registerAmi('gitlab-runners-manager-1', 'manager')]);
    await ec2().send(new DeregisterImageCommand({ ImageId: gone }));
    stubPipelines({
      jobs: [build('jobs', now, 'BUILDING')],
      manager: [build('manager', now, 'AVAILABLE')],
    });

    const findings = await imagesCheck.run(contextAt(now));

    expect(notPassing(findings)).toEqual([
      {
        area: 'images',
        subject: 'launch template gitlab-runner-autoscaler',
        status: 'fail',
        says: `default version 2 launches ${gone}, which is deregistered: fleets jobs-docker, jobs-instance cannot launch new instances`,
        fix: `make version 1 (the newest earlier one with an available AMI) the default: aws ec2 modify-launch-template --launch-template-id ${templateId} --default-version 1 --region us-east-2`,
      },
    ]);
  });

  it('fails a deregistered default AMI with no version to fall back on, with the bake that replaces it', async () => {
    const now = new Date();
    const gone = await registerAmi('gitlab-runners-manager-1', 'manager');
    await launchTemplate('gitlab-runner-manager', [gone]);
    await launchTemplate('gitlab-runner-autoscaler', [await registerAmi('gitlab-runners-jobs-1', 'jobs')]);
    await ec2().send(new DeregisterImageCommand({ ImageId: gone }));
    stubPipelines({ jobs: [build('jobs', now, 'AVAILABLE')], manager: [build('manager', now, 'AVAILABLE')] });

    const findings = await imagesCheck.run(contextAt(now));

    expect(notPassing(findings)).toEqual([
      expect.objectContaining({
        subject: 'launch template gitlab-runner-manager',
        status: 'fail',
        fix: `no earlier version of the template launches an available AMI: npm run bake -- manager -c ${FILE}, and its rollout promotes a new default`,
      }),
    ]);
  });

  it('warns of an AMI this suite did not bake and fails one of the other pipeline', async () => {
    const now = new Date();
    const ubuntu = await registerAmi('ubuntu-noble-24.04-amd64-server');
    const jobsImage = await registerAmi('gitlab-runners-jobs-1', 'jobs');
    await launchTemplate('gitlab-runner-autoscaler', [ubuntu]);
    await launchTemplate('gitlab-runner-manager', [jobsImage]);
    stubPipelines({ jobs: [build('jobs', now, 'AVAILABLE')], manager: [build('manager', now, 'AVAILABLE')] });

    const findings = await imagesCheck.run(contextAt(now));

    expect(notPassing(findings)).toEqual([
      {
        area: 'images',
        subject: 'launch template gitlab-runner-autoscaler',
        status: 'warn',
        says: expect.stringMatching(
          new RegExp(
            `^default version 1 launches ${ubuntu} \\(ubuntu-noble-24\\.04-amd64-server\\), created .*, which this suite did not bake \\(owner 123456789012\\): the first rollout of pipeline jobs replaces it$`,
          ),
        ),
        fix: `npm run bake -- jobs -c ${FILE}`,
      },
      {
        area: 'images',
        subject: 'launch template gitlab-runner-manager',
        status: 'fail',
        says: `default version 1 launches ${jobsImage} (gitlab-runners-jobs-1), baked by pipeline jobs, but fleet manager takes images of pipeline manager`,
        fix: `npm run bake -- manager -c ${FILE}, and its rollout promotes an image of the right kind`,
      },
    ]);
  });

  it('warns of a template missing and of a default AMI two scheduled bakes old', async () => {
    // Three days on: two nightly jobs bakes came and went since the AMIs were registered.
    const now = new Date(Date.now() + 73 * HOUR);
    const jobsAmi = await registerAmi('gitlab-runners-jobs-1', 'jobs');
    await launchTemplate('gitlab-runner-autoscaler', [jobsAmi]);
    stubPipelines({
      jobs: [build('jobs', new Date(now.getTime() - HOUR), 'AVAILABLE')],
      manager: [build('manager', new Date(now.getTime() - HOUR), 'AVAILABLE')],
    });

    const findings = await imagesCheck.run(contextAt(now));

    expect(notPassing(findings)).toEqual([
      {
        area: 'images',
        subject: 'launch template gitlab-runner-autoscaler',
        status: 'warn',
        says: expect.stringMatching(
          new RegExp(
            `^default version 1 launches ${jobsAmi} \\(gitlab-runners-jobs-1\\), created .* \\(3 days ago\\): pipeline jobs bakes on "0 2 \\* \\* \\*" \\(UTC\\), and the last two bakes did not reach fleets jobs-docker, jobs-instance$`,
          ),
        ),
        fix: `see why their candidates stopped: npm run ledger -- jobs-docker -c ${FILE}`,
      },
      {
        area: 'images',
        subject: 'launch template gitlab-runner-manager',
        status: 'warn',
        says: 'does not exist, so its default AMI cannot be checked and fleet manager cannot launch',
        fix: `create it (aws_launch_template with name = "gitlab-runner-manager") or name the fleets' own in fleets[].launchTemplate of ${FILE}`,
      },
    ]);
  });
});
