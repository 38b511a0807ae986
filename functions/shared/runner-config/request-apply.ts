import type { Fleet } from '../fleet';
import { resultOf, unchanged, withDeadline } from '../rollout/common';
import type { StepContext, StepResult } from '../rollout/context';
import { candidateIdFor, transition } from '../rollout/decide';
import { guardRefusal } from '../rollout/engine';
import type { ConfigApply } from '../rollout/model';
import { busEntry, DetailType } from '../events';
import { managerOf, sendApply } from './apply-steps';
import { lintRunnerConfig } from './lint';
import type { Values } from './render';
import { renderTemplate } from './template';

/**
 * A new apply or drift check, as the apply-config function starts one: apart from the steps
 * (`apply-steps.ts`) because only it lints, so the engine's other functions bundle no linter.
 */
export const requestConfigApply = async (
  detail: { fleet: string; mode: 'apply' | 'drift'; reason: string; idempotencyKey: string },
  ctx: StepContext,
): Promise<StepResult> => {
  const { now, ports } = ctx;
  const { manager, prefix } = managerOf(ctx, detail.fleet);
  const applyId = candidateIdFor(`config:${manager.name}`, detail.idempotencyKey);
  const existing = await ports.ledger.get(manager.name, applyId);
  if (existing) return unchanged(existing, 'apply already requested');

  const [template, valuesText, manifestText] = await Promise.all([
    ports.commands.parameter(`${prefix}/template`),
    ports.commands.parameter(`${prefix}/values`),
    ports.commands.parameter(`${prefix}/manifest`),
  ]);
  const base: ConfigApply = {
    kind: 'config',
    mode: detail.mode,
    trigger: detail.reason,
    fleet: manager.name,
    fleets: [manager.name],
    candidateId: applyId,
    role: 'manager',
    pipeline: manager.pipeline,
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
    ctx.settings.fleets.filter((f) => f.manager === manager.name),
  );
  if (problems.errors.length > 0) {
    // Created final: nothing was sent, nothing is held.
    const reason = `lint: ${problems.errors.join('; ')}`;
    const failed = transition(base, 'failed', reason, now, { reason, result: 'lint' });
    if ((await ports.ledger.create(failed)) === 'exists') return unchanged(failed, 'apply already requested');
    await ports.bus.put([
      busEntry(
        DetailType.ConfigApplyFailed,
        { fleet: manager.name, applyId, stage: 'lint', reason },
        ctx.settings.eventBusName,
      ),
    ]);
    return resultOf('new', failed);
  }
  const item = withDeadline(
    ctx,
    transition(base, 'applying', `${detail.mode} requested: ${detail.reason}`, now, {
      configHash: problems.hash,
    }),
  );
  if ((await ports.ledger.create(item)) === 'exists') return unchanged(item, 'apply already requested');
  return guardRefusal(ctx, item.fleet, item.candidateId, () => sendApply(item, ctx));
};

/** The published template rendered with placeholder secrets and linted, as the stack published it. */
const lintPublished = (
  template: string | undefined,
  valuesText: string | undefined,
  manifestText: string | undefined,
  jobFleets: readonly Fleet[],
): { errors: string[]; hash?: string } => {
  if (template === undefined || valuesText === undefined || manifestText === undefined)
    return { errors: ['the config template, values or manifest parameter is missing: deploy the stack'] };
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
