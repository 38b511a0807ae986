import { Cron } from 'croner';
import fc from 'fast-check';

import type { Window } from '../../../functions/shared/fleet';
import { isInside, matchesPeriods, nextWindowStart, windowEnd } from '../../../functions/shared/windows';

const nightly: Window[] = [{ periods: ['* 1-4 * * *'], timeZone: 'UTC' }];
const fridayBerlin: Window[] = [{ periods: ['* 12-23 * * 5'], timeZone: 'Europe/Berlin' }];
const at = (iso: string) => new Date(iso);

describe('isInside', () => {
  it.each([
    ['2026-11-30T00:59:59Z', false],
    ['2026-11-30T01:00:00Z', true],
    ['2026-11-30T04:59:30Z', true],
    ['2026-11-30T05:00:00Z', false],
  ])('nightly 01:00-04:59 UTC at %s: %s', (time, expected) => {
    expect(isInside(nightly, at(time))).toBe(expected);
  });

  it('evaluates periods in the window time zone', () => {
    // Friday 2026-12-04 12:30 in Berlin is 11:30 UTC.
    expect(isInside(fridayBerlin, at('2026-12-04T11:30:00Z'))).toBe(true);
    expect(isInside(fridayBerlin, at('2026-12-04T10:30:00Z'))).toBe(false);
  });

  it('has nothing inside an empty list of windows', () => {
    expect(isInside([], at('2026-11-30T02:00:00Z'))).toBe(false);
  });
});

describe('windowEnd', () => {
  it('is the time itself outside the windows', () => {
    expect(windowEnd(nightly, at('2026-11-30T06:10:20Z'))).toEqual(at('2026-11-30T06:10:20Z'));
  });

  it('is the first minute after the window inside it', () => {
    expect(windowEnd(nightly, at('2026-11-30T02:10:20Z'))).toEqual(at('2026-11-30T05:00:00Z'));
  });

  it('is undefined for a window that never ends', () => {
    expect(
      windowEnd([{ periods: ['* * * * *'], timeZone: 'UTC' }], at('2026-11-30T02:00:00Z')),
    ).toBeUndefined();
  });

  it('always lands outside every window, never before the given time (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z'), noInvalidDate: true }),
        (d) => {
          const end = windowEnd(fridayBerlin, d);
          return end !== undefined && end.getTime() >= d.getTime() && !isInside(fridayBerlin, end);
        },
      ),
      { numRuns: 200 },
    );
  });

  /** The definition, minute by minute over a month, with no knowledge kept between calls. */
  const walked = (windows: readonly Window[], d: Date): Date | undefined => {
    const crons = windows.flatMap((w) =>
      w.periods.map((p) => new Cron(p, { timezone: w.timeZone, paused: true })),
    );
    const inside = (minute: number) => crons.some((c) => c.match(new Date(minute)));
    let minute = Math.floor(d.getTime() / 60_000) * 60_000;
    if (!inside(minute)) return d;
    for (let i = 0; i < 31 * 24 * 60; i++) {
      minute += 60_000;
      if (!inside(minute)) return new Date(minute);
    }
    return undefined;
  };

  it('answers as the minute-by-minute walk does, whatever it learnt from earlier calls (property)', () => {
    const sets: Window[][] = [
      nightly,
      fridayBerlin,
      [{ periods: ['* * * * *'], timeZone: 'UTC' }],
      [{ periods: ['* * 1-10 * *', '* 0-5 * * 1'], timeZone: 'America/New_York' }],
    ];
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...sets.keys()),
            fc.date({
              min: at('2026-11-01T00:00:00Z'),
              max: at('2026-12-01T00:00:00Z'),
              noInvalidDate: true,
            }),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (calls) => {
          for (const [set, d] of calls) {
            // A fresh copy each time: what is known belongs to the windows' content, not the array.
            const windows = structuredClone(sets[set] as Window[]);
            expect(windowEnd(windows, d)).toEqual(walked(windows, d));
          }
        },
      ),
      { numRuns: 10 },
    );
  }, 120_000);
});

describe('nextWindowStart', () => {
  it('is the time itself inside a window', () => {
    expect(nextWindowStart(nightly, at('2026-11-30T03:00:00Z'))).toEqual(at('2026-11-30T03:00:00Z'));
  });

  it('is the next opening otherwise', () => {
    expect(nextWindowStart(nightly, at('2026-11-30T09:00:00Z'))).toEqual(at('2026-12-01T01:00:00Z'));
  });

  it('is undefined without windows', () => {
    expect(nextWindowStart([], at('2026-11-30T09:00:00Z'))).toBeUndefined();
  });

  it('always lands inside a window, never before the given time (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z'), noInvalidDate: true }),
        (d) => {
          const start = nextWindowStart(nightly, d);
          return start !== undefined && start.getTime() >= d.getTime() && isInside(nightly, start);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('matchesPeriods', () => {
  it.each<[string, string[], string, string, boolean]>([
    ['a minute inside the period', ['* 1-4 * * *'], 'UTC', '2026-11-30T04:59:30Z', true],
    ['a minute outside the period', ['* 1-4 * * *'], 'UTC', '2026-11-30T05:00:00Z', false],
    ['the period in its time zone', ['* 12-23 * * 5'], 'Europe/Berlin', '2026-12-04T11:30:00Z', true],
    ['an invalid period, which matches nothing', ['not a cron'], 'UTC', '2026-11-30T02:00:00Z', false],
    [
      'a valid period beside an invalid one',
      ['not a cron', '* * * * *'],
      'UTC',
      '2026-11-30T02:00:00Z',
      true,
    ],
    [
      'an invalid time zone, which matches nothing',
      ['* * * * *'],
      'Nowhere/Zone',
      '2026-11-30T02:00:00Z',
      false,
    ],
    ['no periods', [], 'UTC', '2026-11-30T02:00:00Z', false],
  ])('sees %s', (_, periods, timeZone, time, expected) => {
    expect(matchesPeriods(periods, timeZone, at(time))).toBe(expected);
  });

  it('agrees with isInside for a valid window (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...nightly, ...fridayBerlin),
        fc.date({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z'), noInvalidDate: true }),
        (window, d) => matchesPeriods(window.periods, window.timeZone, d) === isInside([window], d),
      ),
      { numRuns: 200 },
    );
  });
});
