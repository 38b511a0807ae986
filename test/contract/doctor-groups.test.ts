import {
  AutoScalingClient,
  PutScalingPolicyCommand,
  PutScheduledUpdateGroupActionCommand,
  PutWarmPoolCommand,
} from '@aws-sdk/client-auto-scaling';

import { groupsCheck } from '../../cli/doctor/groups';
import type { Finding } from '../../cli/doctor/finding';
import { acquireLease } from '../../functions/shared/ledger';
import { DEPLOYMENT_TAG } from '../../functions/shared/names';
import { createLedger, LEDGER_TABLE } from './doctor-deployment';
import { EXAMPLE_FILE, example, type FleetOverrides, resetDoctorClients, seedFleet } from './doctor-fleet';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * doctor's groups area against moto: the example fleet seeded healthy passes everything; each
 * fault is one fail with its fix. moto drops InstanceMaintenancePolicy (divergences.ts,
 * autoscaling-maintenance-policy-not-kept): that case runs on aws-sdk-client-mock in
 * test/cli/doctor/groups.test.ts.
 */

const NOW = new Date('2026-12-04T12:00:00Z');
const MANAGER = 'gitlab-runner-manager';
const JOBS = 'gitlab-runner-ao-group';

const run = async (overrides: FleetOverrides = {}, config = example()): Promise<Finding[]> => {
  await seedFleet(config, overrides);
  return groupsCheck.run({ config, configFile: EXAMPLE_FILE, now: NOW, deployed: true });
};

const seeded = async (overrides: FleetOverrides = {}) => {
  const config = example();
  await seedFleet(config, overrides);
  return () => groupsCheck.run({ config, configFile: EXAMPLE_FILE, now: NOW, deployed: true });
};

const notPassing = (findings: readonly Finding[]) =>
  findings
    .filter((f) => f.status !== 'pass')
    .map(({ subject, status, says, fix }) => ({ subject, status, says, fix }));

