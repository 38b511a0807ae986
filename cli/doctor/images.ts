import type { ImageSummary } from '@aws-sdk/client-imagebuilder';
import { Cron } from 'croner';

import {
  getLaunchTemplate,
  getLaunchTemplateVersions,
  listLaunchTemplateVersions,
} from '../../functions/shared/aws/ec2';
import { listPipelineImages } from '../../functions/shared/aws/imagebuilder';
import type { Pipeline, SuiteConfig } from '../../functions/shared/config';
import { DEPLOYMENT_TAG, PIPELINE_TAG } from '../../functions/shared/names';
import { fleetsOnTemplate } from '../../functions/shared/rollout/decide';
import { type AmiFacts, describeAmis } from './aws/amis';
import { findImagePipelines } from './aws/image-pipelines';
import type { Check } from './doctor';
import { fail, type Finding, pass, warn } from './finding';
import { bakeFix, ledgerFix, missingUntilDeployed, sinceText } from './wording';

/**
 * The images area: each pipeline's last build and its state, and the AMI each launch template's
 * default version launches, its age and whether this suite baked it.
 */

/** The Image Builder pipeline of a config pipeline, as `RunnerImagePipeline` names it; a test holds the two together. */
export const imagePipelineName = (deployment: string, pipeline: string): string =>
  `${deployment}-${pipeline}`.toLowerCase();

/**
 * The scheduled bakes (at most the last two before `now`) that came after `since`: two mean the
 * thing dated `since` is older than two schedule periods. None for a schedule turned off, whose
 * bakes come only from GitLab or by hand.
 */
export const bakesSince = (schedule: Pipeline['schedule'], since: Date, now: Date): Date[] =>
  schedule.enabled
    ? new Cron(schedule.cron, { timezone: schedule.timeZone, paused: true })
        .previousRuns(2, now)
        .filter((run) => run.getTime() > since.getTime())
    : [];

const scheduleText = (schedule: Pipeline['schedule']): string => `"${schedule.cron}" (${schedule.timeZone})`;

const dateOf = (iso: string | undefined): Date | undefined => {
  const t = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isFinite(t) ? new Date(t) : undefined;
};

/** States in which a build still runs. */
const RUNNING = new Set(['PENDING', 'CREATING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING']);

export interface PipelineFacts {
  readonly pipeline: Pipeline;
  /** The Image Builder pipeline's name. */
  readonly name: string;
  /** Undefined when no such pipeline exists. */
  readonly arn?: string;
  /** Every image it built, in any order. */
  readonly images: readonly ImageSummary[];
}

export interface Judging {
  readonly now: Date;
  readonly configFile: string;
  readonly region: string;
  readonly deployment: string;
  /** Whether the deployment exists (see DoctorContext). @default true */
  readonly deployed?: boolean;
}

/** A pipeline's last build (the newest by creation): its state, its reason, its age against the schedule. */
export const judgePipeline = (facts: PipelineFacts, j: Judging): Finding[] => {
  const { pipeline } = facts;
  const subject = `pipeline ${pipeline.name}`;
  const bake = bakeFix(pipeline.name, j.configFile);
  if (facts.arn === undefined)
    return [
      missingUntilDeployed(
        { area: 'images', subject, deployed: j.deployed ?? true, configFile: j.configFile },
        `no Image Builder pipeline ${facts.name}: the images stack is not deployed, so nothing is baked`,
      ),
    ];
  const [last] = facts.images
    .flatMap((image) => {
      const created = dateOf(image.dateCreated);
      return created ? [{ image, created }] : [];
    })
    .sort((a, b) => b.created.getTime() - a.created.getTime());
  if (!last)
    return [
      warn('images', subject, `${facts.name} has never built an image, so no fleet has a candidate`, bake),
    ];

  const status = last.image.state?.status ?? 'unknown';
  const running = RUNNING.has(status) ? ' (still running)' : '';
  const what = `last build ${last.image.version ?? last.image.arn ?? ''} ${status}${running}, started ${sinceText(last.created, j.now)}`;
  const findings: Finding[] = [];
  if (status === 'FAILED' || status === 'CANCELLED')
    findings.push(
      warn(
        'images',
        subject,
        `${what}${last.image.state?.reason ? `: ${last.image.state.reason}` : ''}; the fleets keep their current image`,
        `read why: aws imagebuilder get-image --image-build-version-arn ${last.image.arn ?? '<arn>'} --region ${j.region}; fix it, then ${bake}`,
      ),
    );
  else findings.push(pass('images', subject, what));

  const missed = bakesSince(pipeline.schedule, last.created, j.now);
  if (missed.length >= 2)
    findings.push(
      warn(
        'images',
        subject,
        `no build since ${sinceText(last.created, j.now)}, though ${pipeline.name} bakes on ${scheduleText(pipeline.schedule)}: the last two scheduled bakes did not start`,
        `start one now: ${bake}; if scheduled bakes keep missing, look at the errors of the start-bake function of stack ${j.deployment}-autopilot`,
      ),
    );
  return findings;
};

