import * as valibot from 'valibot';
import type { BaseIssue, Config, GenericSchema } from 'valibot';

import { unknownKeysMessage, unknownKeysOf } from './known-keys';

/**
 * The schema library of every function and of the config loader: valibot, whose schemas are plain
 * objects built by small functions (a cold start pays for the schemas a function builds, not for a
 * class hierarchy). Import it as `import * as v from '<path>/shared/valibot'`, never from 'valibot':
 * the messages must be set before any schema parses, and the objects below replace valibot's.
 *
 * valibot's own messages quote the value they refused ("Expected ... but received \"...\""), and
 * a value can be a secret (a token pasted in the wrong field): ours name what was expected and the
 * value's type only. A schema's or check's own message still wins.
 */
export const issueMessage = (issue: BaseIssue<unknown>): string => {
  const last = issue.path?.at(-1);
  if (last?.origin === 'key' && issue.input === undefined) return 'required';
  if (issue.kind === 'schema')
    return `Invalid type: expected ${issue.expected}, received ${typeOf(issue.input)}`;
  const rule = issue.type.replaceAll('_', ' ');
  return issue.expected === null ? `Invalid ${rule}` : `Invalid ${rule}: expected ${issue.expected}`;
};

const typeOf = (input: unknown): string => {
  if (input === null) return 'null';
  return Array.isArray(input) ? 'array' : typeof input;
};

valibot.setGlobalMessage(issueMessage);

export * from 'valibot';

type Run = (dataset: { value: unknown }, config: Config<BaseIssue<unknown>>) => unknown;

/**
 * valibot takes an array for an object or a record (`schedule: []` would parse as the defaults);
 * ours refuse it as a type issue, as for any other non-object.
 */
const refusingArrays = <S extends GenericSchema>(schema: S): S => {
  const self = schema as unknown as { '~run': Run };
  const run = self['~run'];
  self['~run'] = function (dataset, config) {
    if (!Array.isArray(dataset.value)) return run.call(this, dataset, config);
    valibot._addIssue(schema as never, 'type', dataset, config);
    return dataset;
  };
  return schema;
};

export const object = ((...args: Parameters<typeof valibot.object>) =>
  refusingArrays(valibot.object(...args))) as typeof valibot.object;
/**
 * A strict object names every unknown key of the object with the known key nearest to it ("did you
 * mean"), where valibot stops at the first and only says it is unknown. The issue stays at the
 * first unknown key's path; its other issues keep the schema's own message.
 */
export const strictObject = ((
  entries: valibot.ObjectEntries,
  message?: valibot.ErrorMessage<valibot.StrictObjectIssue>,
) => {
  const known = Object.keys(entries);
  return refusingArrays(
    valibot.strictObject(entries, (issue) => {
      if (issue.expected === 'never')
        return unknownKeysMessage(unknownKeysOf(issue.path?.at(-1)?.input, known), known);
      if (typeof message === 'function') return message(issue);
      return message ?? issueMessage(issue);
    }),
  );
}) as typeof valibot.strictObject;
export const looseObject = ((...args: Parameters<typeof valibot.looseObject>) =>
  refusingArrays(valibot.looseObject(...args))) as typeof valibot.looseObject;
export const record = ((...args: Parameters<typeof valibot.record>) =>
  refusingArrays(valibot.record(...args))) as typeof valibot.record;

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** A date that exists: February 30 does not. */
const isCalendarDate = (year: number, month: number, day: number): boolean => {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

/**
 * An ISO 8601 date-time as EventBridge and Scheduler write them: `T`, seconds optional, `Z`, or
 * with `offset` also `+hh:mm`. valibot's `isoTimestamp` also takes a space, `+hh` and February 30,
 * which `Date.parse` then reads as NaN or as March.
 */
export const dateTime = ({ offset = false }: { readonly offset?: boolean } = {}) =>
  valibot.pipe(
    valibot.string(),
    valibot.check(
      (text) => {
        const match = DATE_TIME.exec(text);
        if (!match || (!offset && match[4] !== 'Z')) return false;
        return isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
      },
      `must be an ISO 8601 date-time such as 2026-01-31T02:00:00Z${offset ? ' or 2026-01-31T03:00:00+01:00' : ''}`,
    ),
  );
