import type {
  LaunchTemplateInstanceMetadataOptions,
  LaunchTemplateInstanceMetadataOptionsRequest,
} from '@aws-sdk/client-ec2';

import { describeGroup, describeWarmPool, type Group } from '../../functions/shared/aws/autoscaling';
import { getLaunchTemplate } from '../../functions/shared/aws/ec2';
import type { Fleet } from '../../functions/shared/fleet';
import { getLease } from '../../functions/shared/ledger';
import { DEPLOYMENT_TAG } from '../../functions/shared/names';
import { groupProblems } from '../../functions/shared/rollout/decide';
import { ledgerTableName } from '../../infra/naming';
import {
  describeGroupSettings,
  type GroupSettings,
  listScalingPolicies,
  listScheduledActions,
  type ScheduledAction,
} from './aws/autoscaling';
import { describeTemplateSettings, type TemplateSettings } from './aws/ec2';
import type { Check, DoctorContext } from './doctor';
import { fail, type Finding, pass, warn } from './finding';

/**
 * Groups and templates: each fleet's group as the rollout's pre-flight (`groupProblems`) judges it,
 * one finding per problem, with what the fleeting plugin's documentation asks of a job group; each
 * template's deployment tag and, where a manager launches from it, its instance metadata tags.
 */

const AREA = 'groups';

/** What was read of one fleet's group. */
export interface GroupFacts {
  readonly group: Group | undefined;
  /** Absent exactly when the group is. */
  readonly settings: GroupSettings | undefined;
  readonly warmPool: { readonly configured: boolean };
  /** The id of the fleet's template; '' when it does not exist (the template's finding says so). */
  readonly launchTemplateId: string;
  /** Whether a drain or restart of ours holds the fleet's lease (see `groupProblems`). */
  readonly leaseHeld: boolean;
  readonly scalingPolicies: readonly string[];
  readonly scheduledActions: readonly ScheduledAction[];
}

const terraformProcesses = (group: string): string =>
  `where Terraform manages the group, aws_autoscaling_group.suspended_processes of ${group}`;

/** How the rollout words each problem (`groupProblems`), and its fix as a command and a Terraform attribute. */
interface ProblemKind {
  readonly id: string;
  readonly match: RegExp;
  /** The part of the rollout's sentence that is its own fix: the finding's fix says it in full. */
  readonly ownFix?: RegExp;
  readonly fix: (fleet: Fleet, group: Group | undefined, problem: string, configFile: string) => string;
}

const launchTemplateFix = (fleet: Fleet, group: Group | undefined): string =>
  group?.mixedInstancesLaunchTemplate && !group.launchTemplate
    ? `put LaunchTemplateName=${fleet.launchTemplate},Version=$Default in the group's mixed instances policy: aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${fleet.autoScalingGroup} --mixed-instances-policy file://policy.json, the policy as describe-auto-scaling-groups shows it with that LaunchTemplateSpecification (Terraform: aws_autoscaling_group.mixed_instances_policy.launch_template.launch_template_specification { launch_template_name = "${fleet.launchTemplate}", version = "$Default" })`
    : `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${fleet.autoScalingGroup} --launch-template 'LaunchTemplateName=${fleet.launchTemplate},Version=$Default' (Terraform: aws_autoscaling_group.launch_template { name = "${fleet.launchTemplate}", version = "$Default" })`;

const resume = (group: string, process: string): string =>
  `aws autoscaling resume-processes --auto-scaling-group-name ${group} --scaling-processes ${process} (${terraformProcesses(group)}: drop ${process})`;

