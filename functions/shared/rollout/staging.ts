import type { ImageReadyDetail } from '../events';
import { canaryChecks, type Fleet, SSH_PATH_CHECK } from '../fleet';
import {
  after,
  asImageRollout,
  commit,
  due,
  emitFailure,
  enter,
  fleetByName,
  itemParameters,
  liveManager,
  readCommands,
  reject,
  requireManager,
  resultOf,
  scheduleStep,
  sendOnce,
  unchanged,
  withDeadline,
} from './common';
import type { StepContext, StepResult } from './context';
import { candidateIdFor, fleetsOnTemplate, groupProblems, transition } from './decide';
import type { StepFn } from './engine';
import type { AwaitedCommand, ImageRollout } from './model';
import { CANARY_TAG, CANDIDATE_TAG, FLEET_TAG } from '../names';

/** Image Ready -> candidate version -> canary -> smoke test -> verdict. */

/** The SSH path check from the manager: key push, connect, one command. */
const PATH_CHECK_SECONDS = 300;

export const stageCandidates = async (detail: ImageReadyDetail, ctx: StepContext): Promise<StepResult[]> => {
  const fed = ctx.settings.fleets.filter((f) => f.pipeline === detail.pipeline);
  const templates = [...new Set(fed.map((f) => f.launchTemplate))].sort();
  const results: StepResult[] = [];
  for (const template of templates) {
    results.push(await stageOnTemplate(detail, fleetsOnTemplate(ctx.settings.fleets, template), ctx));
  }
  return results;
};

const stageOnTemplate = async (
  detail: ImageReadyDetail,
  fleets: Fleet[],
  ctx: StepContext,
): Promise<StepResult> => {
  const { settings, now, ports } = ctx;
  const lead = fleets[0] as Fleet;
  const candidateId = candidateIdFor(lead.launchTemplate, detail.imageArn);
  const existing = await ports.ledger.get(lead.name, candidateId);
  if (existing)
    return existing.state === 'staged'
      ? launchCanary(existing, ctx, { kind: 'reconcile' })
      : unchanged(existing, 'already staged');

  const ami = detail.amis.find((a) => a.region === settings.region);
  const template = await ports.fleet.getLaunchTemplate({ launchTemplateName: lead.launchTemplate });
  const problems: string[] = [];
  if (!ami) problems.push(`image ${detail.imageArn} has no AMI in ${settings.region}`);
  if (!template) problems.push(`launch template ${lead.launchTemplate} does not exist`);
  for (const fleet of fleets) {
    if (!template) break;
    const group = await ports.fleet.describeGroup(fleet.autoScalingGroup);
    // Only for a group that exists: DescribeWarmPool answers a missing one with a ValidationError,
    // which would retry the step instead of refusing it for the missing group.
    const warmPool =
      fleet.role === 'manager' && group
        ? await ports.fleet.describeWarmPool(fleet.autoScalingGroup)
        : { configured: false };
    // A suspended ReplaceUnhealthy is ours while a drain of this manager holds its lease.
    const lease = fleet.role === 'manager' ? await ports.ledger.getLease(fleet.name) : undefined;
    const leaseHeld = lease !== undefined && Date.parse(lease.expiresAt) > now.getTime();
    problems.push(...groupProblems(fleet, group, warmPool, template.launchTemplateId, { leaseHeld }));
  }

  const base: ImageRollout = {
    kind: 'rollout',
    fleet: lead.name,
    fleets: fleets.map((f) => f.name),
    candidateId,
    role: lead.role,
    pipeline: detail.pipeline,
    imageArn: detail.imageArn,
    amiId: ami?.imageId ?? '',
    state: 'staged',
    stateSince: now.toISOString(),
    attempts: 0,
    history: [],
    revision: 0,
  };

  if (problems.length > 0 || !template || !ami) {
    // Created final: nothing was made, nothing is held.
    const reason = problems.join('; ');
    const refused = transition(base, 'refused', reason, now, { reason });
    if ((await ports.ledger.create(refused)) === 'exists') return unchanged(refused, 'refused concurrently');
    await emitFailure(ctx, refused, 'staged', 'refused', reason);
    return resultOf('new', refused);
  }

  // The client token makes a repeat (redelivery, crash before the ledger write) return this version.
  const { version } = await ports.fleet.createCandidateVersion({
    launchTemplateId: template.launchTemplateId,
    sourceVersion: template.defaultVersion,
    imageId: ami.imageId,
    description: `runner-autopilot candidate ${candidateId} (${detail.pipeline} ${detail.imageVersion})`,
    clientToken: `${candidateId}-version`,
  });
  const staged = withDeadline(
    ctx,
    enter(
      ctx,
      base,
      'staged',
      `version ${version} from default ${template.defaultVersion} with ${ami.imageId}`,
      {
        launchTemplateId: template.launchTemplateId,
        candidateVersion: version,
        previousDefault: template.defaultVersion,
      },
    ),
  );
  if ((await ports.ledger.create(staged)) === 'exists') {
    const raced = await ports.ledger.get(lead.name, candidateId);
    return unchanged(raced ?? staged, 'staged concurrently');
  }
  return launchCanary(staged, ctx, { kind: 'reconcile' });
};

const launchCanary: StepFn = async (stored, ctx) => {
  const item = asImageRollout(stored);
  const lead = fleetByName(ctx, item.fleet);
  const { instanceId } = await ctx.ports.fleet.runCanary({
    launchTemplateId: item.launchTemplateId ?? '',
    version: item.candidateVersion ?? 0,
    subnetId: lead.canary.subnetId,
    securityGroupIds: lead.canary.securityGroupIds,
    tags: {
      Name: `runner-autopilot canary ${item.fleet}`,
      [CANARY_TAG]: 'true',
      [FLEET_TAG]: item.fleet,
      [CANDIDATE_TAG]: item.candidateId,
    },
    clientToken: `${item.candidateId}-canary`,
  });
  const next = enter(
    ctx,
    item,
    'canary-booting',
    `canary ${instanceId} launched from version ${item.candidateVersion}`,
    {
      canaryInstanceId: instanceId,
    },
  );
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'canary-check', after(ctx.now, lead.canary.checkIntervalMinutes));
  return result;
};

