import { describeGroup, describeWarmPool, terminateInGroup } from '../aws/autoscaling';
import { alarmStates } from '../aws/cloudwatch';
import {
  createCandidateVersion,
  describeInstances,
  getLaunchTemplate,
  runCanary,
  setDefaultVersion,
  terminateInstances,
} from '../aws/ec2';
import { putEvents } from '../aws/eventbridge';
import { scheduleName, scheduleOnce } from '../aws/scheduler';
import {
  CommandRefusedError,
  findCommands,
  getInvocation,
  getParameterValue,
  onlineInstances,
  sendCommand,
} from '../aws/ssm';
import { PermanentError } from '../errors';
import { busEntry, DetailType, type ImageReadyDetail } from '../events';
import { canaryChecks, type Fleet, SSH_PATH_CHECK } from '../fleet';
import { lintRunnerConfig } from '../runner-config/lint';
import { renderTemplate, type Values } from '../runner-config/render';
import {
  acquireLease,
  createRollout,
  getRollout,
  listFleetRollouts,
  releaseLease,
  saveRollout,
} from '../ledger';
import {
  applyResultOf,
  candidateIdFor,
  drainBoundSeconds,
  drainCommandSeconds,
  excerptOf,
  fleetsOnTemplate,
  groupProblems,
  maintenanceTiming,
  promotionTiming,
  rotatedTokensOf,
  transition,
  verdictOf,
} from './decide';
import { FINAL_STATES, type Rollout, type RolloutState } from './model';
import type { RolloutSettings } from './settings';

/**
 * The rollout's steps. Each reads the ledger item, asks AWS for the facts it needs, applies the
 * pure rules of `decide.ts`, acts, and saves the item under its revision. Every AWS write carries a
 * client token or is checked for before it is repeated, so a redelivered trigger, or a crash
 * between a call and the save, ends in the same state.
 */

export interface StepContext {
  readonly settings: RolloutSettings;
  readonly now: Date;
}

/** What re-invokes the step function: a one-time schedule, the SSM status event or the reconciler. */
export type Trigger =
  | { readonly kind: 'canary-check' }
  | { readonly kind: 'command'; readonly commandId: string }
  | { readonly kind: 'promote' }
  | { readonly kind: 'maintenance' }
  | { readonly kind: 'health-check' }
  | { readonly kind: 'bake-end' }
  | { readonly kind: 'rollback'; readonly reason: string }
  | { readonly kind: 'reconcile' };

export interface StepResult {
  readonly fleet: string;
  readonly candidateId: string;
  readonly from: RolloutState | 'new';
  readonly to: RolloutState;
  readonly note: string;
}

const MINUTE = 60_000;
const LEASE_RETRY_MINUTES = 10;
/** SSM command margin over the work it waits for (start-up, reporting). */
const COMMAND_MARGIN_SECONDS = 600;
/** How long an instance has to pick a command up. */
const DELIVERY_TIMEOUT_SECONDS = 600;
/** The SSH path check from the manager: key push, connect, one command. */
const PATH_CHECK_SECONDS = 300;

const fleetByName = (settings: RolloutSettings, name: string): Fleet => {
  const fleet = settings.fleets.find((f) => f.name === name);
  if (!fleet) throw new Error(`fleet "${name}" is not configured`);
  return fleet;
};

const managerFleetOf = (settings: RolloutSettings, item: Rollout): Fleet => {
  const lead = fleetByName(settings, item.fleet);
  return lead.role === 'manager' ? lead : fleetByName(settings, lead.manager ?? '');
};

const fleetsOf = (settings: RolloutSettings, item: Rollout): Fleet[] =>
  item.fleets.map((f) => fleetByName(settings, f));

const after = (now: Date, minutes: number): Date => new Date(now.getTime() + minutes * MINUTE);

/** A one-time schedule that re-invokes the step function; its name makes a repeat a no-op. */
const scheduleStep = async (ctx: StepContext, item: Rollout, step: string, at: Date): Promise<void> => {
  const { scheduler } = ctx.settings;
  await scheduleOnce({
    name: scheduleName([item.candidateId, step, String(item.attempts), at.toISOString()]),
    groupName: scheduler.groupName,
    at,
    targetArn: scheduler.targetArn,
    roleArn: scheduler.roleArn,
    deadLetterArn: scheduler.deadLetterArn,
    input: { fleet: item.fleet, candidateId: item.candidateId, step },
    description: `runner-autopilot ${step} for ${item.fleet} candidate ${item.candidateId}`,
  });
};

const emitFailure = async (ctx: StepContext, item: Rollout, stage: string, outcome: string, reason: string) =>
  putEvents([
    item.kind === 'config'
      ? busEntry(
          DetailType.ConfigApplyFailed,
          {
            fleet: item.fleet,
            applyId: item.candidateId,
            stage: outcome === 'failed' ? stage : outcome,
            reason,
            ...(item.excerpt ? { excerpt: item.excerpt } : {}),
          },
          ctx.settings.eventBusName,
        )
      : busEntry(
          DetailType.RolloutFailed,
          {
            fleet: item.fleet,
            candidateId: item.candidateId,
            imageArn: item.imageArn,
            stage,
            outcome,
            reason,
            ...(item.excerpt ? { excerpt: item.excerpt } : {}),
          },
          ctx.settings.eventBusName,
        ),
  ]);

/** Saves a step under the revision it read; returns the item as stored (its new revision). */
const persist = (ctx: StepContext, before: Rollout, next: Rollout): Promise<Rollout> =>
  saveRollout(ctx.settings.ledgerTable, next, before.revision);

/** Saves and reports a step; the returned result is what the handler logs. */
const commit = async (ctx: StepContext, before: Rollout, next: Rollout): Promise<StepResult> => {
  await persist(ctx, before, next);
  return {
    fleet: next.fleet,
    candidateId: next.candidateId,
    from: before.state,
    to: next.state,
    note: next.history.at(-1)?.note ?? '',
  };
};

const unchanged = (item: Rollout, note: string): StepResult => ({
  fleet: item.fleet,
  candidateId: item.candidateId,
  from: item.state,
  to: item.state,
  note,
});

/** The in-service manager instance of a manager fleet (never a canary), if any. */
const liveManager = async (
  manager: Fleet,
  exclude: readonly string[] = [],
  version?: number,
): Promise<string | undefined> => {
  const group = await describeGroup(manager.autoScalingGroup);
  const ids = (group?.instances ?? [])
    .filter((i) => i.lifecycleState === 'InService' && !exclude.includes(i.instanceId))
    // A replacement counts only once it runs the version it was launched for.
    .filter((i) => version === undefined || i.launchTemplateVersion === String(version))
    .map((i) => i.instanceId);
  if (ids.length === 0) return undefined;
  const instances = await describeInstances(ids);
  return instances.find((i) => i.state === 'running' && i.tags['runner-autopilot:canary'] !== 'true')
    ?.instanceId;
};

