import type { PolicyEvaluationDecisionType } from '@aws-sdk/client-iam';

import { describeGroup, type Group } from '../../functions/shared/aws/autoscaling';
import { getLaunchTemplate } from '../../functions/shared/aws/ec2';
import { onlineInstances } from '../../functions/shared/aws/ssm';
import type { SuiteConfig } from '../../functions/shared/config';
import { canaryChecks, type Fleet, SSH_PATH_CHECK } from '../../functions/shared/fleet';
import { CANARY_TAG, FLEET_TAG } from '../../functions/shared/names';
import { describeGroupSettings, type GroupSettings } from './aws/autoscaling';
import { describeTemplateSettings } from './aws/ec2';
import { getInstanceProfileRoles, type RoleRef, type Simulation, simulateRole } from './aws/iam';
import type { Check } from './doctor';
import { fail, type Finding, pass, warn } from './finding';

/**
 * Roles: each template's instance profile holds the role its fleets name; that role has what SSM,
 * the manager's checks and the fleeting plugin need, as IAM's own simulator decides (never
 * guessed from policy text); the live manager is online in SSM.
 */

const AREA = 'roles';

/**
 * What the SSM agent calls to register, report online and receive Run Command and sessions: the
 * agent's actions of AmazonSSMManagedInstanceCore (AWS managed policy reference; Systems Manager
 * user guide, "Reference: ec2messages, ssmmessages, and other API operations"). Canaries, the
 * sweeper, drains and config applies all reach instances through SSM.
 */
export const SSM_AGENT_ACTIONS = [
  'ssm:UpdateInstanceInformation',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
  'ec2messages:AcknowledgeMessage',
  'ec2messages:DeleteMessage',
  'ec2messages:FailMessage',
  'ec2messages:GetEndpoint',
  'ec2messages:GetMessages',
  'ec2messages:SendReply',
] as const;

/** `arn:<partition>:iam::<account>:role/...` */
const arnParts = (roleArn: string): { partition: string; account: string } => {
  const [, partition = 'aws', , , account = ''] = roleArn.split(':');
  return { partition, account };
};

/** Whether `role` is the one a fleet names: its ARN, or its name for a role at path `/` (functions/shared/fleet.ts). */
export const namesRole = (configured: string, role: RoleRef): boolean =>
  configured.startsWith('arn:') ? configured === role.arn : role.path === '/' && role.name === configured;

/** The profile a template version names, by name (an ARN ends in `instance-profile/<path/>name`). */
export const profileName = (profile: { arn?: string; name?: string }): string =>
  profile.name ?? profile.arn?.split('/').at(-1) ?? '';

/** What was read of a template's instance profile. */
export interface ProfileFacts {
  /** Absent when the template does not exist (the groups area says so). */
  readonly template?: {
    readonly launchTemplateId: string;
    readonly defaultVersion: number;
    readonly instanceProfile?: { readonly arn?: string; readonly name?: string };
  };
  /** The profile's roles; absent when the profile does not exist. */
  readonly roles?: readonly RoleRef[];
}

/**
 * Whether each fleet on a template names the role its instances get. A canary launch from the
 * template passes that role, and the functions may pass only the configured roles
 * (infra/rollout/canary-launch.ts): any other role refuses every canary launch.
 */
