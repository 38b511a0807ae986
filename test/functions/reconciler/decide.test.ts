import fc from 'fast-check';

import { reconcileSummary, STALE_MINUTES, staleCut } from '../../../functions/reconciler/decide';
import type { LostImageResult } from '../../../functions/reconciler/lost-images';
import type { StepResult } from '../../../functions/shared/rollout/context';

const NOW = new Date('2026-03-03T02:00:00.000Z');
const IMAGE = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.2/1';

const step = (fleet: string, from: StepResult['from'], to: StepResult['to']): StepResult => ({
  fleet,
  candidateId: `c-${fleet}`,
  from,
  to,
  note: 'reconciled',
});

const announced = {
  kind: 'announce',
  pipeline: 'jobs',
  detail: { imageArn: IMAGE },
  launchTemplates: ['gitlab-runner-autoscaler'],
  reason: 'lost',
} as unknown as LostImageResult;
const held: LostImageResult = {
  kind: 'hold',
  pipeline: 'manager',
  imageArn: IMAGE,
  reason: 'would roll back',
};
const none: LostImageResult = { kind: 'none', pipeline: 'jobs', reason: 'already staged' };

describe('staleCut', () => {
  it(`is ${STALE_MINUTES} minutes before now`, () => {
    expect(staleCut(NOW)).toEqual(new Date('2026-03-03T01:50:00.000Z'));
  });

  it('lies the same time before any now', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (now) => {
          expect(now.getTime() - staleCut(now).getTime()).toBe(STALE_MINUTES * 60_000);
        },
      ),
    );
  });
});

describe('reconcileSummary', () => {
  it('reports nothing when nothing waited and nothing was lost', () => {
    const summary = reconcileSummary({ waiting: 0, results: [], reverted: [], images: [none] });

    expect(summary).toEqual({
      outcome: 'reconciled',
      itemCount: 0,
      advanced: [],
      revertedDefaults: [],
      lostImages: [],
      heldImages: [],
    });
  });

  it.each([
    [
      'only the items that changed state',
      [step('a', 'draining', 'replacing'), step('b', 'draining', 'draining')],
      ['a'],
    ],
    ['an item that was still waiting as not advanced', [step('b', 'baking', 'baking')], []],
  ])('counts %s', (_what, results, advanced) => {
    const summary = reconcileSummary({ waiting: 3, results, reverted: [], images: [] });

    expect(summary.itemCount).toBe(3);
    expect(summary.advanced.map((r) => r.fleet)).toEqual(advanced);
  });

  it('names the reverted defaults, announced and held images', () => {
    const summary = reconcileSummary({
      waiting: 0,
      results: [],
      reverted: [step('manager', 'done', 'done')],
      images: [announced, held, none],
    });

    expect(summary).toMatchObject({
      revertedDefaults: ['manager'],
      lostImages: [IMAGE],
      heldImages: ['would roll back'],
    });
  });
});