/**
 * Sends a command unless it was already sent for this step (SendCommand has no client token): a
 * command with the same comment, for the same document and instance, since the stored item
 * entered its state is reused. `stored` is the item as read, before this step's transition.
 */
const sendOnce = async (
  stored: Rollout,
  step: RolloutState,
  input: {
    documentName: string;
    instanceId: string;
    parameters: Record<string, string[]>;
    executionSeconds: number;
  },
): Promise<string> => {
  const comment = `runner-autopilot ${stored.candidateId} ${step}`;
  const existing = await findCommands({
    instanceId: input.instanceId,
    documentName: input.documentName,
    after: new Date(stored.stateSince),
  });
  const mine = existing.find((c) => c.comment === comment);
  if (mine) return mine.commandId;
  const { commandId } = await sendCommand({
    documentName: input.documentName,
    instanceIds: [input.instanceId],
    // The document's own `executionTimeout` bounds the run; SendCommand's timeout only bounds delivery.
    parameters: { ...input.parameters, executionTimeout: [String(input.executionSeconds)] },
    timeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
    comment,
  });
  return commandId;
};

/** Document parameters that let the SSM status event find its rollout (never a secret). */
const rolloutParameters = (item: Rollout): Record<string, string[]> => ({
  Fleet: [item.fleet],
  CandidateId: [item.candidateId],
});

// ---------------------------------------------------------------------------------------------
// Stage: Image Ready -> candidate version -> canary

export const stageCandidates = async (detail: ImageReadyDetail, ctx: StepContext): Promise<StepResult[]> => {
  const { settings } = ctx;
  const fed = settings.fleets.filter((f) => f.pipeline === detail.pipeline);
  const templates = [...new Set(fed.map((f) => f.launchTemplate))].sort();
  const results: StepResult[] = [];
  for (const template of templates) {
    results.push(await stageOnTemplate(detail, fleetsOnTemplate(settings.fleets, template), ctx));
  }
  return results;
};

const stageOnTemplate = async (
  detail: ImageReadyDetail,
  fleets: Fleet[],
  ctx: StepContext,
): Promise<StepResult> => {
  const { settings, now } = ctx;
  const lead = fleets[0] as Fleet;
  const candidateId = candidateIdFor(lead.launchTemplate, detail.imageArn);
  const existing = await getRollout(settings.ledgerTable, lead.name, candidateId);
  if (existing)
    return existing.state === 'staged' ? launchCanary(existing, ctx) : unchanged(existing, 'already staged');

  const ami = detail.amis.find((a) => a.region === settings.region);
  const template = await getLaunchTemplate({ launchTemplateName: lead.launchTemplate });
  const problems: string[] = [];
  if (!ami) problems.push(`image ${detail.imageArn} has no AMI in ${settings.region}`);
  if (!template) problems.push(`launch template ${lead.launchTemplate} does not exist`);
  for (const fleet of fleets) {
    if (!template) break;
    const [group, warmPool] = await Promise.all([
      describeGroup(fleet.autoScalingGroup),
      fleet.role === 'manager'
        ? describeWarmPool(fleet.autoScalingGroup)
        : Promise.resolve({ configured: false }),
    ]);
    problems.push(...groupProblems(fleet, group, warmPool, template.launchTemplateId));
  }

  const base: Rollout = {
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
    const refused = transition(base, 'refused', problems.join('; '), now, { reason: problems.join('; ') });
    await createRollout(settings.ledgerTable, refused);
    await emitFailure(ctx, refused, 'staged', 'refused', refused.reason ?? '');
    return { fleet: lead.name, candidateId, from: 'new', to: 'refused', note: refused.reason ?? '' };
  }

  // The client token makes a repeat (redelivery, crash before the ledger write) return this version.
  const { version } = await createCandidateVersion({
    launchTemplateId: template.launchTemplateId,
    sourceVersion: template.defaultVersion,
    imageId: ami.imageId,
    description: `runner-autopilot candidate ${candidateId} (${detail.pipeline} ${detail.imageVersion})`,
    clientToken: `${candidateId}-version`,
  });
  const staged = transition(
    base,
    'staged',
    `version ${version} from default ${template.defaultVersion} with ${ami.imageId}`,
    now,
    {
      launchTemplateId: template.launchTemplateId,
      candidateVersion: version,
      previousDefault: template.defaultVersion,
    },
  );
  if ((await createRollout(settings.ledgerTable, staged)) === 'exists') {
    const raced = await getRollout(settings.ledgerTable, lead.name, candidateId);
    return raced ? unchanged(raced, 'staged concurrently') : unchanged(staged, 'staged concurrently');
  }
  return launchCanary({ ...staged }, ctx);
};

const launchCanary = async (item: Rollout, ctx: StepContext): Promise<StepResult> => {
  const { settings, now } = ctx;
  const lead = fleetByName(settings, item.fleet);
  const { instanceId } = await runCanary({
    launchTemplateId: item.launchTemplateId ?? '',
    version: item.candidateVersion ?? 0,
    subnetId: lead.canary.subnetId,
    securityGroupIds: lead.canary.securityGroupIds,
    tags: {
      Name: `runner-autopilot canary ${item.fleet}`,
      'runner-autopilot:canary': 'true',
      'runner-autopilot:fleet': item.fleet,
      'runner-autopilot:candidate': item.candidateId,
    },
    clientToken: `${item.candidateId}-canary`,
  });
  const next = transition(
    item,
    'canary-booting',
    `canary ${instanceId} launched from version ${item.candidateVersion}`,
    now,
    {
      canaryInstanceId: instanceId,
      deadline: after(now, lead.canary.onlineTimeoutMinutes).toISOString(),
    },
  );
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'canary-check', after(now, lead.canary.checkIntervalMinutes));
  return result;
};

// ---------------------------------------------------------------------------------------------
// Canary: wait for SSM, smoke test, verdict