export const PROBLEM_KINDS: readonly ProblemKind[] = [
  {
    id: 'missing',
    match: /^group \S+ does not exist$/,
    fix: (fleet, _group, _problem, configFile) =>
      `create the group, or set autoScalingGroup of fleet "${fleet.name}" in ${configFile} to the group that runs it (Terraform: aws_autoscaling_group.name)`,
  },
  {
    id: 'template',
    match: /^group \S+ does not launch from launch template /,
    fix: launchTemplateFix,
  },
  {
    id: 'version',
    match: /^group \S+ launches version "/,
    ownFix: /; set the group to \$Default$/,
    fix: launchTemplateFix,
  },
  {
    id: 'max-size',
    match: /^manager group \S+ has max size /,
    ownFix: /; set it to 1$/,
    // The maximum may not go below the minimum: a minimum above 1 comes down with it.
    fix: (fleet, group) =>
      (group?.minSize ?? 0) > 1
        ? `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${fleet.autoScalingGroup} --min-size 1 --max-size 1 (Terraform: aws_autoscaling_group.min_size = 1 and max_size = 1)`
        : `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${fleet.autoScalingGroup} --max-size 1 (Terraform: aws_autoscaling_group.max_size = 1)`,
  },
  {
    id: 'az-rebalance',
    match: /^manager group \S+ does not suspend AZRebalance/,
    fix: (fleet) =>
      `aws autoscaling suspend-processes --auto-scaling-group-name ${fleet.autoScalingGroup} --scaling-processes AZRebalance (Terraform: aws_autoscaling_group.suspended_processes = ["AZRebalance"])`,
  },
  {
    id: 'warm-pool',
    match: /^manager group \S+ has a warm pool/,
    ownFix: /: remove it$/,
    fix: (fleet) =>
      `aws autoscaling delete-warm-pool --auto-scaling-group-name ${fleet.autoScalingGroup} --force-delete (Terraform: remove the warm_pool block of aws_autoscaling_group)`,
  },
  {
    id: 'maintenance',
    match: /^manager group \S+ has an instance maintenance policy/,
    ownFix: /; set MaxHealthyPercentage to 100 or remove the policy \(.*\)$/,
    fix: (fleet) =>
      `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${fleet.autoScalingGroup} --instance-maintenance-policy MinHealthyPercentage=-1,MaxHealthyPercentage=-1 (Terraform: aws_autoscaling_group.instance_maintenance_policy { max_healthy_percentage = 100 }, or no such block)`,
  },
  {
    id: 'process',
    match: /^manager group \S+ suspends (Launch|Terminate|HealthCheck):/,
    ownFix: /; resume it \(.*\)$/,
    fix: (fleet, _group, problem) =>
      resume(fleet.autoScalingGroup, /suspends (\w+):/.exec(problem)?.[1] ?? ''),
  },
  {
    id: 'replace-unhealthy',
    match: /^manager group \S+ suspends ReplaceUnhealthy while/,
    ownFix: /; unless someone needs it suspended, resume it \(.*\)$/,
    fix: (fleet) =>
      `unless someone needs it suspended, ${resume(fleet.autoScalingGroup, 'ReplaceUnhealthy')}`,
  },
];

const kindOf = (problem: string): ProblemKind | undefined => PROBLEM_KINDS.find((k) => k.match.test(problem));

/** A problem the rollout refuses, as a finding: its words without their own fix, and the full fix. */
const problemFinding = (
  fleet: Fleet,
  group: Group | undefined,
  problem: string,
  configFile: string,
): Finding => {
  const kind = kindOf(problem);
  const subject = `group ${fleet.autoScalingGroup}`;
  if (!kind)
    return fail(
      AREA,
      subject,
      problem,
      `see "What your fleet needs" in the README for group ${fleet.autoScalingGroup}`,
    );
  const says = kind.ownFix ? problem.replace(kind.ownFix, '') : problem;
  return fail(AREA, subject, says, kind.fix(fleet, group, problem, configFile));
};

/** What holds when the rollout found nothing of a kind, said once per kind checked. */
const managerPasses = (group: Group, found: ReadonlySet<string>, leaseHeld: boolean): string[] => {
  const says: string[] = [];
  if (!found.has('max-size')) says.push(`max size ${group.maxSize}: one manager at a time`);
  if (!found.has('az-rebalance'))
    says.push('AZRebalance suspended: no rebalancing launches a second manager');
  if (!found.has('warm-pool')) says.push('no warm pool');
  if (!found.has('maintenance')) {
    const p = group.instanceMaintenancePolicy;
    says.push(
      p
        ? `its instance maintenance policy (MinHealthyPercentage ${p.minHealthyPercentage}, MaxHealthyPercentage ${p.maxHealthyPercentage}) terminates a manager before launching its replacement`
        : 'no instance maintenance policy: it terminates a manager before launching its replacement',
    );
  }
  if (!found.has('process') && !found.has('replace-unhealthy'))
    says.push(
      group.suspendedProcesses.includes('ReplaceUnhealthy') && leaseHeld
        ? 'Launch, Terminate and HealthCheck run; ReplaceUnhealthy is suspended by a drain or restart of ours that holds the lease'
        : 'Launch, Terminate and HealthCheck run: it replaces a drained or unhealthy manager by itself',
    );
  return says;
};

