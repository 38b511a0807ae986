import type { SuiteConfig } from '../functions/shared/config';
import type { Window } from '../functions/shared/fleet';
import { at, nextRun, windowText, zoneOf } from './local-time';

/**
 * What `check` prints: what the config was understood to mean, in the words an operator checks it
 * against (which pipeline feeds which fleet, when bakes run in each fleet's own time, its windows).
 */

const windows = (label: string, list: readonly Window[], zone: string, now: Date): string[] =>
  list.length === 0
    ? [`    ${label}: none`]
    : list.map((w) => {
        const next = w.periods
          .flatMap((p) => nextRun(p, w.timeZone, now) ?? [])
          .sort((a, b) => a.getTime() - b.getTime())[0];
        return `    ${label}: ${windowText(w)}${next ? `, next from ${at(next, zone)}` : ''}`;
      });

export const describeConfig = (config: SuiteConfig, configPath: string, now: Date = new Date()): string => {
  const pipelines = new Map(config.pipelines.map((p) => [p.name, p]));
  const lines = [
    `${configPath}: deployment ${config.deployment} in ${config.region}${config.account ? `, account ${config.account}` : ''}, GitLab ${config.gitlab.url} (runner ${config.gitlab.runnerVersion})`,
    'pipelines:',
    ...config.pipelines.map((p) => {
      const { cron, timeZone, enabled } = p.schedule;
      const fed = config.fleets.filter((f) => f.pipeline === p.name).map((f) => f.name);
      return `  ${p.name} (${p.kind} image): ${enabled ? `bakes at "${cron}" ${timeZone}` : 'no scheduled bake'}; feeds ${fed.length ? fed.join(', ') : 'no fleet'}`;
    }),
    ...(config.gitlab.webhook
      ? [
          'webhook:',
          ...config.gitlab.webhook.rules.map(
            (r) =>
              `  ${r.name}: pushes to ${r.project} (${[...r.branches.map((b) => `branch ${b}`), ...r.tags.map((t) => `tag ${t}`)].join(', ') || 'any branch'}${r.paths.length ? `, paths ${r.paths.join(', ')}` : ''}) bake ${r.pipelines.join(', ')}`,
          ),
        ]
      : ['webhook: none (bakes only on schedule or by hand)']),
    'fleets:',
  ];
  for (const f of config.fleets) {
    const zone = zoneOf(f);
    const schedule = pipelines.get(f.pipeline)?.schedule;
    const bake = schedule?.enabled ? nextRun(schedule.cron, schedule.timeZone, now) : undefined;
    lines.push(
      `  ${f.name} (${f.role}; group ${f.autoScalingGroup}, template ${f.launchTemplate}${f.manager ? `, scaled by ${f.manager}` : ''}), local time ${zone}`,
      `    fed by pipeline ${f.pipeline}${bake ? `, next bake ${at(bake, zone)}` : ''}; rollout ${f.role === 'jobs' ? f.rollout : 'replaced in a maintenance window'}, rollback within ${f.bakePeriodMinutes} min on ${f.rollbackAlarms.length ? f.rollbackAlarms.join(', ') : 'no named alarm'}`,
      ...windows('freeze', f.freezeWindows, zone, now),
      ...(f.role === 'manager' ? windows('maintenance', f.maintenanceWindows, zone, now) : []),
    );
  }
  lines.push(
    `alerts: ${config.alerts.emails.length} email(s), chat ${config.alerts.chat.map((c) => `${c.kind} ${c.name}`).join(', ') || 'none'}`,
    `housekeeping: keeps ${config.housekeeping.keepVersions} template versions, AMIs unused for ${config.housekeeping.amiRetentionDays} days ${config.housekeeping.dryRun ? 'reported only (dryRun)' : 'deregistered'}`,
  );
  return lines.join('\n');
};
