import { Cron } from 'croner';

import * as v from './valibot';

/**
 * The cron field of the schemas that hold one (fleet windows, bake schedules, drift checks), apart
 * from the other primitives so a function that parses no cron (the webhook) bundles no croner.
 */

const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;
const CRON_FORMAT = 'minute hour day-of-month month day-of-week, such as "0 2 * * *"';

/**
 * Which field of a 5-field cron holds a number out of its range, if one does. Step sizes (`/15`)
 * are not values; names (`MON`, `JAN`) are left to croner.
 */
const cronRangeError = (fields: readonly string[]): string | undefined => {
  for (const [i, field] of fields.entries()) {
    const { name, min, max } = CRON_FIELDS[i]!;
    const values = field.split(',').flatMap((part) => (part.split('/')[0] ?? '').match(/\d+/g) ?? []);
    const bad = values.map(Number).find((v) => v < min || v > max);
    if (bad !== undefined) return `its ${name} (field ${i + 1}) is ${bad}, out of range ${min}-${max}`;
  }
  return undefined;
};

const cronerError = (expr: string): string | undefined => {
  try {
    new Cron(expr, { paused: true });
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    return `${reason} (the fields are ${CRON_FORMAT})`;
  }
};

/** Five-field cron (minute hour day-of-month month day-of-week), as the runner's own `periods`. */
export const cronExpression = v.pipe(
  v.string(),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const expr = dataset.value;
    const fields = expr.trim().split(/\s+/);
    const problem =
      fields.length === 5
        ? (cronRangeError(fields) ?? cronerError(expr))
        : `it has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5 (${CRON_FORMAT})`;
    if (problem) addIssue({ message: `"${expr}" is not a valid 5-field cron: ${problem}` });
  }),
);