/**
 * What the fleeting plugin's documentation asks of a job group (GitLab Runner docs, "Docker
 * Autoscaler executor" and "Instance executor", AWS prerequisites; fleeting-plugin-aws README and
 * its merge request 27, "Added ASG setup hint"; summarised in shared/reference/gitlab-runner-config.md
 * section 8): scaling policy "none", as the runner handles the scaling; instance scale-in
 * protection on; AZRebalance suspended, as it "might cause unexpected job interruptions".
 */
const jobsFindings = (group: Group, settings: GroupSettings, facts: GroupFacts): Finding[] => {
  const subject = `group ${group.name}`;
  const name = group.name;
  const findings: Finding[] = [];

  findings.push(
    facts.scalingPolicies.length === 0
      ? pass(AREA, subject, 'no scaling policies: the runner alone sets its desired capacity')
      : fail(
          AREA,
          subject,
          `has scaling policies (${facts.scalingPolicies.join(', ')}): they change the desired capacity the runner's autoscaler sets, and a scale-in terminates instances that may run jobs`,
          `${facts.scalingPolicies.map((p) => `aws autoscaling delete-policy --auto-scaling-group-name ${name} --policy-name ${p}`).join(' && ')} (Terraform: remove the aws_autoscaling_policy resources of ${name})`,
        ),
  );

  // A desired capacity must stay at or above the group's minimum (Auto Scaling API reference,
  // SetDesiredCapacity and CreateAutoScalingGroup, DesiredCapacity): the runner's autoscaler
  // could never scale the group below it, and its scale-in calls would be refused.
  findings.push(
    group.minSize === 0
      ? pass(AREA, subject, 'minimum size 0: the runner can scale it down to nothing')
      : fail(
          AREA,
          subject,
          `has minimum size ${group.minSize}: the runner's autoscaler cannot set a desired capacity below it, so idle instances stay and its scale-in calls are refused`,
          `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${name} --min-size 0 (Terraform: aws_autoscaling_group.min_size = 0)`,
        ),
  );

  // A scheduled action that sets only the maximum leaves the desired capacity to the runner.
  const sizing = facts.scheduledActions.filter(
    (a) => a.desiredCapacity !== undefined || a.minSize !== undefined,
  );
  findings.push(
    sizing.length === 0
      ? pass(AREA, subject, 'no scheduled action sets its desired capacity or minimum: the runner alone does')
      : fail(
          AREA,
          subject,
          `has scheduled actions that set its desired capacity or minimum (${sizing.map((a) => a.name).join(', ')}): they override the capacity the runner's autoscaler sets`,
          `${sizing.map((a) => `aws autoscaling delete-scheduled-action --auto-scaling-group-name ${name} --scheduled-action-name ${a.name}`).join(' && ')} (Terraform: remove the aws_autoscaling_schedule resources of ${name}; the runner's autoscaler policy periods schedule capacity instead)`,
        ),
  );

  const unprotected = group.instances.filter((i) => !i.protectedFromScaleIn).map((i) => i.instanceId);
  findings.push(
    settings.newInstancesProtected && unprotected.length === 0
      ? pass(AREA, subject, 'instance scale-in protection is on: only the runner chooses which instance goes')
      : fail(
          AREA,
          subject,
          settings.newInstancesProtected
            ? `${unprotected.length} of its instances are not protected from scale-in (${unprotected.join(', ')}): a capacity change can terminate one that runs a job`
            : 'instance scale-in protection is off: when the desired capacity drops, Auto Scaling picks the instance to terminate, and it may run a job',
          [
            ...(settings.newInstancesProtected
              ? []
              : [
                  `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${name} --new-instances-protected-from-scale-in`,
                ]),
            ...(unprotected.length > 0
              ? [
                  `aws autoscaling set-instance-protection --auto-scaling-group-name ${name} --instance-ids ${unprotected.join(' ')} --protected-from-scale-in`,
                ]
              : []),
          ].join(' && ') + ' (Terraform: aws_autoscaling_group.protect_from_scale_in = true)',
        ),
  );

  const zones = settings.availabilityZones.length;
  if (group.suspendedProcesses.includes('AZRebalance'))
    findings.push(
      pass(AREA, subject, 'AZRebalance suspended: Auto Scaling never moves an instance that runs a job'),
    );
  else {
    const says = `AZRebalance is not suspended: rebalancing terminates instances the runner may be using (fleeting-plugin-aws: "might cause unexpected job interruptions")`;
    const fix = `aws autoscaling suspend-processes --auto-scaling-group-name ${name} --scaling-processes AZRebalance (Terraform: aws_autoscaling_group.suspended_processes = ["AZRebalance"])`;
    findings.push(
      zones > 1
        ? fail(AREA, subject, `${says}; the group spans ${zones} zones`, fix)
        : warn(AREA, subject, `${says}; harmless while the group has one zone, not once it has more`, fix),
    );
  }
  return findings;
};