export const judgeProfile = (
  templateName: string,
  fleets: readonly Fleet[],
  facts: ProfileFacts,
  configFile: string,
): { findings: Finding[]; role?: RoleRef } => {
  const subject = `template ${templateName}`;
  const template = facts.template;
  if (!template)
    return {
      findings: [
        warn(
          AREA,
          subject,
          'does not exist, so its instance profile is not checked',
          'create it first (see the groups area)',
        ),
      ],
    };
  const configured = fleets[0]?.instanceRole ?? '';
  const data = `--launch-template-id ${template.launchTemplateId} --source-version ${template.defaultVersion}`;
  const profileFix = (profile: string) =>
    `aws_launch_template.iam_instance_profile { name = "${profile}" } in Terraform; or aws ec2 create-launch-template-version ${data} --launch-template-data '{"IamInstanceProfile":{"Name":"${profile}"}}' and make that version the default (aws ec2 modify-launch-template --launch-template-id ${template.launchTemplateId} --default-version <the new version>)`;
  if (!template.instanceProfile)
    return {
      findings: [
        fail(
          AREA,
          subject,
          `its default version ${template.defaultVersion} names no instance profile: its instances have no role, so SSM never sees them and every canary fails`,
          profileFix(`<a profile holding ${configured}>`),
        ),
      ],
    };
  const profile = profileName(template.instanceProfile);
  if (!facts.roles)
    return {
      findings: [
        fail(
          AREA,
          subject,
          `its default version names instance profile ${profile}, which does not exist: instances fail to launch from it`,
          `aws iam create-instance-profile --instance-profile-name ${profile} && aws iam add-role-to-instance-profile --instance-profile-name ${profile} --role-name <${configured}'s name> (Terraform: aws_iam_instance_profile { name = "${profile}", role = ... }); or ${profileFix('<an existing profile>')}`,
        ),
      ],
    };
  const [role] = facts.roles;
  if (!role)
    return {
      findings: [
        fail(
          AREA,
          subject,
          `instance profile ${profile} holds no role: its instances have no credentials, so SSM never sees them`,
          `aws iam add-role-to-instance-profile --instance-profile-name ${profile} --role-name <${configured}'s name> (Terraform: aws_iam_instance_profile.role)`,
        ),
      ],
    };
  const findings = fleets.map((fleet) =>
    namesRole(fleet.instanceRole, role)
      ? pass(
          AREA,
          subject,
          `instance profile ${profile} holds role ${role.arn}, the one fleet ${fleet.name} names`,
        )
      : fail(
          AREA,
          subject,
          `instance profile ${profile} holds role ${role.arn}, but fleet ${fleet.name} names ${fleet.instanceRole}: a canary launch passes the profile's role, and the functions may pass only the configured one, so every canary of ${fleet.name} is refused`,
          `set instanceRole of fleet ${fleet.name} in ${configFile} to ${role.arn} and deploy again (npx cdk deploy --all -c config=${configFile}); or put ${fleet.instanceRole} in the profile (aws iam remove-role-from-instance-profile --instance-profile-name ${profile} --role-name ${role.name} && aws iam add-role-to-instance-profile --instance-profile-name ${profile} --role-name <${fleet.instanceRole}'s name>)`,
        ),
  );
  return { findings, role };
};

/** Something a role must be allowed, and why. */
export interface Need {
  /** Who makes the calls: `the SSM agent`, `the fleeting plugin on group X`... */
  readonly what: string;
  /** The name of the inline policy the fix adds. */
  readonly policyName: string;
  readonly why: string;
  readonly simulations: readonly Simulation[];
  /** The fix when it is missing: the managed policy to attach; else a statement per resource is added. */
  readonly managedPolicy?: string;
}

/** The jobs fleets a manager scales. */
const jobsOf = (config: SuiteConfig, manager: Fleet): Fleet[] =>
  config.fleets.filter((f) => f.role === 'jobs' && f.manager === manager.name);

const connectorUser = (config: SuiteConfig, fleet: Fleet): string => {
  const pipeline = config.pipelines.find((p) => p.name === fleet.pipeline);
  return pipeline?.kind === 'jobs' ? pipeline.connectorUser : 'ubuntu';
};

/** A real request on a tagged resource carries its tags under both condition key prefixes. */
const tagContext = (service: string, tags: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(tags).flatMap(([k, v]) => [
      [`aws:ResourceTag/${k}`, v],
      [`${service}:ResourceTag/${k}`, v],
    ]),
  );

/**
 * What a role needs for the fleets whose instances it runs: SSM for all; for a manager the checks
 * of "What your fleet needs" (README) and, for each job group it scales, the fleeting plugin's
 * recommended policy (fleeting-plugin-aws README, "Recommended IAM Policy": SetDesiredCapacity
 * and TerminateInstanceInAutoScalingGroup on the group, DescribeAutoScalingGroups and
 * DescribeInstances, SendSSHPublicKey on the group's instances); for a job instance that fetches
 * its kubeconfig at boot, ssm:GetParameter on it. `groups` holds each job group's settings
 * (absent: the group does not exist, and the groups area says so).
 */
