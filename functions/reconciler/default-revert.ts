import { emitFailure, resultOf } from '../shared/rollout/common';
import type { StepContext, StepResult } from '../shared/rollout/context';
import { fleetsOnTemplate, latestPromoted, transition } from '../shared/rollout/decide';

/**
 * Fleets are often managed by Terraform: an apply can put the template's default back, outside
 * runner-autopilot. For each template whose latest promoted rollout is done, a default other than
 * the promoted version is alerted once (and recorded), never fought. A candidate rejected since
 * never became the default: it changes nothing here.
 */
export const checkDefaults = async (ctx: StepContext): Promise<StepResult[]> => {
  const results: StepResult[] = [];
  const templates = [...new Set(ctx.settings.fleets.map((f) => f.launchTemplate))].sort();
  for (const template of templates) {
    // Under every fleet of the template: a deploy may have changed the lead since a rollout.
    const fleets = fleetsOnTemplate(ctx.settings.fleets, template);
    const rollouts = (await Promise.all(fleets.map((f) => ctx.ports.ledger.listFleet(f.name)))).flat();
    const latest = latestPromoted(rollouts);
    if (!latest || latest.state !== 'done' || latest.candidateVersion === undefined) continue;
    const current = await ctx.ports.fleet.getLaunchTemplate({ launchTemplateName: template });
    if (
      !current ||
      current.defaultVersion === latest.candidateVersion ||
      current.defaultVersion === latest.revertNoticed
    )
      continue;
    const reason = `the default of ${template} is version ${current.defaultVersion}, not the promoted ${latest.candidateVersion}: an infrastructure-as-code apply probably put it back (see README, "Terraform"); runner-autopilot leaves it as it is`;
    // Recorded on the finished item (it stays done): the alert is sent once per reverted version.
    const next = transition(latest, 'done', reason, ctx.now, { revertNoticed: current.defaultVersion });
    await ctx.ports.ledger.save(next, latest.revision);
    results.push(resultOf(latest, next));
    await emitFailure(ctx, next, 'done', 'default-reverted', reason);
  }
  return results;
};