export interface TemplateFacts {
  readonly launchTemplate: string;
  /** The fleets on the template, the lead (first by name) first. */
  readonly fleets: readonly string[];
  /** The pipeline that feeds the lead fleet. */
  readonly pipeline: Pipeline;
  /** Undefined when the template does not exist. */
  readonly template?: { readonly id: string; readonly defaultVersion: number };
  readonly defaultImageId?: string;
  /** The default AMI as EC2 describes it; undefined when it describes none (deregistered). */
  readonly ami?: AmiFacts;
  /** When the default AMI cannot launch: the newest earlier version whose AMI is available. */
  readonly launchableVersion?: number;
}

/**
 * The AMI a template's default version launches: it must exist and be available (a fail
 * otherwise: the groups cannot launch), should be one this suite baked for the fleets' pipeline,
 * and should not have missed two scheduled bakes.
 */
export const judgeTemplate = (facts: TemplateFacts, j: Judging): Finding => {
  const subject = `launch template ${facts.launchTemplate}`;
  const fleets = `fleet${facts.fleets.length === 1 ? '' : 's'} ${facts.fleets.join(', ')}`;
  const { pipeline, template } = facts;
  const bake = bakeFix(pipeline.name, j.configFile);
  if (!template)
    return warn(
      'images',
      subject,
      `does not exist, so its default AMI cannot be checked and ${fleets} cannot launch`,
      `create it (aws_launch_template with name = "${facts.launchTemplate}") or name the fleets' own in fleets[].launchTemplate of ${j.configFile}`,
    );
  const version = `default version ${template.defaultVersion}`;
  if (!facts.defaultImageId)
    return fail(
      'images',
      subject,
      `${version} names no AMI, so ${fleets} cannot launch from it`,
      `set aws_launch_template.image_id (the first rollout then replaces it), or ${bake}`,
    );
  const { ami } = facts;
  const state = ami?.state ?? 'deregistered';
  if (state !== 'available') {
    const restore =
      facts.launchableVersion === undefined
        ? `no earlier version of the template launches an available AMI: ${bake}, and its rollout promotes a new default`
        : `make version ${facts.launchableVersion} (the newest earlier one with an available AMI) the default: aws ec2 modify-launch-template --launch-template-id ${template.id} --default-version ${facts.launchableVersion} --region ${j.region}`;
    return fail(
      'images',
      subject,
      `${version} launches ${facts.defaultImageId}, which is ${state}: ${fleets} cannot launch new instances`,
      restore,
    );
  }
  const created = dateOf(ami?.creationDate);
  const age = created ? `created ${sinceText(created, j.now)}` : 'of unknown age';
  const describedAmi = `${facts.defaultImageId} (${ami?.name ?? 'no name'})`;
  if (ami?.tags[DEPLOYMENT_TAG] !== j.deployment)
    return warn(
      'images',
      subject,
      `${version} launches ${describedAmi}, ${age}, which this suite did not bake (owner ${ami?.ownerId ?? 'unknown'}): the first rollout of pipeline ${pipeline.name} replaces it`,
      bake,
    );
  const bakedBy = ami.tags[PIPELINE_TAG];
  if (bakedBy !== pipeline.name)
    return fail(
      'images',
      subject,
      `${version} launches ${describedAmi}, baked by pipeline ${bakedBy ?? '(untagged)'}, but ${fleets} ${facts.fleets.length === 1 ? 'takes' : 'take'} images of pipeline ${pipeline.name}`,
      `${bake}, and its rollout promotes an image of the right kind`,
    );
  const deprecated = dateOf(ami.deprecationTime);
  if (deprecated && deprecated.getTime() <= j.now.getTime())
    return warn(
      'images',
      subject,
      `${version} launches ${describedAmi}, deprecated since ${sinceText(deprecated, j.now)}`,
      bake,
    );
  if (created && bakesSince(pipeline.schedule, created, j.now).length >= 2)
    return warn(
      'images',
      subject,
      `${version} launches ${describedAmi}, ${age}: pipeline ${pipeline.name} bakes on ${scheduleText(pipeline.schedule)}, and the last two bakes did not reach ${fleets}`,
      `see why their candidates stopped: ${ledgerFix(facts.fleets[0] ?? '', j.configFile)}`,
    );
  return pass(
    'images',
    subject,
    `${version} launches ${describedAmi}, baked by pipeline ${pipeline.name}, ${age}`,
  );
};