export const needsOf = (
  config: SuiteConfig,
  fleets: readonly Fleet[],
  roleArn: string,
  groups: ReadonlyMap<string, GroupSettings | undefined>,
): Need[] => {
  const { partition, account } = arnParts(roleArn);
  const instances = `arn:${partition}:ec2:${config.region}:${account}:instance/*`;
  const needs: Need[] = [
    {
      what: 'the SSM agent',
      policyName: 'runner-autopilot-ssm',
      why: 'canaries, the sweeper, drains and config applies reach its instances through SSM',
      simulations: [{ actions: SSM_AGENT_ACTIONS, resource: '*' }],
      managedPolicy: `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    },
  ];
  for (const manager of fleets.filter((f) => f.role === 'manager')) {
    const jobs = jobsOf(config, manager);
    const pathChecked = jobs.filter((j) => canaryChecks(j).includes(SSH_PATH_CHECK));
    needs.push({
      what: `the canary checks of fleet ${manager.name}`,
      policyName: `runner-autopilot-checks-${manager.name}`,
      why: `its canary's job-groups check lists the job groups, and the ssh-path check pushes a key to each job canary the way the plugin does`,
      simulations: [
        { actions: ['autoscaling:DescribeAutoScalingGroups'], resource: '*' },
        ...pathChecked.map((j) => ({
          actions: ['ec2-instance-connect:SendSSHPublicKey'],
          resource: instances,
          context: {
            ...tagContext('ec2', { [CANARY_TAG]: 'true', [FLEET_TAG]: j.name }),
            'ec2:osuser': connectorUser(config, j),
          },
        })),
      ],
    });
    for (const job of jobs) {
      const group = groups.get(job.autoScalingGroup);
      if (!group) continue;
      needs.push({
        what: `the fleeting plugin on group ${job.autoScalingGroup}`,
        policyName: `fleeting-plugin-${job.autoScalingGroup}`.slice(0, 128),
        why: `manager ${manager.name}'s runner scales that group and connects to its instances`,
        simulations: [
          {
            actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
            resource: group.arn,
            context: tagContext('autoscaling', group.tags),
          },
          { actions: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances'], resource: '*' },
          {
            actions: ['ec2-instance-connect:SendSSHPublicKey'],
            resource: instances,
            context: {
              ...tagContext('ec2', {
                ...group.propagatedTags,
                'aws:autoscaling:groupName': job.autoScalingGroup,
              }),
              'ec2:osuser': connectorUser(config, job),
            },
          },
        ],
      });
    }
  }
  const kubeconfigs = new Set(
    fleets.flatMap((f) => {
      const pipeline = config.pipelines.find((p) => p.name === f.pipeline);
      return pipeline?.kind === 'jobs' && pipeline.kubeconfig.mode === 'boot'
        ? [pipeline.kubeconfig.parameter]
        : [];
    }),
  );
  for (const parameter of kubeconfigs)
    needs.push({
      what: `the kubeconfig fetch (${parameter})`,
      policyName: `runner-autopilot-kubeconfig`,
      why: 'its instances fetch their kubeconfig at boot (fetch-kubeconfig.service)',
      simulations: [
        {
          actions: ['ssm:GetParameter'],
          resource: `arn:${partition}:ssm:${config.region}:${account}:parameter${parameter}`,
        },
      ],
    });
  return needs;
};

export type Decisions = ReadonlyMap<string, PolicyEvaluationDecisionType>;

/**
 * One finding per need: a pass when IAM allows every action, else a fail naming the refused ones
 * and the fix (the managed policy, or a statement of the refused actions per resource; an
 * explicit deny must be removed, as no allow overrides it).
 */
export const judgeNeed = (role: RoleRef, need: Need, decisions: readonly Decisions[]): Finding => {
  const subject = `role ${role.name}`;
  const refused = need.simulations.map((s, i) => ({
    simulation: s,
    actions: s.actions.filter((a) => decisions[i]?.get(a) !== 'allowed'),
    explicit: s.actions.filter((a) => decisions[i]?.get(a) === 'explicitDeny'),
  }));
  const denied = [...new Set(refused.flatMap((r) => r.actions))];
  if (denied.length === 0) return pass(AREA, subject, `allows the calls of ${need.what}`);
  const explicit = [...new Set(refused.flatMap((r) => r.explicit))];
  const says = `does not allow ${denied.join(', ')}, called by ${need.what}: ${need.why}`;
  if (explicit.length > 0)
    return fail(
      AREA,
      subject,
      `${says} (${explicit.join(', ')} explicitly denied)`,
      `find the Deny on ${explicit.join(', ')} (the role's policies, its permissions boundary or an SCP) and narrow it: no Allow overrides an explicit deny (aws iam simulate-principal-policy --policy-source-arn ${role.arn} --action-names ${explicit.join(' ')} names the statement)`,
    );
  if (need.managedPolicy)
    return fail(
      AREA,
      subject,
      says,
      `aws iam attach-role-policy --role-name ${role.name} --policy-arn ${need.managedPolicy} (Terraform: aws_iam_role_policy_attachment { role = "${role.name}", policy_arn = "${need.managedPolicy}" })`,
    );
  const statements = refused
    .filter((r) => r.actions.length > 0)
    .map((r) => ({ Effect: 'Allow', Action: r.actions, Resource: r.simulation.resource }));
  const document = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  return fail(
    AREA,
    subject,
    says,
    `aws iam put-role-policy --role-name ${role.name} --policy-name ${need.policyName} --policy-document '${document}' (Terraform: aws_iam_role_policy with that policy; narrow SendSSHPublicKey with the plugin's ec2:ResourceTag/aws:autoscaling:groupName condition if you like)`,
  );
};

