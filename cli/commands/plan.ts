import { defineCommand, UsageError } from '../command';
import { CONFIG_ENV, CONFIG_OPTION, configPath } from '../target';

const MAX_DAYS = 31;

const daysOf = (value: string | undefined): number => {
  if (value === undefined) return 7;
  const days = Number(value);
  if (!/^\d+$/.test(value) || days < 1 || days > MAX_DAYS)
    throw new UsageError(`--days ${value} is not a whole number of days from 1 to ${MAX_DAYS}`);
  return days;
};

export const plan = defineCommand({
  name: 'plan',
  summary: 'says what a config will do over the next days, offline: bakes, promotions, drains, windows',
  args: '[file]',
  options: {
    config: {
      ...CONFIG_OPTION.config,
      help: `the config file (or give it as the argument, or set ${CONFIG_ENV})`,
    },
    from: {
      type: 'string',
      value: 'time',
      help: 'start at this time, such as 2026-12-11T18:00 (UTC unless it names a zone; default: now)',
    },
    days: { type: 'string', value: 'n', help: `how many days, 1 to ${MAX_DAYS} (default: 7)` },
    json: { type: 'boolean', help: 'print the plan as JSON (its shape: cli/plan/render.ts, planJson)' },
  },
  details: [
    'Reads the config and nothing else (no credentials): each scheduled bake, the launch templates and',
    'fleets that take its candidate and how, when it is promoted or which freeze holds it, when a',
    "manager drain or restart may start, and drift checks, in each fleet's own time zone. Times after a",
    'bake starts are estimates. Warnings name windows that hold a rollout back for good, and what to',
    'change; the exit code stays 0 with warnings (2: called wrongly, 1: the config is invalid).',
  ],
  run: async ({ values, positionals }, io) => {
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    const days = daysOf(values.days);
    const { parseTime, NightWindowError } = await import('../../rehearsal/night-window');
    let from = new Date();
    try {
      if (values.from !== undefined) from = parseTime(values.from, '--from');
    } catch (error) {
      if (error instanceof NightWindowError) throw new UsageError(error.message);
      throw error;
    }
    const file = configPath(positionals[0] ?? values.config, io, 'plan');
    const [{ loadConfig }, { planConfig }, { planJson, planText }] = await Promise.all([
      import('../../infra/load-config'),
      import('../plan/plan'),
      import('../plan/render'),
    ]);
    const planned = planConfig(loadConfig(file), from, days);
    io.out(values.json ? JSON.stringify(planJson(planned), null, 2) : planText(planned));
    return 0;
  },
});
