import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { FAULTS, isFault } from '../../rehearsal/faults';
import { CliError, defineCommand, UsageError } from '../command';
import { CONFIG_ENV, CONFIG_OPTION, configPath } from '../target';

/** The example config: beside cli/ in the repository, beside dist/ in the installed package. */
const EXAMPLE = [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')]
  .map((root) => join(root, 'config', 'example.yaml'))
  .find((path) => existsSync(path));

const share = (value: string | undefined, option: string): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`--${option} ${value} is not a share between 0 and 1, such as 0.2`);
  return n;
};

export const rehearse = defineCommand({
  name: 'rehearse',
  summary: "plays a night of the config's fleet on an embedded AWS: timeline, summary and an HTML report",
  args: '',
  options: {
    config: {
      ...CONFIG_OPTION.config,
      help: `the config file (or set ${CONFIG_ENV}; default: config/example.yaml)`,
    },
    night: {
      type: 'string',
      value: 'date',
      help: 'the night of this date, 18:00 to 08:00 UTC (default: tonight)',
    },
    from: { type: 'string', value: 'time', help: 'start at this UTC time instead, such as 2026-12-11T20:00' },
    until: { type: 'string', value: 'time', help: 'end at this UTC time (default: 14 hours after --from)' },
    push: {
      type: 'string',
      multiple: true,
      value: 'when',
      help: 'a GitLab push at this time, such as "Fri 14:00" (UTC) or 2026-12-11T14:00; repeatable',
    },
    fail: {
      type: 'string',
      multiple: true,
      value: 'what',
      help: `a scripted fault: ${FAULTS.join(', ')}; repeatable`,
    },
    alarm: {
      type: 'string',
      multiple: true,
      value: 'name',
      help: 'this CloudWatch alarm fires 10 minutes into each bake period; repeatable',
    },
    'drop-events': {
      type: 'string',
      value: 'share',
      help: 'EventBridge loses this share of events, such as 0.2',
    },
    'duplicate-events': { type: 'boolean', help: 'every event and schedule is delivered twice' },
    throttle: { type: 'string', value: 'share', help: 'this share of AWS calls is throttled, such as 0.2' },
    jobs: {
      type: 'string',
      value: 'file.csv',
      help: 'the jobs to run: a header start,duration[,fleet], then one job a line (default: a day-and-night curve)',
    },
    report: {
      type: 'string',
      value: 'file',
      help: 'where the HTML report goes (default: rehearsal-report.html here)',
    },
    seed: { type: 'string', value: 'n', help: 'the seed of the random faults (default: 7)' },
  },
  details: [
    'The real functions run, routed by the rules of the stack synthesized from the config, on a',
    'virtual clock against the embedded AWS: no account, no network. Exit code 3 when a safety',
    'figure is broken (a job killed, two managers at once).',
  ],
  run: async ({ values }, io) => {
    const given = values.config ?? io.env[CONFIG_ENV];
    if (given === undefined && EXAMPLE === undefined)
      throw new CliError('no config given and no config/example.yaml in the package: pass --config <file>');
    const file = given === undefined ? (EXAMPLE as string) : configPath(given, io, 'rehearse');
    const fail = values.fail ?? [];
    const unknown = fail.filter((f) => !isFault(f));
    if (unknown.length > 0)
      throw new UsageError(`--fail ${unknown.join(', ')}: the faults are ${FAULTS.join(', ')}`);
    const { nightWindow, NightWindowError } = await import('../../rehearsal/night-window');
    let window;
    try {
      window = nightWindow(
        { night: values.night, from: values.from, until: values.until, push: values.push },
        new Date(),
      );
    } catch (error) {
      if (error instanceof NightWindowError) throw new UsageError(error.message);
      throw error;
    }
    const dropEvents = share(values['drop-events'], 'drop-events');
    const throttle = share(values.throttle, 'throttle');
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !Number.isInteger(seed))
      throw new UsageError(`--seed ${values.seed} is not an integer`);
    const { readJobsCsv } = await import('../../rehearsal/workload');
    let jobs;
    try {
      jobs = values.jobs === undefined ? undefined : readJobsCsv(resolve(io.cwd, values.jobs));
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    io.err(`rehearsing ${file} from ${window.from.toISOString()} to ${window.until.toISOString()} (UTC)...`);
    // Loaded here: it quiets the functions' logs and metrics as it loads, before their modules.
    const { rehearse: play } = await import('../../rehearsal/night');
    const { summaryLines, timelineLines } = await import('../../rehearsal/terminal');
    let shown = 0;
    const result = await play({
      configPath: file,
      from: window.from,
      until: window.until,
      pushes: window.pushes,
      fail: fail.filter(isFault),
      alarms: values.alarm ?? [],
      ...(dropEvents === undefined ? {} : { dropEvents }),
      duplicateEvents: values['duplicate-events'] ?? false,
      ...(throttle === undefined ? {} : { throttle }),
      ...(seed === undefined ? {} : { seed }),
      ...(jobs === undefined ? {} : { jobs }),
      onProgress: (done, at) => {
        const tenth = Math.floor(done * 10);
        if (tenth <= shown) return;
        shown = tenth;
        io.err(`  ${String(tenth * 10).padStart(3)}%  ${at.toISOString().slice(0, 16)}`);
      },
    });
    io.out('Timeline (UTC):');
    for (const line of timelineLines(result)) io.out(line);
    io.out('');
    for (const line of summaryLines(result)) io.out(line);
    const { reportHtml } = await import('../../rehearsal/report-html');
    const report = resolve(io.cwd, values.report ?? 'rehearsal-report.html');
    writeFileSync(report, reportHtml(result));
    io.out('');
    io.out(`Report (opens offline in any browser): ${report}`);
    return result.ok ? 0 : 3;
  },
});
