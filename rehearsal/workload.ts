import { readFileSync } from 'node:fs';

import type { SuiteConfig } from '../functions/shared/config';
import { MINUTE, seeded } from './fake-aws';

/** The jobs a rehearsal's GitLab hands to the runners: when each arrives, how long it runs, where. */

export interface JobSpec {
  /** When GitLab queues it. */
  readonly start: Date;
  /** How long it runs once a job instance takes it. */
  readonly minutes: number;
  /** The jobs fleet whose runner takes it; left out, the rehearsal spreads jobs over the fleets. */
  readonly fleet?: string;
  /** Where it was written (`jobs.csv line 4`), for errors found later. */
  readonly origin?: string;
}

/** A start with a date, a time and a zone (`Z` or an offset): a time without one is ambiguous. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const COLUMNS = ['start', 'duration', 'fleet'] as const;
type Column = (typeof COLUMNS)[number];

/**
 * Jobs from CSV text: a header naming the columns `start` (an ISO time with its zone) and
 * `duration` (minutes), optionally `fleet` (a jobs fleet of the config), then one job a line.
 * Blank lines and lines starting with `#` are skipped. Throws naming the file and line.
 */
export const parseJobsCsv = (text: string, source = 'jobs'): JobSpec[] => {
  const lines = text.split(/\r?\n/).map((line, i) => ({ number: i + 1, cells: line.split(',') }));
  const content = lines.filter(({ cells }) => cells.join(',').trim() && !cells[0]!.trim().startsWith('#'));
  const header = content[0];
  if (!header) throw new Error(`${source} has no header: write "start,duration" (and ",fleet") first`);
  const names = header.cells.map((c) => c.trim().toLowerCase());
  const at = (line: number) => `${source} line ${line}`;
  for (const name of names)
    if (!(COLUMNS as readonly string[]).includes(name))
      throw new Error(
        `${at(header.number)}: unknown column "${name}": the first line is the header, naming start, duration and (optionally) fleet`,
      );
  for (const required of ['start', 'duration'] as const)
    if (!names.includes(required))
      throw new Error(
        `${at(header.number)}: no "${required}" column: the header must name start and duration`,
      );
  const column = (name: Column) => names.indexOf(name);
  return content.slice(1).map(({ number, cells }) => {
    if (cells.length !== names.length)
      throw new Error(`${at(number)}: ${cells.length} fields, but the header names ${names.length}`);
    const cell = (name: Column) => cells[column(name)]?.trim() ?? '';
    const start = cell('start');
    if (!ISO_TIME.test(start) || Number.isNaN(Date.parse(start)))
      throw new Error(
        `${at(number)}: start "${start}" is not an ISO time with a zone: write it as 2026-12-08T21:30:00Z`,
      );
    const duration = cell('duration');
    const minutes = Number(duration);
    if (!duration || !Number.isFinite(minutes) || minutes <= 0)
      throw new Error(`${at(number)}: duration "${duration}" is not a positive number of minutes`);
    const fleet = column('fleet') >= 0 ? cell('fleet') : '';
    return { start: new Date(start), minutes, ...(fleet ? { fleet } : {}), origin: at(number) };
  });
};

/** Jobs from a CSV file (see {@link parseJobsCsv}). */
export const readJobsCsv = (path: string): JobSpec[] => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // fs errors are not `instanceof Error` across realms (jest's): read the message as a field.
    const reason = (error as { message?: unknown }).message;
    throw new Error(
      `cannot read the jobs file ${path}: ${typeof reason === 'string' ? reason : String(error)}`,
      {
        cause: error,
      },
    );
  }
  return parseJobsCsv(text, path);
};

/**
 * Jobs an hour per jobs fleet, by UTC hour: a busy working day, a busy evening before the night
 * (the last pipelines of the day), a few jobs an hour at night, and the morning picking up.
 */
export const jobsPerHour = (hour: number): number => {
  if (hour >= 8 && hour < 17) return 12;
  if (hour >= 17 && hour < 21) return 8;
  if (hour >= 6 && hour < 8) return 6;
  return 2;
};

/** Shortest and longest default job, in minutes. */
const SHORTEST = 5;
const LONGEST = 40;

/**
 * The default workload: per jobs fleet, jobs arriving at random (exponential gaps) at the rate of
 * {@link jobsPerHour}, each running 5-40 minutes (never longer than its manager's
 * `maxJobMinutes`), the same for the same seed.
 */
export const defaultJobs = (config: SuiteConfig, from: Date, until: Date, seed: number): JobSpec[] => {
  const rng = seeded(seed);
  const jobs: JobSpec[] = [];
  for (const fleet of config.fleets.filter((f) => f.role === 'jobs')) {
    const maxMinutes = config.fleets.find((f) => f.name === fleet.manager)?.maxJobMinutes ?? LONGEST;
    let at = from.getTime();
    for (;;) {
      const rate = jobsPerHour(new Date(at).getUTCHours());
      at += Math.ceil((-Math.log(1 - rng()) * 60 * MINUTE) / rate);
      if (at >= until.getTime()) break;
      const minutes = Math.min(maxMinutes, SHORTEST + Math.floor(rng() * (LONGEST - SHORTEST + 1)));
      jobs.push({ start: new Date(at), minutes, fleet: fleet.name });
    }
  }
  return jobs.sort((a, b) => a.start.getTime() - b.start.getTime());
};