/**
 * The newest version before `defaultVersion` whose AMI EC2 describes as available: an earlier
 * default, not a later version, which is a candidate never promoted (or rejected by its canary).
 */
const newestLaunchable = async (templateId: string, defaultVersion: number): Promise<number | undefined> => {
  const versions = (await listLaunchTemplateVersions(templateId)).filter(
    (v) => v.version < defaultVersion && v.imageId !== undefined,
  );
  const available = new Set(
    (await describeAmis(versions.flatMap((v) => v.imageId ?? [])))
      .filter((a) => a.state === 'available')
      .map((a) => a.imageId),
  );
  const launchable = versions.filter((v) => v.imageId !== undefined && available.has(v.imageId));
  return launchable.length ? Math.max(...launchable.map((v) => v.version)) : undefined;
};

const gatherTemplate = async (
  config: SuiteConfig,
  launchTemplate: string,
  pipelines: ReadonlyMap<string, Pipeline>,
): Promise<TemplateFacts | undefined> => {
  const fleets = fleetsOnTemplate(config.fleets, launchTemplate);
  const pipeline = pipelines.get(fleets[0]?.pipeline ?? '');
  if (!pipeline) return undefined; // the config schema requires every fleet's pipeline
  const base = { launchTemplate, fleets: fleets.map((f) => f.name), pipeline };
  const found = await getLaunchTemplate({ launchTemplateName: launchTemplate });
  if (!found) return base;
  const template = { id: found.launchTemplateId, defaultVersion: found.defaultVersion };
  const [defaultVersion] = await getLaunchTemplateVersions(template.id, ['$Default']);
  const defaultImageId = defaultVersion?.imageId;
  if (!defaultImageId) return { ...base, template };
  const [ami] = await describeAmis([defaultImageId]);
  const launchableVersion =
    ami?.state === 'available' ? undefined : await newestLaunchable(template.id, template.defaultVersion);
  return { ...base, template, defaultImageId, ami, launchableVersion };
};

export const imagesCheck: Check = {
  area: 'images',
  run: async ({ config, configFile, now, deployed }) => {
    const j: Judging = { now, configFile, region: config.region, deployment: config.deployment, deployed };
    const names = new Map(
      config.pipelines.map((p) => [p.name, imagePipelineName(config.deployment, p.name)]),
    );
    const arns = await findImagePipelines([...names.values()]);
    const findings: Finding[] = [];
    for (const pipeline of config.pipelines) {
      const name = names.get(pipeline.name) ?? '';
      const arn = arns.get(name);
      const images = arn ? await listPipelineImages(arn) : [];
      findings.push(...judgePipeline({ pipeline, name, arn, images }, j));
    }
    const pipelines = new Map(config.pipelines.map((p) => [p.name, p]));
    for (const launchTemplate of [...new Set(config.fleets.map((f) => f.launchTemplate))].sort()) {
      const facts = await gatherTemplate(config, launchTemplate, pipelines);
      if (facts) findings.push(judgeTemplate(facts, j));
    }
    return findings;
  },
};
