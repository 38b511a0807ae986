import { createHash } from 'node:crypto';

import type { SuiteConfig } from '../functions/shared/config';
import { DEPLOYMENT_TAG, IMAGE_KIND_TAG, PIPELINE_TAG } from '../functions/shared/names';
import { amiId, type FakeInstance, MINUTE, type World } from './fake-aws';
import { jobGroup, managerGroup } from './example-fleet';
import type { StackModel } from './router';

/** What a seed made: the AMI each pipeline's fleets run now, and each manager fleet's live manager. */
export interface Seed {
  readonly amis: ReadonlyMap<string, string>;
  readonly managers: ReadonlyMap<string, FakeInstance>;
}

/** How old the AMIs the fleets run before tonight are: older than the retention, kept as used. */
const SEEDED_AMI_AGE_DAYS = 45;
const DAY = 24 * 60 * MINUTE;

/** A placeholder for a secret the config only names: the rehearsal never sees a real one. */
const placeholder = (name: string): string =>
  `rehearsal-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;

/** `secureParameter` names in a published values document. */
const secureParameters = (values: string): string[] => {
  try {
    return Object.values(JSON.parse(values) as Record<string, unknown>).flatMap((v) =>
      v !== null &&
      typeof v === 'object' &&
      typeof (v as { secureParameter?: unknown }).secureParameter === 'string'
        ? [(v as { secureParameter: string }).secureParameter]
        : [],
    );
  } catch {
    return [];
  }
};

/**
 * The account as a deploy of `config` leaves it before tonight, as the README's prerequisites
 * ask for it: per launch template, version 1 (its
 * default) on its pipeline's AMI; per fleet, its group on `$Default` (a manager group of one
 * with a running manager, job groups empty: the autoscaler fills them); the stack's parameters;
 * the secrets the config names (placeholders); each pipeline's AMI registered in EC2.
 */
export const seedWorld = (world: World, config: SuiteConfig, stack: StackModel): Seed => {
  const amis = new Map<string, string>();
  // The AMIs came from before the suite: no pipeline lists an image yet (the reconciler would
  // announce the newest one as lost, and roll out the AMI already running). EC2 has them, with
  // their snapshots and the tags the pipeline's distribution gives its AMIs (as builds get too).
  for (const pipeline of config.pipelines) {
    const name = `${config.deployment}-${pipeline.name}`.toLowerCase();
    const tags = {
      [DEPLOYMENT_TAG]: config.deployment,
      [PIPELINE_TAG]: pipeline.name,
      [IMAGE_KIND_TAG]: pipeline.kind,
    };
    world.amiTags.set(name, tags);
    const ami = amiId(`${config.deployment}-${pipeline.name}/0`);
    world.registerImage(ami, `${name}-1.0.0`, tags, world.now() - SEEDED_AMI_AGE_DAYS * DAY);
    amis.set(pipeline.name, ami);
  }
  const templates = new Map<string, { id: string; name: string }>();
  for (const fleet of config.fleets) {
    if (templates.has(fleet.launchTemplate)) continue;
    const ami = amis.get(fleet.pipeline);
    if (!ami) throw new Error(`fleet ${fleet.name}: no pipeline ${fleet.pipeline}`);
    templates.set(fleet.launchTemplate, world.addLaunchTemplate(fleet.launchTemplate, [ami]));
  }
  const managers = new Map<string, FakeInstance>();
  for (const fleet of config.fleets) {
    if (world.groups.has(fleet.autoScalingGroup)) continue;
    const template = templates.get(fleet.launchTemplate);
    if (!template) throw new Error(`fleet ${fleet.name}: no launch template ${fleet.launchTemplate}`);
    if (fleet.role === 'manager') {
      const group = world.addGroup(managerGroup(fleet.autoScalingGroup, template));
      managers.set(fleet.name, world.launchIntoGroup(group, { alreadyOnline: true }));
    } else {
      world.addGroup(jobGroup(fleet.autoScalingGroup, template));
    }
  }
  for (const [name, value] of stack.parameters) {
    world.parameters.set(name, { value, type: 'String' });
    for (const secret of secureParameters(value))
      world.parameters.set(secret, { value: placeholder(secret), type: 'SecureString' });
  }
  const hook = config.gitlab.webhook?.secret;
  if (hook && 'parameter' in hook)
    world.parameters.set(hook.parameter, { value: placeholder(hook.parameter), type: 'SecureString' });
  return { amis, managers };
};
