import { PermanentError } from '../errors';
import type { Fleet } from '../fleet';
import { commit, enter, persist, settle, unchanged } from '../rollout/common';
import type { StepContext, StepResult } from '../rollout/context';
import { applyResultOf, excerptOf, rotatedTokensOf, verdictOf } from '../rollout/decide';
import { brakeOn, holdByBrake } from '../rollout/brake';
import type { StepFn } from '../rollout/engine';
import type { ConfigApply, Rollout } from '../rollout/model';
import { liveManager, sendOnce } from '../rollout/common';
import { COMMAND_MARGIN_SECONDS } from '../rollout/table';
import { busEntry, DetailType } from '../events';
import { applyParameters } from './apply-command';

/**
 * An apply or drift check of a manager fleet's config.toml. The template is linted first, in
 * `request-apply.ts` (a failing lint changes nothing); the instance renders it with its secrets,
 * which never pass through a Lambda, a command parameter or an event. A first attempt never
 * restarts, so it runs at any time without the lease; one that needs a restart waits for a window
 * like a drain.
 */

const asConfigApply = (item: Rollout): ConfigApply => {
  if (item.kind !== 'config') throw new Error(`${item.kind} ${item.candidateId} is not a config apply`);
  return item;
};

export const managerOf = (ctx: StepContext, name: string): { manager: Fleet; prefix: string } => {
  const manager = ctx.settings.fleets.find((f) => f.name === name && f.role === 'manager');
  const prefix = ctx.settings.configPrefixes[name];
  if (!manager || !prefix) throw new PermanentError(`"${name}" is not a manager fleet with a runner config`);
  return { manager, prefix };
};

/** Ends an apply as failed: lease released if held, alerted by its stage. */
const configFailure = (
  ctx: StepContext,
  item: ConfigApply,
  stage: string,
  reason: string,
): Promise<StepResult> =>
  settle(ctx, { ...item, reason, result: 'failed' }, 'failed', reason, { alert: { stage, outcome: stage } });

/**
 * Holds an apply while the emergency brake covers its manager: it stays in `applying`, and the
 * reconciler sends it once the brake is gone. A drift check writes no config.toml (only a token
 * the runner itself rotated), so it is never held.
 */
const holdApply = async (ctx: StepContext, item: ConfigApply): Promise<StepResult | undefined> => {
  if (item.mode !== 'apply') return undefined;
  const braked = await brakeOn(ctx, item, item.fleets);
  return braked.kind === 'held' ? holdByBrake(ctx, item, braked) : undefined;
};

/** First attempt: no restart allowed, so it runs at any time without the lease. */
export const sendApply = async (item: ConfigApply, ctx: StepContext): Promise<StepResult> => {
  const { manager, prefix } = managerOf(ctx, item.fleet);
  const held = await holdApply(ctx, item);
  if (held) return held;
  const live = await liveManager(ctx, manager);
  if (!live)
    return settle(
      ctx,
      { ...item, result: 'no-manager' },
      'done',
      'no live manager: the next one renders this config at boot',
    );
  const commandId = await sendOnce(ctx, item, 'applying', {
    documentName: ctx.settings.documents.applyConfig,
    instanceId: live.instanceId,
    parameters: applyParameters(item, manager, prefix, false),
    executionSeconds: COMMAND_MARGIN_SECONDS,
  });
  const verb = item.mode === 'drift' ? 'checking drift on' : 'applying to';
  return commit(
    ctx,
    item,
    enter(
      ctx,
      item,
      'applying',
      `${verb} ${live.instanceId} (config ${item.configHash?.slice(0, 12) ?? '?'})`,
      {
        managerInstanceId: live.instanceId,
        commands: [{ commandId, instanceId: live.instanceId }],
      },
    ),
  );
};

/** The apply's verdict, from the command's last `RESULT` line (in `applying` or after a restart). */
const readApply: StepFn = async (stored, ctx, trigger) => {
  const item = asConfigApply(stored);
  const command = item.commands?.[0];
  if (trigger.kind === 'command' && command?.commandId !== trigger.commandId)
    return unchanged(item, `command ${trigger.commandId} is not awaited`);
  if (!command) {
    if (trigger.kind === 'timeout') {
      // A brake pauses the deadline at each recheck; reached anyway (no reconcile for a while), a
      // held apply still waits for the brake instead of failing.
      const held = item.state === 'applying' ? await holdApply(ctx, item) : undefined;
      return held ?? configFailure(ctx, item, 'overrun', 'the apply was never sent');
    }
    return item.state === 'applying' ? sendApply(item, ctx) : unchanged(item, 'no apply command to read');
  }
  const invocation = await ctx.ports.commands.invocation(command.commandId, command.instanceId);
  const verdict = verdictOf([{ commandId: command.commandId, status: invocation?.status }]);
  if (verdict.kind === 'pending')
    return trigger.kind === 'timeout'
      ? configFailure(
          ctx,
          item,
          'overrun',
          `the ${item.state === 'applying' ? 'apply' : 'restarting apply'} command did not report back in time`,
        )
      : unchanged(item, 'apply still running');
  const stdout = invocation?.stdout ?? '';
  const withExcerpt = { ...item, excerpt: excerptOf(stdout, invocation?.stderr ?? '') };
  const result = applyResultOf(stdout);
  const rotated = rotatedTokensOf(stdout);
  const tokens = rotated.length ? `; rotated token written back for ${rotated.join(', ')}` : '';
  // A newer deploy changed the config since this apply read it: that deploy has its own apply.
  if (result?.outcome === 'fail' && result.detail.startsWith('stale'))
    return settle(
      ctx,
      { ...item, result: 'superseded' },
      'done',
      `superseded by a newer config: ${result.detail}`,
    );
  if (verdict.kind === 'fail' || !result) {
    const reason = result
      ? `${result.outcome}: ${result.detail}`
      : `apply command ended ${invocation?.status ?? 'without a result'}`;
    return configFailure(ctx, withExcerpt, result?.outcome ?? 'failed', reason);
  }
  switch (result.outcome) {
    case 'in-sync':
    case 'applied-live':
    case 'applied-restart':
      return settle(
        ctx,
        { ...item, result: result.outcome },
        'done',
        `${result.outcome}${result.detail ? `: ${result.detail}` : ''}${tokens}`,
      );
    case 'drift': {
      const done = await settle(
        ctx,
        { ...withExcerpt, result: 'drift' },
        'done',
        `drift: ${result.detail}${tokens}`,
      );
      await ctx.ports.bus.put([
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
        return configFailure(ctx, withExcerpt, 'failed', 'a restart apply deferred itself');
      const waiting = enter(
        ctx,
        item,
        'awaiting-maintenance',
        `needs a restart (${result.detail}): waits for the maintenance window${tokens}`,
        {
          commands: [],
        },
      );
      return ctx.dispatch(await persist(ctx, item, waiting), { kind: 'maintenance' });
    }
    default:
      return configFailure(ctx, withExcerpt, result.outcome, `${result.outcome}: ${result.detail}`);
  }
};

export const CONFIG_STEPS = { 'read-apply': readApply } as const;
