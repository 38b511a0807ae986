/**
 * Converts the 5-field cron of our config (as the runner's own `periods` use it) into an
 * EventBridge Scheduler `cron(...)` expression, which has 6 fields, needs `?` in day-of-month or
 * day-of-week, and counts days of the week 1-7 from Sunday.
 */
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const stepFrom = (field: string, first: string): string => field.replace(/^\*\//, `${first}/`);

const dayOfWeek = (field: string): string =>
  field
    .toUpperCase()
    .split(',')
    .map((part) => {
      if (part.includes('/'))
        throw new Error(`day-of-week step "${part}" is not supported: list the days instead`);
      const days = part.split('-').map((d) => {
        if (/^\d$/.test(d)) {
          const n = Number(d);
          if (n > 7) throw new Error(`day-of-week ${d} is out of range 0-7`);
          return DAY_NAMES[n % 7] as string;
        }
        if (!DAY_NAMES.includes(d)) throw new Error(`unknown day-of-week "${d}"`);
        return d;
      });
      if (days.length === 2 && DAY_NAMES.indexOf(days[0] as string) > DAY_NAMES.indexOf(days[1] as string)) {
        throw new Error(`day-of-week range "${part}" wraps past Sunday: split it, e.g. "FRI-SAT,SUN"`);
      }
      return days.join('-');
    })
    .join(',');

export const toSchedulerCron = (expression: string): string => {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`"${expression}" is not a 5-field cron expression`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (dom !== '*' && dow !== '*') {
    throw new Error(
      `"${expression}" sets both day-of-month and day-of-week, which EventBridge cannot express`,
    );
  }
  const day = dom === '*' && dow !== '*' ? '?' : stepFrom(dom, '1');
  const weekDay = dow === '*' ? '?' : dayOfWeek(dow);
  return `cron(${stepFrom(minute, '0')} ${stepFrom(hour, '0')} ${day} ${stepFrom(month, '1')} ${weekDay} *)`;
};

/** When the housekeeper runs unless told otherwise: after the nightly bakes have started. */
export const HOUSEKEEPING_SCHEDULE = { cron: '30 3 * * *', timeZone: 'UTC' } as const;

/** How often the reconciler advances rollouts whose event never came. */
export const RECONCILER_EVERY_MINUTES = 5;
