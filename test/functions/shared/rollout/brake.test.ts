import fc from 'fast-check';

import { brakeNote, decideBrake } from '../../../../functions/shared/rollout/brake';
import { ALL_FLEETS, type Brake, ROLLOUT_STATES } from '../../../../functions/shared/rollout/model';

const NOW = new Date('2026-11-03T10:00:00.000Z');
const brake = (until: string, scope = 'manager', reason = 'INC-42'): Brake => ({
  scope,
  until,
  reason,
  who: 'alice',
  setAt: '2026-11-03T09:00:00.000Z',
});
const IN_2H = '2026-11-03T12:00:00.000Z';
const IN_5M = '2026-11-03T10:05:00.000Z';
const NOTE_2H = `held by the emergency brake until ${IN_2H}: INC-42`;

describe('decideBrake', () => {
  it.each<[string, (Brake | undefined)[], string]>([
    ['no brake stored', [undefined, undefined], 'free'],
    ['a brake that ended', [brake('2026-11-03T09:59:59.000Z')], 'free'],
    ['a brake ending right now', [brake(NOW.toISOString())], 'free'],
    ['a brake whose time does not parse', [brake('next tuesday')], 'free'],
    ['a brake of the fleet in force', [brake(IN_2H)], 'held'],
    ['a brake of all fleets in force', [undefined, brake(IN_2H, ALL_FLEETS)], 'held'],
  ])('with %s: %s', (_, brakes, kind) => {
    const decision = decideBrake({
      brakes,
      now: NOW,
      state: 'awaiting-maintenance',
      holdState: 'awaiting-maintenance',
      lastNote: undefined,
    });

    expect(decision.kind).toBe(kind);
  });

  it('holds until the brake that ends last, naming it in the exact note', () => {
    const decision = decideBrake({
      brakes: [brake(IN_5M, ALL_FLEETS, 'short'), brake(IN_2H)],
      now: NOW,
      state: 'awaiting-maintenance',
      holdState: 'awaiting-maintenance',
      lastNote: undefined,
    });

    expect(decision).toMatchObject({ kind: 'held', note: NOTE_2H, brake: { until: IN_2H } });
  });

  it.each([
    ['15 minutes from now while the brake lasts longer', IN_2H, '2026-11-03T10:15:00.000Z'],
    ['at the end of a brake that ends sooner', IN_5M, IN_5M],
  ])('looks again %s', (_, until, recheck) => {
    const decision = decideBrake({
      brakes: [brake(until)],
      now: NOW,
      state: 'promotion-deferred',
      holdState: 'promotion-deferred',
      lastNote: undefined,
    });

    expect(decision).toMatchObject({ kind: 'held', recheckAt: new Date(recheck) });
  });

  it.each<[string, string, string | undefined, boolean]>([
    ['the item already says so in its state', 'promotion-deferred', NOTE_2H, true],
    ['the item says something else', 'promotion-deferred', 'passed inside a freeze window', false],
    ['the item enters the held state now', 'canary-testing', NOTE_2H, false],
    [
      'the brake changed (a new reason)',
      'promotion-deferred',
      brakeNote(brake(IN_2H, 'manager', 'old')),
      false,
    ],
  ])('is announced only when %s', (_, state, lastNote, announced) => {
    const decision = decideBrake({
      brakes: [brake(IN_2H)],
      now: NOW,
      state: state as 'promotion-deferred',
      holdState: 'promotion-deferred',
      lastNote,
    });

    expect(decision).toMatchObject({ kind: 'held', announced });
  });

  it('never throws, and never holds past the end of every brake or rechecks later than it', () => {
    const iso = fc
      .integer({ min: NOW.getTime() - 86_400_000, max: NOW.getTime() + 86_400_000 })
      .map((t) => new Date(t).toISOString());
    fc.assert(
      fc.property(
        fc.array(
          fc.option(
            iso.map((until) => brake(until)),
            { nil: undefined },
          ),
          { maxLength: 4 },
        ),
        fc.constantFrom(...ROLLOUT_STATES),
        (brakes, state) => {
          const decision = decideBrake({ brakes, now: NOW, state, holdState: state, lastNote: undefined });
          const latest = Math.max(0, ...brakes.map((b) => (b ? Date.parse(b.until) : 0)));
          if (decision.kind === 'free') return latest <= NOW.getTime();
          return decision.recheckAt.getTime() > NOW.getTime() && decision.recheckAt.getTime() <= latest;
        },
      ),
    );
  });
});
