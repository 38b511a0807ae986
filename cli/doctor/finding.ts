/**
 * What `doctor` says about one thing it checked. Every check is read-only; a warn or fail names
 * the exact fix (a CLI command or the Terraform attribute), so the operator never has to guess.
 */

export type Status = 'pass' | 'warn' | 'fail';

/** The areas in the order the report lists them. */
export const AREAS = ['groups', 'roles', 'account', 'config', 'images', 'tonight', 'gitlab'] as const;
export type Area = (typeof AREAS)[number];

export interface Finding {
  readonly area: Area;
  /** What was checked: a fleet, group, template, role, parameter, pipeline, hook. */
  readonly subject: string;
  readonly status: Status;
  /** What was found, in one sentence. */
  readonly says: string;
  /** The exact fix; every warn and fail has one. */
  readonly fix?: string;
}

export const pass = (area: Area, subject: string, says: string): Finding => ({
  area,
  subject,
  status: 'pass',
  says,
});

export const warn = (area: Area, subject: string, says: string, fix: string): Finding => ({
  area,
  subject,
  status: 'warn',
  says,
  fix,
});

export const fail = (area: Area, subject: string, says: string, fix: string): Finding => ({
  area,
  subject,
  status: 'fail',
  says,
  fix,
});
