import type { Logger } from '@aws-lambda-powertools/logger';

import type { LaunchTemplateVersionInfo } from '../shared/aws/ec2';
import type { Failures } from '../shared/failures';
import { planTemplate, type RolloutFacts, type TemplatePlan } from './decide';
import type { TemplatePorts } from './ports';
import type { HousekeeperSettings } from './settings';

/** EC2 tags every instance launched from a template with its id (and `...:version`, see the adapter). */
const LAUNCH_TEMPLATE_ID_TAG = 'aws:ec2launchtemplate:id';
/** States in which an instance may run or start again from its version. */
const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'];
/** DeleteLaunchTemplateVersions' per-version code for a version that is gone already: done. */
const ALREADY_GONE = 'launchTemplateVersionDoesNotExist';

type FleetRef = HousekeeperSettings['fleets'][number];

export interface TemplateDeps {
  readonly ports: TemplatePorts;
  readonly settings: Pick<HousekeeperSettings, 'keepVersions' | 'dryRun'>;
  readonly logger: Logger;
  readonly failures: Failures;
}

export interface PlannedTemplate {
  readonly plan: TemplatePlan;
  /** Versions that still exist after this run (or would, in a dry run). */
  readonly remaining: LaunchTemplateVersionInfo[];
  readonly deleted: number;
}

export interface TemplatesResult {
  readonly templateCount: number;
  readonly planned: PlannedTemplate[];
  readonly missingTemplates: string[];
  /** False when a template or one of its fleets' ledgers could not be read: its versions may use any AMI. */
  readonly everyTemplateRead: boolean;
}

const byTemplate = (fleets: readonly FleetRef[]): Map<string, FleetRef[]> => {
  const map = new Map<string, FleetRef[]>();
  for (const fleet of fleets)
    map.set(fleet.launchTemplate, [...(map.get(fleet.launchTemplate) ?? []), fleet]);
  return map;
};

/** Versions something may still launch or run: the groups' own, their instances', tagged instances'. */
const readVersionsInUse = async (
  launchTemplateId: string,
  fleets: readonly FleetRef[],
  ports: TemplatePorts,
): Promise<(string | undefined)[]> => {
  const [groups, tagged] = await Promise.all([
    Promise.all(fleets.map((f) => ports.describeGroup(f.autoScalingGroup))),
    ports.findInstancesByTag({ [LAUNCH_TEMPLATE_ID_TAG]: launchTemplateId }, LIVE_INSTANCE_STATES),
  ]);
  return [
    ...groups.flatMap((g) =>
      g
        ? [
            g.launchTemplate?.version,
            g.mixedInstancesLaunchTemplate?.version,
            ...g.instances.map((i) => i.launchTemplateVersion),
          ]
        : [],
    ),
    ...tagged.map((i) => i.launchTemplateVersion),
  ];
};

/**
 * Reads one template's facts, decides, and (unless dry run) deletes its old versions; a version
 * EC2 refuses to delete is a failure, and stays (with its AMI). `undefined`: no such template.
 */
const houseKeepTemplate = async (
  name: string,
  fleets: readonly FleetRef[],
  rollouts: readonly RolloutFacts[],
  { ports, settings, logger, failures }: TemplateDeps,
): Promise<PlannedTemplate | undefined> => {
  const template = await ports.getLaunchTemplate(name);
  if (!template) return undefined;
  const id = template.launchTemplateId;
  const [versions, versionsInUse] = await Promise.all([
    ports.listLaunchTemplateVersions(id),
    readVersionsInUse(id, fleets, ports),
  ]);
  const plan = planTemplate(
    {
      launchTemplateId: id,
      launchTemplateName: name,
      defaultVersion: template.defaultVersion,
      versions,
      rollouts,
      versionsInUse,
    },
    settings.keepVersions,
  );
  logger.debug('launch template plan', {
    launchTemplate: name,
    launchTemplateId: id,
    versionCount: versions.length,
    deleteCount: plan.delete.length,
    protect: plan.protect,
  });

  if (settings.dryRun || plan.delete.length === 0) {
    const going = new Set(plan.delete);
    return { plan, remaining: versions.filter((v) => !going.has(v.version)), deleted: 0 };
  }
  const { deleted, failed } = await ports.deleteLaunchTemplateVersions(id, plan.delete);
  const removed = new Set([
    ...deleted,
    ...failed.filter((f) => f.code === ALREADY_GONE).map((f) => f.version),
  ]);
  for (const f of failed.filter((f) => f.code !== ALREADY_GONE)) {
    logger.error('launch template version not deleted', {
      launchTemplate: name,
      version: f.version,
      code: f.code,
      reason: f.message,
    });
    failures.addLogged(
      `launch template ${name} version ${f.version}`,
      new Error(`${f.code} ${f.message}`.trim()),
    );
  }
  return { plan, remaining: versions.filter((v) => !removed.has(v.version)), deleted: removed.size };
};

/**
 * Each template of the fleets in turn: a template whose fleets' rollouts are unknown (`rolloutsOf`
 * lacks one) is skipped, since its previous defaults are; a template that fails does not stop the
 * others.
 */
export const houseKeepTemplates = async (
  fleets: readonly FleetRef[],
  rolloutsOf: ReadonlyMap<string, readonly RolloutFacts[]>,
  deps: TemplateDeps,
): Promise<TemplatesResult> => {
  const templates = byTemplate(fleets);
  const planned: PlannedTemplate[] = [];
  const missingTemplates: string[] = [];
  let everyTemplateRead = true;
  for (const [name, fleetsOfTemplate] of templates) {
    if (fleetsOfTemplate.some((f) => !rolloutsOf.has(f.name))) {
      everyTemplateRead = false;
      continue;
    }
    try {
      const result = await houseKeepTemplate(
        name,
        fleetsOfTemplate,
        fleetsOfTemplate.flatMap((f) => rolloutsOf.get(f.name) ?? []),
        deps,
      );
      if (result) planned.push(result);
      else missingTemplates.push(name);
    } catch (error) {
      everyTemplateRead = false;
      deps.failures.add(`launch template ${name}`, error);
    }
  }
  return { templateCount: templates.size, planned, missingTemplates, everyTemplateRead };
};