describeWithMoto('doctor groups (moto)', () => {
  useMotoServer({ resetClients: resetDoctorClients });

  it('passes the example fleet, seeded as the rollout and the fleeting plugin ask', async () => {
    const findings = await run();

    expect(notPassing(findings)).toEqual([]);
    expect(findings.map((f) => `${f.subject}: ${f.says}`)).toEqual([
      `template ${MANAGER}: tagged ${DEPLOYMENT_TAG}=gitlab-runners`,
      `template ${MANAGER}: its default version 1 enables instance metadata tags: the manager reads its tags at boot`,
      `template gitlab-runner-autoscaler: tagged ${DEPLOYMENT_TAG}=gitlab-runners`,
      `group ${MANAGER}: launches launch template ${MANAGER} at $Default`,
      `group ${MANAGER}: max size 1: one manager at a time`,
      `group ${MANAGER}: AZRebalance suspended: no rebalancing launches a second manager`,
      `group ${MANAGER}: no warm pool`,
      `group ${MANAGER}: no instance maintenance policy: it terminates a manager before launching its replacement`,
      `group ${MANAGER}: Launch, Terminate and HealthCheck run: it replaces a drained or unhealthy manager by itself`,
      ...[JOBS, 'gitlab-runner-ao-group-docker'].flatMap((g) => [
        `group ${g}: launches launch template gitlab-runner-autoscaler at $Default`,
        `group ${g}: no scaling policies: the runner alone sets its desired capacity`,
        `group ${g}: minimum size 0: the runner can scale it down to nothing`,
        `group ${g}: no scheduled action sets its desired capacity or minimum: the runner alone does`,
        `group ${g}: instance scale-in protection is on: only the runner chooses which instance goes`,
        `group ${g}: AZRebalance suspended: Auto Scaling never moves an instance that runs a job`,
      ]),
    ]);
  });

  it('fails a group on $Latest with the command and the Terraform attribute that put it on $Default', async () => {
    const findings = await run({ groups: { [MANAGER]: { version: '$Latest' } } });

    expect(notPassing(findings)).toEqual([
      {
        subject: `group ${MANAGER}`,
        status: 'fail',
        says: `group ${MANAGER} launches version "$Latest", not $Default: it would take a candidate before its canary passed`,
        fix: `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${MANAGER} --launch-template 'LaunchTemplateName=${MANAGER},Version=$Default' (Terraform: aws_autoscaling_group.launch_template { name = "${MANAGER}", version = "$Default" })`,
      },
    ]);
  });

  it('fails a manager group that may hold two managers, or does not suspend AZRebalance', async () => {
    const findings = await run({ groups: { [MANAGER]: { maxSize: 2, suspended: [] } } });

    expect(notPassing(findings)).toEqual([
      expect.objectContaining({
        says: `manager group ${MANAGER} has max size 2: two managers delete each other's job instances`,
        fix: `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${MANAGER} --max-size 1 (Terraform: aws_autoscaling_group.max_size = 1)`,
      }),
      expect.objectContaining({
        says: `manager group ${MANAGER} does not suspend AZRebalance, which launches a second manager before terminating one`,
        fix: `aws autoscaling suspend-processes --auto-scaling-group-name ${MANAGER} --scaling-processes AZRebalance (Terraform: aws_autoscaling_group.suspended_processes = ["AZRebalance"])`,
      }),
    ]);
  });

  it('fails a manager group that suspends Launch, with the resume command', async () => {
    const findings = await run({ groups: { [MANAGER]: { suspended: ['AZRebalance', 'Launch'] } } });

    expect(notPassing(findings)).toEqual([
      expect.objectContaining({
        says: expect.stringMatching(
          /^manager group gitlab-runner-manager suspends Launch: the group would never launch the replacement of a drained manager, leaving the fleet without one$/,
        ),
        fix: `aws autoscaling resume-processes --auto-scaling-group-name ${MANAGER} --scaling-processes Launch (where Terraform manages the group, aws_autoscaling_group.suspended_processes of ${MANAGER}: drop Launch)`,
      }),
    ]);
  });

  it('fails a manager group with a warm pool', async () => {
    const check = await seeded();
    await new AutoScalingClient({}).send(
      new PutWarmPoolCommand({ AutoScalingGroupName: MANAGER, MinSize: 0 }),
    );

    const findings = await check();

    expect(notPassing(findings)).toEqual([
      expect.objectContaining({
        says: `manager group ${MANAGER} has a warm pool`,
        fix: `aws autoscaling delete-warm-pool --auto-scaling-group-name ${MANAGER} --force-delete (Terraform: remove the warm_pool block of aws_autoscaling_group)`,
      }),
    ]);
  });

  it('fails a suspended ReplaceUnhealthy while no lease of ours explains it, and passes it while one does', async () => {
    const check = await seeded({ groups: { [MANAGER]: { suspended: ['AZRebalance', 'ReplaceUnhealthy'] } } });

    const noLedger = await check();
    await createLedger();
    const noLease = await check();
    await acquireLease(LEDGER_TABLE, {
      fleet: 'manager',
      holder: 'drain-1',
      action: 'drain',
      now: NOW,
      ttlMinutes: 30,
    });
    const leased = await check();

    const replaceUnhealthy = expect.objectContaining({
      says: expect.stringContaining(
        `manager group ${MANAGER} suspends ReplaceUnhealthy while no drain or restart of ours holds the fleet's lease`,
      ),
      fix: `unless someone needs it suspended, aws autoscaling resume-processes --auto-scaling-group-name ${MANAGER} --scaling-processes ReplaceUnhealthy (where Terraform manages the group, aws_autoscaling_group.suspended_processes of ${MANAGER}: drop ReplaceUnhealthy)`,
    });
    expect(notPassing(noLedger)).toEqual([replaceUnhealthy]);
    expect(notPassing(noLease)).toEqual([replaceUnhealthy]);
    expect(notPassing(leased)).toEqual([]);
    expect(leased).toContainEqual(
      expect.objectContaining({
        subject: `group ${MANAGER}`,
        says: 'Launch, Terminate and HealthCheck run; ReplaceUnhealthy is suspended by a drain or restart of ours that holds the lease',
      }),
    );
  });

  it('fails a fleet whose group does not exist', async () => {
    const findings = await run({ skipGroups: [JOBS] });

    expect(notPassing(findings)).toEqual([
      {
        subject: `group ${JOBS}`,
        status: 'fail',
        says: `group ${JOBS} does not exist`,
        fix: `create the group, or set autoScalingGroup of fleet "jobs-instance" in ${EXAMPLE_FILE} to the group that runs it (Terraform: aws_autoscaling_group.name)`,
      },
    ]);
  });

  it('fails a fleet whose template does not exist, and its group that launches another', async () => {
    const config = example();
    const seededConfig = example();
    await seedFleet(seededConfig);
    const manager = config.fleets.find((f) => f.name === 'manager');
    if (manager) Object.assign(manager, { launchTemplate: 'runner-manager-v2' });

    const findings = await groupsCheck.run({ config, configFile: EXAMPLE_FILE, now: NOW, deployed: true });

    expect(notPassing(findings)).toEqual([
      {
        subject: 'template runner-manager-v2',
        status: 'fail',
        says: 'does not exist: every rollout to manager is refused',
        fix: 'create launch template runner-manager-v2, or set launchTemplate of manager to the template their groups launch from (Terraform: aws_launch_template.name)',
      },
      expect.objectContaining({
        subject: `group ${MANAGER}`,
        says: `group ${MANAGER} does not launch from launch template runner-manager-v2`,
        fix: expect.stringContaining(
          "--launch-template 'LaunchTemplateName=runner-manager-v2,Version=$Default'",
        ),
      }),
    ]);
  });

  it('fails a template without the deployment tag, and a manager template without instance metadata tags', async () => {
    const findings = await run({
      templates: {
        [MANAGER]: {
          data: { MetadataOptions: { HttpTokens: 'required', InstanceMetadataTags: 'disabled' } },
        },
        'gitlab-runner-autoscaler': { tags: { team: 'ci' } },
      },
    });

    const failures = notPassing(findings);
    expect(failures).toEqual([
      {
        subject: `template ${MANAGER}`,
        status: 'fail',
        says: "its default version 1 does not enable instance metadata tags (InstanceMetadataTags disabled): the manager's boot unit reads its tags from IMDS, and without them needs ec2:DescribeTags or leaves gitlab-runner stopped",
        fix: expect.stringMatching(
          /^aws_launch_template\.metadata_options\.instance_metadata_tags = "enabled" in Terraform; or aws ec2 create-launch-template-version --launch-template-id lt-\w+ --source-version 1 --launch-template-data '\{"MetadataOptions":\{"HttpTokens":"required","InstanceMetadataTags":"enabled"\}\}'/,
        ),
      },
      {
        subject: 'template gitlab-runner-autoscaler',
        status: 'fail',
        says: `has no tag ${DEPLOYMENT_TAG}=gitlab-runners: the functions may create versions of and promote only templates with it, so every rollout to jobs-instance, jobs-docker fails`,
        fix: expect.stringMatching(
          /^aws ec2 create-tags --resources lt-\w+ --tags 'Key=runner-autopilot:deployment,Value=gitlab-runners' \(Terraform: aws_launch_template\.tags = \{ "runner-autopilot:deployment" = "gitlab-runners" \}\)$/,
        ),
      },
    ]);
  });

  it('fails a job group with a scaling policy or a scheduled action that sets its capacity; one that sets only the maximum passes', async () => {
    const check = await seeded();
    const autoScaling = new AutoScalingClient({});
    await autoScaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: JOBS,
        PolicyName: 'cpu-high',
        PolicyType: 'SimpleScaling',
        AdjustmentType: 'ChangeInCapacity',
        ScalingAdjustment: 1,
      }),
    );
    await autoScaling.send(
      new PutScheduledUpdateGroupActionCommand({
        AutoScalingGroupName: JOBS,
        ScheduledActionName: 'morning',
        Recurrence: '0 7 * * 1-5',
        DesiredCapacity: 4,
      }),
    );
    await autoScaling.send(
      new PutScheduledUpdateGroupActionCommand({
        AutoScalingGroupName: JOBS,
        ScheduledActionName: 'cap',
        Recurrence: '0 20 * * *',
        MaxSize: 5,
      }),
    );

    const findings = await check();

    expect(notPassing(findings)).toEqual([
      {
        subject: `group ${JOBS}`,
        status: 'fail',
        says: "has scaling policies (cpu-high): they change the desired capacity the runner's autoscaler sets, and a scale-in terminates instances that may run jobs",
        fix: `aws autoscaling delete-policy --auto-scaling-group-name ${JOBS} --policy-name cpu-high (Terraform: remove the aws_autoscaling_policy resources of ${JOBS})`,
      },
      {
        subject: `group ${JOBS}`,
        status: 'fail',
        says: "has scheduled actions that set its desired capacity or minimum (morning): they override the capacity the runner's autoscaler sets",
        fix: `aws autoscaling delete-scheduled-action --auto-scaling-group-name ${JOBS} --scheduled-action-name morning (Terraform: remove the aws_autoscaling_schedule resources of ${JOBS}; the runner's autoscaler policy periods schedule capacity instead)`,
      },
    ]);
  });

  it('fails a job group without scale-in protection, naming its unprotected instances', async () => {
    const findings = await run({ groups: { [JOBS]: { protectedFromScaleIn: false, desiredCapacity: 1 } } });

    expect(notPassing(findings)).toEqual([
      {
        subject: `group ${JOBS}`,
        status: 'fail',
        says: 'instance scale-in protection is off: when the desired capacity drops, Auto Scaling picks the instance to terminate, and it may run a job',
        fix: expect.stringMatching(
          /^aws autoscaling update-auto-scaling-group --auto-scaling-group-name gitlab-runner-ao-group --new-instances-protected-from-scale-in && aws autoscaling set-instance-protection --auto-scaling-group-name gitlab-runner-ao-group --instance-ids i-\w+ --protected-from-scale-in \(Terraform: aws_autoscaling_group\.protect_from_scale_in = true\)$/,
        ),
      },
    ]);
  });

  it('fails a job group over two zones that does not suspend AZRebalance, and warns over one', async () => {
    const findings = await run({
      groups: {
        [JOBS]: { suspended: [] },
        'gitlab-runner-ao-group-docker': { suspended: [], zones: ['us-east-2a'] },
      },
    });

    const fix = (g: string) =>
      `aws autoscaling suspend-processes --auto-scaling-group-name ${g} --scaling-processes AZRebalance (Terraform: aws_autoscaling_group.suspended_processes = ["AZRebalance"])`;
    expect(notPassing(findings)).toEqual([
      {
        subject: `group ${JOBS}`,
        status: 'fail',
        says: 'AZRebalance is not suspended: rebalancing terminates instances the runner may be using (fleeting-plugin-aws: "might cause unexpected job interruptions"); the group spans 2 zones',
        fix: fix(JOBS),
      },
      {
        subject: 'group gitlab-runner-ao-group-docker',
        status: 'warn',
        says: 'AZRebalance is not suspended: rebalancing terminates instances the runner may be using (fleeting-plugin-aws: "might cause unexpected job interruptions"); harmless while the group has one zone, not once it has more',
        fix: fix('gitlab-runner-ao-group-docker'),
      },
    ]);
  });
});
