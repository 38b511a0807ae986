import {
  type BrakeDeps,
  type BrakeLedger,
  freezeCommand,
  parseUntil,
  unfreezeCommand,
} from '../../../cli/commands/freeze';
import type { Brake } from '../../../functions/shared/rollout/model';

const NOW = new Date('2026-12-04T10:00:00.000Z');
const FLEETS = ['manager', 'jobs-docker'];

/** An in-memory brake store with the ledger's semantics (a put replaces, a delete returns the old one). */
const memoryLedger = (seed: Brake[] = []): BrakeLedger & { readonly brakes: Map<string, Brake> } => {
  const brakes = new Map(seed.map((b) => [b.scope, b]));
  return {
    brakes,
    putBrake: (brake) => {
      brakes.set(brake.scope, brake);
      return Promise.resolve();
    },
    getBrake: (scope) => Promise.resolve(brakes.get(scope)),
    deleteBrake: (scope) => {
      const old = brakes.get(scope);
      brakes.delete(scope);
      return Promise.resolve(old);
    },
  };
};

const setup = (seed: Brake[] = []) => {
  const ledger = memoryLedger(seed);
  const lines: string[] = [];
  const deps: BrakeDeps = { ledger, now: NOW, print: (line) => lines.push(line), fleets: FLEETS };
  return { ledger, lines, deps };
};

const bobs: Brake = {
  scope: 'manager',
  until: '2026-12-04T12:00:00.000Z',
  reason: 'upgrade of GitLab',
  who: 'bob',
  setAt: '2026-12-04T09:00:00.000Z',
};

describe('freezeCommand', () => {
  it('stores a brake for every fleet and says what it holds and what it does not', async () => {
    const { ledger, lines, deps } = setup();

    await freezeCommand(
      { target: 'all', until: '4h', reason: ' INC-42: registry outage ', who: 'alice' },
      deps,
    );

    expect(ledger.brakes.get('*')).toEqual({
      scope: '*',
      until: '2026-12-04T14:00:00.000Z',
      reason: 'INC-42: registry outage',
      who: 'alice',
      setAt: '2026-12-04T10:00:00.000Z',
    });
    expect(lines).toEqual([
      'froze all fleets until 2026-12-04T14:00:00.000Z: INC-42: registry outage (set by alice)',
      'held until then: promotions, drains, manager restarts and config applies of all fleets; rollbacks still run',
    ]);
  });

  it('replaces a brake in force on the same fleet and names the one it replaced', async () => {
    const { ledger, lines, deps } = setup([bobs]);

    await freezeCommand(
      { target: 'manager', until: '2026-12-05T08:00+01:00', reason: 'INC-43', who: 'alice' },
      deps,
    );

    expect(ledger.brakes.get('manager')?.until).toBe('2026-12-05T07:00:00.000Z');
    expect(lines).toContain(
      'replaced the brake set by bob until 2026-12-04T12:00:00.000Z: upgrade of GitLab',
    );
  });

  it.each([
    [
      'an unknown fleet',
      { target: 'mangaer' },
      'unknown fleet "mangaer": give one of manager, jobs-docker, all',
    ],
    [
      'a time without a zone',
      { until: '2026-12-04T18:00' },
      '--until "2026-12-04T18:00" is not a time: give an ISO 8601 time with its zone (2026-12-04T18:00Z) or a duration (90m, 4h, 2d)',
    ],
    [
      'a time in the past',
      { until: '2026-12-04T09:00Z' },
      '--until 2026-12-04T09:00:00.000Z is not in the future (now is 2026-12-04T10:00:00.000Z)',
    ],
    [
      'more than a week',
      { until: '8d' },
      '--until 2026-12-12T10:00:00.000Z is more than 7 days away: freeze for at most 7 days and freeze again to extend',
    ],
    [
      'an empty reason',
      { reason: '  ' },
      '--reason is required: say why, it is shown in every hold and alert',
    ],
  ])('refuses %s, writing nothing', async (_, change, message) => {
    const { ledger, deps } = setup();

    await expect(
      freezeCommand({ target: 'all', until: '1h', reason: 'INC-42', who: 'alice', ...change }, deps),
    ).rejects.toThrow(message);
    expect(ledger.brakes.size).toBe(0);
  });
});

describe('parseUntil', () => {
  it.each([
    ['90m', '2026-12-04T11:30:00.000Z'],
    ['2d', '2026-12-06T10:00:00.000Z'],
    ['2026-12-04T18:00:00Z', '2026-12-04T18:00:00.000Z'],
    ['2026-12-04T18:00:00.5-02:00', '2026-12-04T20:00:00.500Z'],
  ])('reads %s', (until, iso) => {
    expect(parseUntil(until, NOW).toISOString()).toBe(iso);
  });
});

describe('unfreezeCommand', () => {
  it('removes the brake and says when held items go on', async () => {
    const { ledger, lines, deps } = setup([bobs]);

    await unfreezeCommand({ target: 'manager' }, deps);

    expect(ledger.brakes.size).toBe(0);
    expect(lines).toEqual([
      'unfroze fleet manager (the brake set by bob until 2026-12-04T12:00:00.000Z: upgrade of GitLab)',
      'held items go on at their next check, within 15 minutes',
    ]);
  });

  it.each([
    ['no brake', []],
    ['a brake that already ended', [{ ...bobs, until: '2026-12-04T09:30:00.000Z' }]],
  ])('says there was nothing to unfreeze with %s', async (_, seed) => {
    const { lines, deps } = setup(seed);

    await unfreezeCommand({ target: 'manager' }, deps);

    expect(lines).toEqual(['fleet manager: no brake in force, nothing to unfreeze']);
  });

  it('refuses an unknown fleet, removing nothing', async () => {
    const { ledger, deps } = setup([bobs]);

    await expect(unfreezeCommand({ target: 'jobs' }, deps)).rejects.toThrow('unknown fleet "jobs"');
    expect(ledger.brakes.size).toBe(1);
  });
});