const canaryCheck = async (item: Rollout, ctx: StepContext): Promise<StepResult> => {
  const { settings, now } = ctx;
  const lead = fleetByName(settings, item.fleet);
  const canary = item.canaryInstanceId ?? '';
  const [instance] = await describeInstances([canary]);
  if (!instance || ['shutting-down', 'terminated', 'stopping', 'stopped'].includes(instance.state)) {
    return reject(item, ctx, `canary ${canary} is ${instance?.state ?? 'gone'}`);
  }
  const online = await onlineInstances([canary]);
  if (!online.has(canary)) {
    if (now.getTime() >= Date.parse(item.deadline ?? '')) {
      return reject(
        item,
        ctx,
        `canary ${canary} did not come online in SSM within ${lead.canary.onlineTimeoutMinutes} minutes`,
      );
    }
    const next = transition(
      item,
      'canary-booting',
      `canary not online yet (check ${item.attempts + 1})`,
      now,
      {
        attempts: item.attempts + 1,
      },
    );
    const result = await commit(ctx, item, next);
    await scheduleStep(ctx, next, 'canary-check', after(now, lead.canary.checkIntervalMinutes));
    return result;
  }
  return startSmoke(item, ctx, instance.privateIpAddress);
};

const startSmoke = async (
  item: Rollout,
  ctx: StepContext,
  canaryIp: string | undefined,
): Promise<StepResult> => {
  const { settings, now } = ctx;
  const lead = fleetByName(settings, item.fleet);
  const canary = item.canaryInstanceId ?? '';
  const executionSeconds = Math.max(60, lead.canary.smokeTimeoutMinutes * 60);
  // The smoke script runs these and reports the others as skipped; `ssh-path` is its own command.
  const checks = canaryChecks(lead);
  const common = {
    ...rolloutParameters(item),
    RunnerVersion: [settings.runnerVersion],
    GitlabUrl: [settings.gitlabUrl],
    Checks: [checks.filter((c) => c !== SSH_PATH_CHECK).join(',')],
  };
  const commands: { commandId: string; instanceId: string }[] = [];
  const notes: string[] = [];
  if (item.role === 'jobs') {
    const connectorUser = settings.connectorUsers[item.pipeline] ?? 'ubuntu';
    commands.push({
      instanceId: canary,
      commandId: await sendOnce(item, 'canary-testing', {
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
    const manager = pathCheck ? await liveManager(managerFleetOf(settings, item)) : undefined;
    if (!pathCheck) {
      notes.push('the SSH path check is not configured');
    } else if (manager && canaryIp) {
      commands.push({
        instanceId: manager,
        commandId: await sendOnce(item, 'canary-testing', {
          documentName: settings.documents.smokePath,
          instanceId: manager,
          parameters: {
            ...rolloutParameters(item),
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
      commandId: await sendOnce(item, 'canary-testing', {
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
  const next = transition(item, 'canary-testing', ['smoke test sent', ...notes].join('; '), now, {
    commands,
    deadline: after(now, lead.canary.smokeTimeoutMinutes + COMMAND_MARGIN_SECONDS / 60).toISOString(),
  });
  return commit(ctx, item, next);
};

/** Reads every command of the current state and decides. */
const commandsVerdict = async (item: Rollout) => {
  const invocations = await Promise.all(
    (item.commands ?? []).map(async ({ commandId, instanceId }) => {
      const invocation = await getInvocation(commandId, instanceId);
      return {
        commandId,
        status: invocation?.status,
        stdout: invocation?.stdout ?? '',
        stderr: invocation?.stderr ?? '',
      };
    }),
  );
  const verdict = verdictOf(invocations);
  const failed = invocations.find((i) => i.status !== 'Success');
  return { verdict, excerpt: failed ? excerptOf(failed.stdout, failed.stderr) : undefined };
};

const reject = async (
  item: Rollout,
  ctx: StepContext,
  reason: string,
  excerpt?: string,
): Promise<StepResult> => {
  if (item.canaryInstanceId) await terminateInstances([item.canaryInstanceId]);
  const next = transition(
    item,
    'rejected',
    `rejected: ${reason}; default stays ${item.previousDefault}`,
    ctx.now,
    {
      reason,
      ...(excerpt ? { excerpt } : {}),
    },
  );
  const result = await commit(ctx, item, next);
  await emitFailure(ctx, next, item.state, 'rejected', reason);
  return result;
};

// ---------------------------------------------------------------------------------------------
// Promote, then roll out by role

const promote = async (item: Rollout, ctx: StepContext): Promise<StepResult> => {
  const { settings, now } = ctx;
  const fleets = fleetsOf(settings, item);
  const timing = promotionTiming(fleets, now);
  if (timing.kind !== 'now') {
    if (timing.kind === 'never')
      return fail(item, ctx, 'a freeze window never ends within a month: check the config');
    if (item.canaryInstanceId) await terminateInstances([item.canaryInstanceId]);
    const next = transition(
      item,
      'promotion-deferred',
      `passed inside a freeze window; promotion at ${timing.until.toISOString()}`,
      now,
      {
        dueAt: timing.until.toISOString(),
      },
    );
    const result = await commit(ctx, item, next);
    await scheduleStep(ctx, next, 'promote', timing.until);
    return result;
  }

  // The rollback target is the default this promotion replaces, read now: another candidate may
  // have been promoted since staging. A default already at the candidate is our own earlier try.
  const current = await getLaunchTemplate({ launchTemplateId: item.launchTemplateId ?? '' });
  if (!current) return fail(item, ctx, `launch template ${item.launchTemplateId} no longer exists`);
  const candidate = item.candidateVersion ?? 0;
  if (current.defaultVersion > candidate) {
    return reject(
      item,
      ctx,
      `superseded: the default is already version ${current.defaultVersion}, newer than this candidate`,
    );
  }
  const previousDefault =
    current.defaultVersion === candidate ? item.previousDefault : current.defaultVersion;
  item = { ...item, ...(previousDefault === undefined ? {} : { previousDefault }) };
  await setDefaultVersion(item.launchTemplateId ?? '', candidate);
  if (item.canaryInstanceId) await terminateInstances([item.canaryInstanceId]);
  await putEvents([
    busEntry(
      DetailType.CandidatePromoted,
      {
        fleet: item.fleet,
        fleets: [...item.fleets],
        candidateId: item.candidateId,
        imageArn: item.imageArn,
        amiId: item.amiId,
        launchTemplateId: item.launchTemplateId ?? '',
        version: item.candidateVersion ?? 0,
        previousVersion: item.previousDefault ?? 0,
      },
      settings.eventBusName,
    ),
  ]);

  if (item.role === 'manager') {
    const next = transition(
      item,
      'awaiting-maintenance',
      `default is now version ${item.candidateVersion}`,
      now,
      {
        promotedAt: now.toISOString(),
      },
    );
    return maintenance(await persist(ctx, item, next), ctx);
  }

  const recycled = fleets.filter((f) => f.rollout === 'recycle');
  if (recycled.length > 0) {
    const manager = managerFleetOf(settings, item);
    await putEvents([
      busEntry(
        DetailType.ManagerRestartRequested,
        {
          fleet: manager.name,
          reason: `recycle ${recycled.map((f) => f.name).join(', ')} onto version ${item.candidateVersion}`,
          idempotencyKey: `recycle:${item.candidateId}`,
        },
        settings.eventBusName,
      ),
    ]);
  }
  return startBake(
    item,
    ctx,
    `default is now version ${item.candidateVersion}${recycled.length ? '; manager restart requested' : ''}`,
  );
};

const startBake = async (item: Rollout, ctx: StepContext, note: string): Promise<StepResult> => {
  const lead = fleetByName(ctx.settings, item.fleet);
  const bakeEnd = after(ctx.now, lead.bakePeriodMinutes);
  const next = transition(item, 'baking', note, ctx.now, {
    promotedAt: item.promotedAt ?? ctx.now.toISOString(),
    deadline: bakeEnd.toISOString(),
  });
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'bake-end', bakeEnd);
  return result;
};

const bakeEnd = async (item: Rollout, ctx: StepContext): Promise<StepResult> => {
  if (ctx.now.getTime() < Date.parse(item.deadline ?? '')) return unchanged(item, 'bake period not over');
  const alarms = fleetsOf(ctx.settings, item).flatMap((f) => f.rollbackAlarms);
  if (alarms.length > 0) {
    const states = await alarmStates(alarms);
    const firing = alarms.filter((a) => states[a]?.state === 'ALARM');
    if (firing.length > 0)
      return rollback(item, ctx, `alarm ${firing.join(', ')} in ALARM at the end of the bake period`);
  }
  return commit(ctx, item, transition(item, 'done', 'bake period passed without a rollback alarm', ctx.now));
};

// ---------------------------------------------------------------------------------------------
// Manager: maintenance window, lease, drain, replace, verify

/** A lease outlasts the longest command its holder may run (a restarting apply may drain twice). */
const leaseMinutes = (manager: Fleet, kind: Rollout['kind']): number =>
  Math.max(
    manager.maxJobMinutes + manager.healthTimeoutMinutes + 60,
    Math.ceil(drainCommandSeconds(manager, kind) / 60) + 30,
  );

const maintenance = async (item: Rollout, ctx: StepContext): Promise<StepResult> => {
  const { settings, now } = ctx;
  const manager = managerFleetOf(settings, item);
  const timing = maintenanceTiming(manager, now);
  if (timing.kind === 'never')
    return fail(item, ctx, `manager fleet ${manager.name} has no maintenance window`);
  if (timing.kind === 'wait') {
    const next = transition(
      item,
      'awaiting-maintenance',
      `waiting for the maintenance window at ${timing.until.toISOString()}`,
      now,
      {
        dueAt: timing.until.toISOString(),
      },
    );
    const result = await commit(ctx, item, next);
    await scheduleStep(ctx, next, 'maintenance', timing.until);
    return result;
  }
  const action = { rollout: 'replace', restart: 'restart', config: 'config-restart' }[item.kind];
  return holdLease(item, ctx, action, () => drain(item, ctx, 'draining'));
};

/**
 * Runs `then` holding the manager fleet's lease (re-entrant for this rollout), or waits: drain,
 * replace, recycle and roll back of one manager never overlap.
 */
const holdLease = async (
  item: Rollout,
  ctx: StepContext,
  action: string,
  then: () => Promise<StepResult>,
): Promise<StepResult> => {
  const manager = managerFleetOf(ctx.settings, item);
  const lease = await acquireLease(ctx.settings.ledgerTable, {
    fleet: manager.name,
    holder: item.candidateId,
    action,
    now: ctx.now,
    ttlMinutes: leaseMinutes(manager, item.kind),
  });
  if (lease.acquired) return then();
  const retryAt = after(ctx.now, LEASE_RETRY_MINUTES);
  const next = transition(
    item,
    item.state,
    `lease of ${manager.name} held by ${lease.heldBy.holder} (${lease.heldBy.action}); retry at ${retryAt.toISOString()}`,
    ctx.now,
    { attempts: item.attempts + 1, dueAt: retryAt.toISOString() },
  );
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'maintenance', retryAt);
  return result;
};

/** Drains the live manager (or restarts it, for a recycle) through the SIGQUIT drop-in. */
const drain = async (
  item: Rollout,
  ctx: StepContext,
  state: 'draining' | 'rollback-draining',
): Promise<StepResult> => {
  const { settings, now } = ctx;
  const manager = managerFleetOf(settings, item);
  const instanceId = await liveManager(manager);
  if (!instanceId) {
    // No manager to drain: nobody takes jobs now, so the replacement may come at once.
    if (item.kind !== 'rollout')
      return finish(item, ctx, 'done', 'no live manager: the next one renders its config at boot');
    return awaitReplacement(transition(item, state, 'no live manager to drain', now), item, ctx, undefined);
  }
  const executionSeconds = drainCommandSeconds(manager, item.kind);
  const drainTimeout = { DrainTimeoutSeconds: [String(drainBoundSeconds(manager))] };
  const commandId = await sendOnce(item, state, {
    ...(item.kind === 'config'
      ? { documentName: settings.documents.applyConfig, parameters: applyParameters(item, ctx, true) }
      : {
          documentName:
            item.kind === 'restart' ? settings.documents.restartManager : settings.documents.drainManager,
          parameters: { ...rolloutParameters(item), ...drainTimeout },
        }),
    instanceId,
    executionSeconds,
  });
  const verb =
    item.kind === 'rollout' ? 'draining' : item.kind === 'restart' ? 'restarting' : 'applying with a restart';
  const next = transition(
    item,
    state,
    `${verb} ${instanceId} (running jobs finish first, up to ${manager.maxJobMinutes} min)`,
    now,
    {
      managerInstanceId: instanceId,
      commands: [{ commandId, instanceId }],
      deadline: new Date(now.getTime() + executionSeconds * 1000).toISOString(),
    },
  );
  return commit(ctx, item, next);
};

const awaitReplacement = async (
  drained: Rollout,
  before: Rollout,
  ctx: StepContext,
  oldInstance: string | undefined,
): Promise<StepResult> => {
  const manager = managerFleetOf(ctx.settings, before);
  if (oldInstance) await terminateInGroup(oldInstance);
  const state: RolloutState = drained.state === 'rollback-draining' ? 'rollback-replacing' : 'replacing';
  const next = transition(
    drained,
    state,
    oldInstance
      ? `terminated ${oldInstance} through its group; waiting for its replacement`
      : 'waiting for a manager',
    ctx.now,
    { deadline: after(ctx.now, manager.healthTimeoutMinutes).toISOString() },
  );
  const result = await commit(ctx, before, next);
  await scheduleStep(ctx, next, 'health-check', after(ctx.now, manager.canary.checkIntervalMinutes));
  return result;
};

const healthCheck = async (item: Rollout, ctx: StepContext): Promise<StepResult> => {
  const { settings, now } = ctx;
  const manager = managerFleetOf(settings, item);
  const expected = item.state === 'rollback-replacing' ? item.previousDefault : item.candidateVersion;
  const replacement = await liveManager(
    manager,
    item.managerInstanceId ? [item.managerInstanceId] : [],
    expected,
  );
  const online = replacement ? await onlineInstances([replacement]) : new Set<string>();
  if (replacement && online.has(replacement)) {
    const commandId = await sendOnce(item, 'verifying', {
      documentName: settings.documents.managerHealth,
      instanceId: replacement,
      parameters: rolloutParameters(item),
      executionSeconds: COMMAND_MARGIN_SECONDS,
    });
    const next = transition(
      item,
      item.state === 'replacing' ? 'verifying' : item.state,
      `checking the health of ${replacement}`,
      now,
      {
        commands: [{ commandId, instanceId: replacement }],
        managerInstanceId: replacement,
      },
    );
    return commit(ctx, item, next);
  }
  if (now.getTime() >= Date.parse(item.deadline ?? '')) {
    const reason = `no healthy manager within ${manager.healthTimeoutMinutes} minutes`;
    return item.state === 'replacing'
      ? rollback(item, ctx, reason)
      : fail(item, ctx, `${reason} after rolling back`);
  }
  const next = transition(item, item.state, `no new manager online yet (check ${item.attempts + 1})`, now, {
    attempts: item.attempts + 1,
  });
  const result = await commit(ctx, item, next);
  await scheduleStep(ctx, next, 'health-check', after(now, manager.canary.checkIntervalMinutes));
  return result;
};

// ---------------------------------------------------------------------------------------------
// Command outcomes, rollback, endings

const onCommand = async (item: Rollout, ctx: StepContext, commandId: string): Promise<StepResult> => {
  if (!(item.commands ?? []).some((c) => c.commandId === commandId))
    return unchanged(item, `command ${commandId} is not awaited`);
  if (item.kind === 'config') return onApplyResult(item, ctx);
  const { verdict, excerpt } = await commandsVerdict(item);
  if (verdict.kind === 'pending') return unchanged(item, 'waiting for the other commands');
  const withExcerpt = excerpt ? { ...item, excerpt } : item;
  switch (item.state) {
    case 'canary-testing':
      return verdict.kind === 'pass'
        ? promote(item, ctx)
        : reject(withExcerpt, ctx, `smoke test failed: ${verdict.reason}`, excerpt);
    case 'draining':
    case 'rollback-draining':
      if (verdict.kind === 'fail')
        return fail(
          withExcerpt,
          ctx,
          `drain of ${item.managerInstanceId} failed or overran: ${verdict.reason}`,
        );
      if (item.kind === 'restart')
        return finish(item, ctx, 'done', `restarted ${item.managerInstanceId} gracefully`);
      return awaitReplacement(item, item, ctx, item.managerInstanceId);
    case 'verifying':
      if (verdict.kind === 'fail')
        return rollback(withExcerpt, ctx, `new manager unhealthy: ${verdict.reason}`);
      await releaseLease(ctx.settings.ledgerTable, managerFleetOf(ctx.settings, item).name, item.candidateId);
      return startBake(item, ctx, `new manager ${item.managerInstanceId} healthy`);
    case 'rollback-replacing':
      if (verdict.kind === 'fail')
        return fail(withExcerpt, ctx, `manager still unhealthy after rolling back: ${verdict.reason}`);
      return finish(
        item,
        ctx,
        'rolled-back',
        `manager ${item.managerInstanceId} healthy on version ${item.previousDefault}`,
      );
    default:
      return unchanged(item, `command result ignored in state ${item.state}`);
  }
};

const rollback = async (item: Rollout, ctx: StepContext, reason: string): Promise<StepResult> => {
  const { now } = ctx;
  if (item.previousDefault === undefined || item.launchTemplateId === undefined) {
    return fail(item, ctx, `cannot roll back (${reason}): no previous default recorded`);
  }
  await setDefaultVersion(item.launchTemplateId, item.previousDefault);
  await emitFailure(ctx, { ...item, reason }, item.state, 'rolled-back', reason);
  // A jobs fleet, or a manager not yet replaced (still waiting for its window), runs no candidate:
  // restoring the default is the whole rollback.
  if (item.role === 'jobs' || item.state === 'awaiting-maintenance') {
    const restored = transition(
      item,
      'rolled-back',
      `default restored to version ${item.previousDefault}: ${reason}`,
      now,
      {
        reason,
      },
    );
    return item.role === 'manager'
      ? finish(item, ctx, 'rolled-back', restored.history.at(-1)?.note ?? reason)
      : commit(ctx, item, restored);
  }
  const marked = await persist(
    ctx,
    item,
    transition(
      item,
      'rollback-draining',
      `default restored to version ${item.previousDefault}: ${reason}`,
      now,
      {
        reason,
        commands: [],
      },
    ),
  );
  // Draining stops job intake: outside a replacement already under way, wait for the window.
  const timing = maintenanceTiming(managerFleetOf(ctx.settings, item), now);
  if (!['replacing', 'verifying'].includes(item.state) && timing.kind === 'wait') {
    const waiting = transition(
      marked,
      'rollback-draining',
      `waits for the maintenance window at ${timing.until.toISOString()} to replace the manager`,
      now,
      {
        dueAt: timing.until.toISOString(),
      },
    );
    const result = await commit(ctx, marked, waiting);
    await scheduleStep(ctx, waiting, 'maintenance', timing.until);
    return result;
  }
  return holdLease(marked, ctx, 'rollback', () => drain(marked, ctx, 'rollback-draining'));
};

const finish = async (
  item: Rollout,
  ctx: StepContext,
  state: 'done' | 'rolled-back',
  note: string,
  patch: Partial<Rollout> = {},
): Promise<StepResult> => {
  if (item.role === 'manager' || item.kind === 'restart') {
    await releaseLease(ctx.settings.ledgerTable, managerFleetOf(ctx.settings, item).name, item.candidateId);
  }
  return commit(ctx, item, transition(item, state, note, ctx.now, patch));
};

const fail = async (item: Rollout, ctx: StepContext, reason: string): Promise<StepResult> => {
  const result = await commit(ctx, item, transition(item, 'failed', reason, ctx.now, { reason }));
  await emitFailure(ctx, item, item.state, 'failed', reason);
  return result;
};

// ---------------------------------------------------------------------------------------------
// Manager config: lint, apply live when possible, restart only in a window under the lease

/** The apply-config document's parameters: where the config lives, never what it holds. */
const applyParameters = (
  item: Rollout,
  ctx: StepContext,
  allowRestart: boolean,
): Record<string, string[]> => {
  const manager = managerFleetOf(ctx.settings, item);
  return {
    ...rolloutParameters(item),
    ConfigPrefix: [ctx.settings.configPrefixes[manager.name] ?? ''],
    ExpectedHash: [item.configHash ?? ''],
    Mode: [item.mode ?? 'apply'],
    AllowRestart: [allowRestart ? 'true' : 'false'],
    DrainTimeoutSeconds: [String(drainBoundSeconds(manager))],
  };
};

const configFailure = async (
  item: Rollout,
  ctx: StepContext,
  stage: string,
  reason: string,
): Promise<StepResult> => {
  const result = await finishFailed(item, ctx, reason);
  await emitFailure(ctx, { ...item, reason }, stage, stage, reason);
  return result;
};

/** Ends a config apply as failed, releasing the lease if it held it. */
const finishFailed = async (item: Rollout, ctx: StepContext, reason: string): Promise<StepResult> => {
  await releaseLease(ctx.settings.ledgerTable, managerFleetOf(ctx.settings, item).name, item.candidateId);
  return commit(ctx, item, transition(item, 'failed', reason, ctx.now, { reason, result: 'failed' }));
};

/** First attempt: no restart allowed, so it runs at any time without the lease. */
const sendApply = async (item: Rollout, ctx: StepContext): Promise<StepResult> => {
  const manager = managerFleetOf(ctx.settings, item);
  const instanceId = await liveManager(manager);
  if (!instanceId)
    return finish(item, ctx, 'done', 'no live manager: the next one renders this config at boot', {
      result: 'no-manager',
    });
  const commandId = await sendOnce(item, 'applying', {
    documentName: ctx.settings.documents.applyConfig,
    instanceId,
    parameters: applyParameters(item, ctx, false),
    executionSeconds: COMMAND_MARGIN_SECONDS,
  });
  const verb = item.mode === 'drift' ? 'checking drift on' : 'applying to';
  const next = transition(
    item,
    'applying',
    `${verb} ${instanceId} (config ${item.configHash?.slice(0, 12) ?? '?'})`,
    ctx.now,
    {
      managerInstanceId: instanceId,
      commands: [{ commandId, instanceId }],
      deadline: new Date(ctx.now.getTime() + COMMAND_MARGIN_SECONDS * 2000).toISOString(),
    },
  );
  return commit(ctx, item, next);
};

const onApplyResult = async (item: Rollout, ctx: StepContext): Promise<StepResult> => {
  const command = item.commands?.[0];
  if (!command) return unchanged(item, 'no apply command to read');
  const invocation = await getInvocation(command.commandId, command.instanceId);
  const verdict = verdictOf([{ commandId: command.commandId, status: invocation?.status }]);
  if (verdict.kind === 'pending') return unchanged(item, 'apply still running');
  const stdout = invocation?.stdout ?? '';
  const excerpt = excerptOf(stdout, invocation?.stderr ?? '');
  const result = applyResultOf(stdout);
  const rotated = rotatedTokensOf(stdout);
  const tokens = rotated.length ? `; rotated token written back for ${rotated.join(', ')}` : '';
  const withExcerpt = { ...item, excerpt };
  // A newer deploy changed the config since this apply read it: that deploy has its own apply.
  if (result?.outcome === 'fail' && result.detail.startsWith('stale')) {
    return finish(item, ctx, 'done', `superseded by a newer config: ${result.detail}`, {
      result: 'superseded',
    });
  }
  if (verdict.kind === 'fail' || !result) {
    const reason = result
      ? `${result.outcome}: ${result.detail}`
      : `apply command ended ${invocation?.status ?? 'without a result'}`;
    return configFailure(withExcerpt, ctx, result?.outcome ?? 'failed', reason);
  }
  switch (result.outcome) {
    case 'in-sync':
    case 'applied-live':
    case 'applied-restart':
      return finish(
        item,
        ctx,
        'done',
        `${result.outcome}${result.detail ? `: ${result.detail}` : ''}${tokens}`,
        {
          result: result.outcome,
        },
      );
    case 'drift': {
      const done = await finish(item, ctx, 'done', `drift: ${result.detail}${tokens}`, {
        result: 'drift',
        excerpt,
      });
      await putEvents([
        busEntry(
          DetailType.ConfigDriftDetected,
          {
            fleet: item.fleet,
            applyId: item.candidateId,
            instanceId: command.instanceId,
            changes: result.detail,
            ...(item.configHash ? { configHash: item.configHash } : {}),
          },
          ctx.settings.eventBusName,
        ),
      ]);
      return done;
    }
    case 'deferred-restart': {
      if (item.state !== 'applying')
        return configFailure(withExcerpt, ctx, 'failed', 'a restart apply deferred itself');
      const waiting = await persist(
        ctx,
        item,
        transition(
          item,
          'awaiting-maintenance',
          `needs a restart (${result.detail}): waits for the maintenance window${tokens}`,
          ctx.now,
          {
            commands: [],
          },
        ),
      );
      return maintenance(waiting, ctx);
    }
    default:
      return configFailure(withExcerpt, ctx, result.outcome, `${result.outcome}: ${result.detail}`);
  }
};

/**
 * An apply or drift check of a manager fleet's config.toml. The template is linted here first (a
 * failing lint changes nothing); the instance renders it with its secrets, which never pass
 * through a Lambda, a command parameter or an event.
 */
export const requestConfigApply = async (
  detail: { fleet: string; mode: 'apply' | 'drift'; reason: string; idempotencyKey: string },
  ctx: StepContext,
): Promise<StepResult> => {
  const { settings, now } = ctx;
  const manager = settings.fleets.find((f) => f.name === detail.fleet && f.role === 'manager');
  const prefix = settings.configPrefixes[detail.fleet];
  if (!manager || !prefix)
    throw new PermanentError(`"${detail.fleet}" is not a manager fleet with a runner config`);
  const applyId = candidateIdFor(`config:${manager.name}`, detail.idempotencyKey);
  const existing = await getRollout(settings.ledgerTable, manager.name, applyId);
  if (existing) return unchanged(existing, 'apply already requested');

  const [template, valuesText, manifestText] = await Promise.all([
    getParameterValue(`${prefix}/template`),
    getParameterValue(`${prefix}/values`),
    getParameterValue(`${prefix}/manifest`),
  ]);
  const base: Rollout = {
    kind: 'config',
    mode: detail.mode,
    trigger: detail.reason,
    fleet: manager.name,
    fleets: [manager.name],
    candidateId: applyId,
    role: 'manager',
    pipeline: manager.pipeline,
    imageArn: '',
    amiId: '',
    state: 'applying',
    stateSince: now.toISOString(),
    attempts: 0,
    history: [],
    revision: 0,
  };
  const problems = lintPublished(
    template,
    valuesText,
    manifestText,
    settings.fleets.filter((f) => f.manager === manager.name),
  );
  if (problems.errors.length > 0) {
    const reason = `lint: ${problems.errors.join('; ')}`;
    const failed = transition(base, 'failed', reason, now, { reason, result: 'lint' });
    await createRollout(settings.ledgerTable, failed);
    await emitFailure(ctx, failed, 'lint', 'lint', reason);
    return { fleet: manager.name, candidateId: applyId, from: 'new', to: 'failed', note: reason };
  }
  const item = transition(base, 'applying', `${detail.mode} requested: ${detail.reason}`, now, {
    configHash: problems.hash,
  });
  if ((await createRollout(settings.ledgerTable, item)) === 'exists')
    return unchanged(item, 'apply already requested');
  return failOnRefusal(item.fleet, item.candidateId, ctx, () => sendApply(item, ctx));
};

/** The published template rendered with placeholder secrets and linted, as the stack published it. */
const lintPublished = (
  template: string | undefined,
  valuesText: string | undefined,
  manifestText: string | undefined,
  jobFleets: readonly Fleet[],
): { errors: string[]; hash?: string } => {
  if (template === undefined || valuesText === undefined || manifestText === undefined) {
    return { errors: ['the config template, values or manifest parameter is missing: deploy the stack'] };
  }
  let values: unknown;
  let hash: string | undefined;
  try {
    values = JSON.parse(valuesText);
    hash = (JSON.parse(manifestText) as { hash?: string }).hash;
  } catch {
    return { errors: ['the values or manifest parameter is not JSON'] };
  }
  const rendered = renderTemplate(template, values as Values);
  const findings = lintRunnerConfig(rendered.text, { jobGroups: jobFleets.map((f) => f.autoScalingGroup) });
  const errors = [
    ...rendered.unresolved.map((name) => `placeholder \${${name}} has no value`),
    ...findings.filter((f) => f.severity === 'error').map((f) => `line ${f.line}: ${f.message}`),
  ];
  return hash ? { errors, hash } : { errors: [...errors, 'the manifest has no hash'] };
};

// ---------------------------------------------------------------------------------------------
// Entry points

/** An alarm rolls back only within the bake period; a person may also roll back a finished rollout. */
const ALARM_ROLLBACK_FROM: ReadonlySet<RolloutState> = new Set([
  'baking',
  'verifying',
  'replacing',
  'awaiting-maintenance',
]);
const ROLLBACK_FROM: ReadonlySet<RolloutState> = new Set([...ALARM_ROLLBACK_FROM, 'done']);

/**
 * Runs a step that may send a command. SSM refusing one (CommandRefusedError) can never succeed on
 * a retry: the item fails (alerted, lease released) and the error goes on as permanent, instead of
 * the reconciler sending the same command forever.
 */
const failOnRefusal = async (
  fleet: string,
  candidateId: string,
  ctx: StepContext,
  step: () => Promise<StepResult>,
  onRefused?: (item: Rollout) => Promise<void>,
): Promise<StepResult> => {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof CommandRefusedError)) throw error;
    const item = await getRollout(ctx.settings.ledgerTable, fleet, candidateId);
    if (item && !FINAL_STATES.has(item.state)) {
      const reason = error.message;
      if (item.kind === 'config') await configFailure(item, ctx, 'refused', reason);
      else {
        await onRefused?.(item);
        if (item.role === 'manager' || item.kind === 'restart')
          await releaseLease(ctx.settings.ledgerTable, managerFleetOf(ctx.settings, item).name, candidateId);
        await fail(item, ctx, reason);
      }
    }
    throw error;
  }
};

/** Advances one rollout by a trigger; a trigger that does not fit the state changes nothing. */
export const advance = (
  fleet: string,
  candidateId: string,
  trigger: Trigger,
  ctx: StepContext,
): Promise<StepResult> =>
  failOnRefusal(
    fleet,
    candidateId,
    ctx,
    () => advanceItem(fleet, candidateId, trigger, ctx),
    terminateCanary,
  );

/** A canary exists for the smoke command SSM refused: it must not outlive its rollout. */
const terminateCanary = async (item: Rollout): Promise<void> => {
  if (item.kind === 'rollout' && item.canaryInstanceId) await terminateInstances([item.canaryInstanceId]);
};

const advanceItem = async (
  fleet: string,
  candidateId: string,
  trigger: Trigger,
  ctx: StepContext,
): Promise<StepResult> => {
  const item = await getRollout(ctx.settings.ledgerTable, fleet, candidateId);
  if (!item) throw new Error(`no rollout ${candidateId} for fleet ${fleet}`);
  if (FINAL_STATES.has(item.state) && !(trigger.kind === 'rollback' && item.state === 'done')) {
    return unchanged(item, `already ${item.state}`);
  }
  switch (trigger.kind) {
    case 'canary-check':
      return item.state === 'canary-booting'
        ? canaryCheck(item, ctx)
        : unchanged(item, 'not waiting for the canary');
    case 'command':
      return onCommand(item, ctx, trigger.commandId);
    case 'promote':
      return item.state === 'promotion-deferred'
        ? promote(item, ctx)
        : unchanged(item, 'not waiting to promote');
    case 'maintenance':
      if (item.state === 'awaiting-maintenance') return maintenance(item, ctx);
      if (item.state === 'rollback-draining' && !item.commands?.length) {
        return holdLease(item, ctx, 'rollback', () => drain(item, ctx, 'rollback-draining'));
      }
      return unchanged(item, 'not waiting for maintenance');
    case 'health-check':
      return item.state === 'replacing' || item.state === 'rollback-replacing'
        ? healthCheck(item, ctx)
        : unchanged(item, 'not waiting for a manager');
    case 'bake-end':
      return item.state === 'baking' ? bakeEnd(item, ctx) : unchanged(item, 'not baking');
    case 'rollback':
      return ROLLBACK_FROM.has(item.state)
        ? rollback(item, ctx, trigger.reason)
        : unchanged(item, `nothing to roll back in state ${item.state}`);
    case 'reconcile':
      return reconcile(item, ctx);
  }
};

/** What the reconciler does for an item whose expected event may have been lost. */
const reconcile = async (item: Rollout, ctx: StepContext): Promise<StepResult> => {
  const due = (iso: string | undefined) => iso !== undefined && ctx.now.getTime() >= Date.parse(iso);
  switch (item.state) {
    case 'staged':
      return launchCanary(item, ctx);
    case 'canary-booting':
      return canaryCheck(item, ctx);
    case 'applying': {
      if (!item.commands?.length) return sendApply(item, ctx);
      const result = await onApplyResult(item, ctx);
      if (result.to === 'applying' && due(item.deadline)) {
        return configFailure(item, ctx, 'overrun', 'the apply command did not report back in time');
      }
      return result;
    }
    case 'canary-testing':
    case 'draining':
    case 'rollback-draining':
    case 'verifying': {
      // A crash between entering the state and sending its command leaves nothing to wait for.
      if (
        (item.commands ?? []).length === 0 &&
        item.state !== 'canary-testing' &&
        item.state !== 'verifying'
      ) {
        // A rollback waiting for its maintenance window is not a lost command.
        if (item.dueAt !== undefined && !due(item.dueAt))
          return unchanged(item, 'waits for the maintenance window');
        const state = item.state;
        return holdLease(item, ctx, state === 'draining' ? 'replace' : 'rollback', () =>
          drain(item, ctx, state),
        );
      }
      const { verdict } = await commandsVerdict(item);
      if (verdict.kind !== 'pending') return onCommand(item, ctx, item.commands?.[0]?.commandId ?? '');
      if (item.state === 'canary-testing' && due(item.deadline))
        return reject(item, ctx, 'smoke test did not finish in time');
      if (due(item.deadline)) {
        const reason = `${item.state} overran its bound: a person must look`;
        return item.kind === 'config' ? configFailure(item, ctx, 'overrun', reason) : fail(item, ctx, reason);
      }
      return unchanged(item, 'commands still running');
    }
    case 'promotion-deferred':
      return due(item.dueAt) ? promote(item, ctx) : unchanged(item, 'promotion not due');
    case 'awaiting-maintenance':
      return due(item.dueAt) || item.dueAt === undefined
        ? maintenance(item, ctx)
        : unchanged(item, 'maintenance not due');
    case 'replacing':
    case 'rollback-replacing':
      return healthCheck(item, ctx);
    case 'baking':
      return due(item.deadline) ? bakeEnd(item, ctx) : unchanged(item, 'baking');
    default:
      return unchanged(item, 'nothing to reconcile');
  }
};

/** A graceful manager restart for a `recycle`, tracked like a rollout under the same lease. */
export const requestRestart = async (
  detail: { fleet: string; reason: string; idempotencyKey: string },
  ctx: StepContext,
): Promise<StepResult> => {
  const manager = fleetByName(ctx.settings, detail.fleet);
  const candidateId = candidateIdFor(`restart:${manager.name}`, detail.idempotencyKey);
  const existing = await getRollout(ctx.settings.ledgerTable, manager.name, candidateId);
  if (existing) return unchanged(existing, 'restart already requested');
  const item = transition(
    {
      kind: 'restart',
      fleet: manager.name,
      fleets: [manager.name],
      candidateId,
      role: 'manager',
      pipeline: manager.pipeline,
      imageArn: '',
      amiId: '',
      state: 'awaiting-maintenance',
      stateSince: ctx.now.toISOString(),
      attempts: 0,
      history: [],
      revision: 0,
    },
    'awaiting-maintenance',
    detail.reason,
    ctx.now,
  );
  if ((await createRollout(ctx.settings.ledgerTable, item)) === 'exists')
    return unchanged(item, 'restart already requested');
  return failOnRefusal(item.fleet, item.candidateId, ctx, () => maintenance(item, ctx));
};

/**
 * Fleets are often managed by Terraform: an apply can put the template's default back, outside
 * runner-autopilot. For each template whose latest rollout is done, a default other than the
 * promoted version is alerted once (and recorded), never fought.
 */
export const checkDefaults = async (ctx: StepContext): Promise<StepResult[]> => {
  const { settings } = ctx;
  const results: StepResult[] = [];
  const templates = [...new Set(settings.fleets.map((f) => f.launchTemplate))].sort();
  for (const template of templates) {
    const lead = fleetsOnTemplate(settings.fleets, template)[0] as Fleet;
    const latest = (await listFleetRollouts(settings.ledgerTable, lead.name)).find(
      (r) => r.kind === 'rollout',
    );
    if (!latest || latest.state !== 'done' || latest.candidateVersion === undefined) continue;
    const current = await getLaunchTemplate({ launchTemplateName: template });
    if (
      !current ||
      current.defaultVersion === latest.candidateVersion ||
      current.defaultVersion === latest.revertNoticed
    )
      continue;
    const reason = `the default of ${template} is version ${current.defaultVersion}, not the promoted ${latest.candidateVersion}: an infrastructure-as-code apply probably put it back (see README, "Terraform"); runner-autopilot leaves it as it is`;
    const next = transition(latest, 'done', reason, ctx.now, { revertNoticed: current.defaultVersion });
    results.push(await commit(ctx, latest, next));
    await emitFailure(ctx, next, 'done', 'default-reverted', reason);
  }
  return results;
};

/** Rollouts that a rollback trigger (alarm or request) concerns: the fleet's latest promoted one. */
export const rollbackCandidates = (
  rollouts: readonly Rollout[],
  fleet: string,
  source: 'alarm' | 'request',
): Rollout | undefined => {
  // Only the fleet's latest promoted rollout: rolling that one back never cascades to older ones.
  const latest = rollouts
    .filter((r) => r.kind === 'rollout' && r.fleets.includes(fleet) && r.promotedAt !== undefined)
    .sort((a, b) => (b.promotedAt ?? '').localeCompare(a.promotedAt ?? ''))[0];
  const allowed = source === 'alarm' ? ALARM_ROLLBACK_FROM : ROLLBACK_FROM;
  return latest && allowed.has(latest.state) ? latest : undefined;
};