/** The manager a manager group runs must be online in SSM: drains, applies and the ssh-path check need it. */
export const judgeLiveManager = (
  fleet: Fleet,
  group: Group | undefined,
  online: ReadonlySet<string>,
): Finding | undefined => {
  if (!group) return undefined;
  const subject = `manager ${fleet.name}`;
  const inService = group.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId);
  if (inService.length === 0)
    return fail(
      AREA,
      subject,
      `group ${group.name} has no manager in service: no job is taken, and nothing can drain or configure it`,
      `see why it launches none: aws autoscaling describe-scaling-activities --auto-scaling-group-name ${group.name} --max-items 5`,
    );
  const offline = inService.filter((id) => !online.has(id));
  return offline.length === 0
    ? pass(AREA, subject, `${inService.join(', ')} is online in SSM`)
    : fail(
        AREA,
        subject,
        `${offline.join(', ')} is in service but not online in SSM: drains, config applies and the ssh-path check cannot reach it`,
        `check its agent and its way to SSM: aws ssm describe-instance-information --filters Key=InstanceIds,Values=${offline.join(',')}; its role needs AmazonSSMManagedInstanceCore (see its role's finding), and its subnet a route to the ssm, ssmmessages and ec2messages endpoints`,
      );
};

export const rolesCheck: Check = {
  area: AREA,
  run: async (ctx) => {
    const { config, configFile } = ctx;
    const findings: Finding[] = [];
    const roles = new Map<string, { role: RoleRef; fleets: Fleet[] }>();
    for (const name of [...new Set(config.fleets.map((f) => f.launchTemplate))]) {
      const fleets = config.fleets.filter((f) => f.launchTemplate === name);
      const template = await getLaunchTemplate({ launchTemplateName: name });
      let facts: ProfileFacts = {};
      if (template) {
        const { defaultVersion } = await describeTemplateSettings(template.launchTemplateId);
        const profile = defaultVersion.instanceProfile;
        const profileRoles = profile ? await getInstanceProfileRoles(profileName(profile)) : undefined;
        facts = {
          template: {
            launchTemplateId: template.launchTemplateId,
            defaultVersion: defaultVersion.number,
            ...(profile ? { instanceProfile: profile } : {}),
          },
          ...(profileRoles ? { roles: profileRoles } : {}),
        };
      }
      const judged = judgeProfile(name, fleets, facts, configFile);
      findings.push(...judged.findings);
      if (judged.role) {
        const entry = roles.get(judged.role.arn) ?? { role: judged.role, fleets: [] };
        entry.fleets.push(...fleets);
        roles.set(judged.role.arn, entry);
      }
    }

    const jobGroups = config.fleets.filter((f) => f.role === 'jobs').map((f) => f.autoScalingGroup);
    const groups = new Map<string, GroupSettings | undefined>();
    for (const name of jobGroups) groups.set(name, await describeGroupSettings(name));
    for (const { role, fleets } of roles.values()) {
      for (const need of needsOf(config, fleets, role.arn, groups)) {
        const decisions: Decisions[] = [];
        for (const simulation of need.simulations) decisions.push(await simulateRole(role.arn, simulation));
        findings.push(judgeNeed(role, need, decisions));
      }
    }

    for (const manager of config.fleets.filter((f) => f.role === 'manager')) {
      const group = await describeGroup(manager.autoScalingGroup);
      const ids =
        group?.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId) ?? [];
      const online = ids.length > 0 ? await onlineInstances(ids) : new Set<string>();
      const finding = judgeLiveManager(manager, group, online);
      if (finding) findings.push(finding);
    }
    return findings;
  },
};
