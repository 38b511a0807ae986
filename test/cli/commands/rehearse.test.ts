import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { nightWindow } from '../../../rehearsal/night-window';
import { runCli } from '../run-cli';

/** What the command refuses before it rehearses anything (a rehearsal itself: test/rehearsal/). */
describe('runner-autopilot rehearse', () => {
  it.each([
    [['--fail', 'disk'], '--fail disk: the faults are bake, canary, smoke, health'],
    [
      ['--night', '2026-12-11', '--from', '2026-12-11T20:00'],
      'give --night, or --from and --until, not both',
    ],
    [['--night', '11/12/2026'], '--night "11/12/2026" is not a date such as 2026-12-11'],
    [
      ['--from', '2026-12-11T20:00', '--until', '2026-12-11T19:00'],
      '--until 2026-12-11T19:00:00.000Z is not after --from 2026-12-11T20:00:00.000Z',
    ],
    [['--push', 'Fry 14:00'], '--push "Fry 14:00" is not a time such as "Fri 14:00" or 2026-12-11T14:00'],
    [['--throttle', '2'], '--throttle 2 is not a share between 0 and 1, such as 0.2'],
    [['--drop-events', 'x'], '--drop-events x is not a share between 0 and 1, such as 0.2'],
    [['--seed', '1.5'], '--seed 1.5 is not an integer'],
  ])('refuses %j as a usage error: %s', async (args, message) => {
    const { code, err } = await runCli(['rehearse', ...args]);

    expect(code).toBe(2);
    expect(err[0]).toBe(`runner-autopilot rehearse: ${message}`);
  });

  it('names the line of a bad jobs file and exits 1', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jobs-')), 'jobs.csv');
    writeFileSync(file, 'start,duration\n2026-12-08T21:30:00Z,20\n2026-12-08T22:00:00,5\n');

    const { code, err } = await runCli(['rehearse', '--jobs', file]);

    expect(code).toBe(1);
    expect(err.join('\n')).toContain(
      `${file} line 3: start "2026-12-08T22:00:00" is not an ISO time with a zone: write it as 2026-12-08T21:30:00Z`,
    );
  });

  it('is listed in the help', async () => {
    const { code, out } = await runCli(['--help']);

    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/rehearse +plays a night of the config's fleet on an embedded AWS/);
  });
});

describe('the night a rehearsal plays', () => {
  const NOW = new Date('2026-12-04T11:00:00Z');

  it('is tonight by default, 18:00 to 08:00 UTC', () => {
    const w = nightWindow({}, NOW);

    expect([w.from.toISOString(), w.until.toISOString()]).toEqual([
      '2026-12-04T18:00:00.000Z',
      '2026-12-05T08:00:00.000Z',
    ]);
  });

  it('starts at a push made before the night, so the push is rehearsed with it', () => {
    const w = nightWindow({ night: '2026-12-11', push: ['Fri 14:00'] }, NOW);

    expect(w.pushes.map((p) => p.toISOString())).toEqual(['2026-12-11T14:00:00.000Z']);
    expect(w.from.toISOString()).toBe('2026-12-11T13:59:00.000Z');
    expect(w.until.toISOString()).toBe('2026-12-12T08:00:00.000Z');
  });

  it('takes the last such weekday and time at or before the end, or an ISO time as given', () => {
    const w = nightWindow({ night: '2026-12-08', push: ['Tue 20:00', '2026-12-09T01:30'] }, NOW);

    expect(w.pushes.map((p) => p.toISOString())).toEqual([
      '2026-12-08T20:00:00.000Z',
      '2026-12-09T01:30:00.000Z',
    ]);
    expect(w.from.toISOString()).toBe('2026-12-08T18:00:00.000Z');
  });

  it('plays at most 7 days', () => {
    expect(() => nightWindow({ from: '2026-12-01T00:00', until: '2026-12-09T00:00' }, NOW)).toThrow(
      'a rehearsal plays at most 7 days: shorten --from/--until',
    );
  });
});