/**
 * A fleet's group: one fail per problem the rollout's pre-flight refuses (so doctor fails exactly
 * when a rollout would be refused), a pass for each kind it checked and found none of, and for a
 * job group what the fleeting plugin asks.
 */
export const judgeGroup = (fleet: Fleet, facts: GroupFacts, configFile: string): Finding[] => {
  const problems = groupProblems(fleet, facts.group, facts.warmPool, facts.launchTemplateId, {
    leaseHeld: facts.leaseHeld,
  });
  const findings = problems.map((p) => problemFinding(fleet, facts.group, p, configFile));
  const { group, settings } = facts;
  if (!group || !settings) return findings;
  const found = new Set(problems.flatMap((p) => kindOf(p)?.id ?? []));
  const subject = `group ${group.name}`;
  if (!found.has('template') && !found.has('version'))
    findings.push(pass(AREA, subject, `launches launch template ${fleet.launchTemplate} at $Default`));
  if (fleet.role === 'manager')
    findings.push(...managerPasses(group, found, facts.leaseHeld).map((says) => pass(AREA, subject, says)));
  else findings.push(...jobsFindings(group, settings, facts));
  return findings;
};

/**
 * Metadata options as a request takes them: DescribeLaunchTemplateVersions adds `State`, which
 * LaunchTemplateInstanceMetadataOptionsRequest lacks and the AWS CLI refuses as an unknown parameter.
 */
const requestOptions = (
  options: LaunchTemplateInstanceMetadataOptions,
): LaunchTemplateInstanceMetadataOptionsRequest => ({
  HttpTokens: options.HttpTokens,
  HttpPutResponseHopLimit: options.HttpPutResponseHopLimit,
  HttpEndpoint: options.HttpEndpoint,
  HttpProtocolIpv6: options.HttpProtocolIpv6,
  InstanceMetadataTags: options.InstanceMetadataTags,
});

/** What was read of one launch template: nothing when it does not exist. */
export interface TemplateFacts {
  readonly template?: { readonly launchTemplateId: string };
  readonly settings?: TemplateSettings;
}

/**
 * A template's deployment tag (the functions may create versions of and promote only templates
 * carrying it: infra/rollout/rollout.ts) and, where a manager launches from it, instance metadata
 * tags: the manager's boot units read its tags (runner-autopilot:canary, config-prefix, fleet)
 * from IMDS (image/ssm/instance-tags.sh); without them they fall back to ec2:DescribeTags and,
 * failing that, leave gitlab-runner stopped. Nothing on a job instance reads its tags.
 */
