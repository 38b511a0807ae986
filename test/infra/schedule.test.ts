import { toSchedulerCron } from '../../infra/schedule';

describe('toSchedulerCron', () => {
  it.each([
    ['0 2 * * *', 'cron(0 2 * * ? *)'],
    ['30 2 * * 0', 'cron(30 2 ? * SUN *)'],
    ['0 6 * * 1-5', 'cron(0 6 ? * MON-FRI *)'],
    ['0 6 * * 7', 'cron(0 6 ? * SUN *)'],
    ['0 6 * * mon,wed,fri', 'cron(0 6 ? * MON,WED,FRI *)'],
    ['*/15 * * * *', 'cron(0/15 * * * ? *)'],
    ['0 3 1 * *', 'cron(0 3 1 * ? *)'],
    ['0 3 */2 * *', 'cron(0 3 1/2 * ? *)'],
  ])('converts "%s" to %s', (input, expected) => {
    expect(toSchedulerCron(input)).toBe(expected);
  });

  it.each([
    ['0 3 1 * 1', 'both day-of-month and day-of-week'],
    ['0 3 * * 5-0', 'wraps past Sunday'],
    ['0 3 * * */2', 'step'],
    ['0 3 * * 8', 'out of range'],
    ['0 3 * *', '5-field'],
  ])('throws on "%s" (%s)', (input, message) => {
    expect(() => toSchedulerCron(input)).toThrow(message);
  });
});