const checkCanary: StepFn = async (stored, ctx, trigger) => {
  const item = asImageRollout(stored);
  const lead = fleetByName(ctx, item.fleet);
  const canary = item.canaryInstanceId ?? '';
  const [instance] = await ctx.ports.fleet.describeInstances([canary]);
  if (!instance || ['shutting-down', 'terminated', 'stopping', 'stopped'].includes(instance.state))
    return reject(ctx, item, `canary ${canary} is ${instance?.state ?? 'gone'}`);
  const online = await ctx.ports.commands.online([canary]);
  if (online.has(canary)) return startSmoke(item, ctx, instance.privateIpAddress);
  if (trigger.kind === 'timeout' || due(item.deadline, ctx.now))
    return reject(
      ctx,
      item,
      `canary ${canary} did not come online in SSM within ${lead.canary.onlineTimeoutMinutes} minutes`,
    );
  const next = enter(ctx, item, 'canary-booting', `canary not online yet (check ${item.attempts + 1})`, {
    attempts: item.attempts + 1,
  });
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'canary-check', after(ctx.now, lead.canary.checkIntervalMinutes));
  return result;
};

const startSmoke = async (
  item: ImageRollout,
  ctx: StepContext,
  canaryIp: string | undefined,
): Promise<StepResult> => {
  const { settings } = ctx;
  const lead = fleetByName(ctx, item.fleet);
  const canary = item.canaryInstanceId ?? '';
  const executionSeconds = Math.max(60, lead.canary.smokeTimeoutMinutes * 60);
  // The smoke script runs these and reports the others as skipped; `ssh-path` is its own command.
  const checks = canaryChecks(lead);
  const common = {
    ...itemParameters(item),
    RunnerVersion: [settings.runnerVersion],
    GitlabUrl: [settings.gitlabUrl],
    Checks: [checks.filter((c) => c !== SSH_PATH_CHECK).join(',')],
  };
  const commands: AwaitedCommand[] = [];
  const notes: string[] = [];
  if (item.role === 'jobs') {
    const connectorUser = settings.connectorUsers[item.pipeline] ?? 'ubuntu';
    commands.push({
      instanceId: canary,
      commandId: await sendOnce(ctx, item, 'canary-testing', {
        documentName: settings.documents.smokeJobs,
        instanceId: canary,
        parameters: {
          ...common,
          ConnectorUser: [connectorUser],
          MinFreeGiB: [String(lead.canary.minFreeDiskGiB)],
        },
        executionSeconds,
      }),
    });
    // The path the runner really uses: its manager reaches the instance over SSH as the connector user.
    const pathCheck = checks.includes(SSH_PATH_CHECK);
    const manager = pathCheck ? await liveManager(ctx, requireManager(ctx, item)) : undefined;
    if (!pathCheck) {
      notes.push('the SSH path check is not configured');
    } else if (manager && canaryIp) {
      commands.push({
        instanceId: manager.instanceId,
        commandId: await sendOnce(ctx, item, 'canary-testing', {
          documentName: settings.documents.smokePath,
          instanceId: manager.instanceId,
          parameters: {
            ...itemParameters(item),
            CanaryInstanceId: [canary],
            CanaryPrivateIp: [canaryIp],
            ConnectorUser: [connectorUser],
          },
          executionSeconds: PATH_CHECK_SECONDS,
        }),
      });
    } else {
      notes.push('no live manager: the SSH path check was skipped');
    }
  } else {
    const jobGroups = settings.fleets.filter((f) => f.manager === item.fleet).map((f) => f.autoScalingGroup);
    commands.push({
      instanceId: canary,
      commandId: await sendOnce(ctx, item, 'canary-testing', {
        documentName: settings.documents.smokeManager,
        instanceId: canary,
        parameters: {
          ...common,
          JobGroups: [jobGroups.join(',')],
          FleetingPluginVersion: [settings.fleetingPluginVersions[item.pipeline] ?? ''],
        },
        executionSeconds,
      }),
    });
  }
  return commit(
    ctx,
    item,
    enter(ctx, item, 'canary-testing', ['smoke test sent', ...notes].join('; '), { commands }),
  );
};

const readSmoke: StepFn = async (stored, ctx, trigger) => {
  const item = asImageRollout(stored);
  if (trigger.kind === 'command' && !(item.commands ?? []).some((c) => c.commandId === trigger.commandId))
    return unchanged(item, `command ${trigger.commandId} is not awaited`);
  const { verdict, excerpt } = await readCommands(ctx, item);
  if (verdict.kind === 'pending') {
    return trigger.kind === 'timeout'
      ? reject(ctx, item, 'smoke test did not finish in time')
      : unchanged(item, 'waiting for the smoke test');
  }
  if (verdict.kind === 'fail') return reject(ctx, item, `smoke test failed: ${verdict.reason}`, excerpt);
  return ctx.dispatch(item, { kind: 'passed' });
};

/** A staging interrupted before its canary launched and never resumed. */
const rejectStale: StepFn = (stored, ctx) =>
  reject(ctx, asImageRollout(stored), 'staging did not finish: the canary was never launched');

export const STAGING_STEPS = {
  'launch-canary': launchCanary,
  'check-canary': checkCanary,
  'read-smoke': readSmoke,
  'reject-stale': rejectStale,
} as const;