export const judgeTemplate = (
  name: string,
  fleets: readonly Fleet[],
  deployment: string,
  facts: TemplateFacts,
): Finding[] => {
  const subject = `template ${name}`;
  const names = fleets.map((f) => f.name).join(', ');
  if (!facts.template || !facts.settings)
    return [
      fail(
        AREA,
        subject,
        `does not exist: every rollout to ${names} is refused`,
        `create launch template ${name}, or set launchTemplate of ${names} to the template their groups launch from (Terraform: aws_launch_template.name)`,
      ),
    ];
  const id = facts.template.launchTemplateId;
  const { tags, defaultVersion } = facts.settings;
  const findings: Finding[] = [];
  const tag = tags[DEPLOYMENT_TAG];
  findings.push(
    tag === deployment
      ? pass(AREA, subject, `tagged ${DEPLOYMENT_TAG}=${deployment}`)
      : fail(
          AREA,
          subject,
          `${tag === undefined ? 'has no tag' : `is tagged ${DEPLOYMENT_TAG}=${tag}, not`} ${DEPLOYMENT_TAG}=${deployment}: the functions may create versions of and promote only templates with it, so every rollout to ${names} fails`,
          `aws ec2 create-tags --resources ${id} --tags 'Key=${DEPLOYMENT_TAG},Value=${deployment}' (Terraform: aws_launch_template.tags = { "${DEPLOYMENT_TAG}" = "${deployment}" })`,
        ),
  );
  if (fleets.some((f) => f.role === 'manager')) {
    const options = defaultVersion.metadataOptions;
    findings.push(
      options.InstanceMetadataTags === 'enabled'
        ? pass(
            AREA,
            subject,
            `its default version ${defaultVersion.number} enables instance metadata tags: the manager reads its tags at boot`,
          )
        : fail(
            AREA,
            subject,
            `its default version ${defaultVersion.number} does not enable instance metadata tags (InstanceMetadataTags ${options.InstanceMetadataTags ?? 'unset'}): the manager's boot unit reads its tags from IMDS, and without them needs ec2:DescribeTags or leaves gitlab-runner stopped`,
            `aws_launch_template.metadata_options.instance_metadata_tags = "enabled" in Terraform; or aws ec2 create-launch-template-version --launch-template-id ${id} --source-version ${defaultVersion.number} --launch-template-data '${JSON.stringify({ MetadataOptions: { ...requestOptions(options), InstanceMetadataTags: 'enabled' } })}' and make that version the default (aws ec2 modify-launch-template --launch-template-id ${id} --default-version <the new version>)`,
          ),
    );
  }
  return findings;
};

const isMissingTable = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ResourceNotFoundException';

/** Whether a drain or restart of ours holds the manager's lease now; no ledger table (not deployed) holds none. */
const leaseHeldNow = async (ctx: DoctorContext, fleet: Fleet): Promise<boolean> => {
  try {
    const lease = await getLease(ledgerTableName(ctx.config.deployment), fleet.name);
    return lease !== undefined && Date.parse(lease.expiresAt) > ctx.now.getTime();
  } catch (error) {
    if (isMissingTable(error)) return false;
    throw error;
  }
};

const gatherGroup = async (
  ctx: DoctorContext,
  fleet: Fleet,
  launchTemplateId: string,
): Promise<GroupFacts> => {
  const name = fleet.autoScalingGroup;
  const [group, settings] = await Promise.all([describeGroup(name), describeGroupSettings(name)]);
  const none: GroupFacts = {
    group,
    settings,
    warmPool: { configured: false },
    launchTemplateId,
    leaseHeld: false,
    scalingPolicies: [],
    scheduledActions: [],
  };
  if (!group) return none;
  if (fleet.role === 'manager')
    return {
      ...none,
      warmPool: await describeWarmPool(name),
      // The lease explains only a suspended ReplaceUnhealthy: read it only then.
      leaseHeld: group.suspendedProcesses.includes('ReplaceUnhealthy') && (await leaseHeldNow(ctx, fleet)),
    };
  const [scalingPolicies, scheduledActions] = await Promise.all([
    listScalingPolicies(name),
    listScheduledActions(name),
  ]);
  return { ...none, scalingPolicies, scheduledActions };
};

export const groupsCheck: Check = {
  area: AREA,
  run: async (ctx) => {
    const { fleets } = ctx.config;
    const findings: Finding[] = [];
    const templates = [...new Set(fleets.map((f) => f.launchTemplate))];
    const ids = new Map<string, string>();
    for (const name of templates) {
      const template = await getLaunchTemplate({ launchTemplateName: name });
      const settings = template ? await describeTemplateSettings(template.launchTemplateId) : undefined;
      if (template) ids.set(name, template.launchTemplateId);
      findings.push(
        ...judgeTemplate(
          name,
          fleets.filter((f) => f.launchTemplate === name),
          ctx.config.deployment,
          { ...(template ? { template } : {}), ...(settings ? { settings } : {}) },
        ),
      );
    }
    for (const fleet of fleets) {
      const facts = await gatherGroup(ctx, fleet, ids.get(fleet.launchTemplate) ?? '');
      findings.push(...judgeGroup(fleet, facts, ctx.configFile));
    }
    return findings;
  },
};
