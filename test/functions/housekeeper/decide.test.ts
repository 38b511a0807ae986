import fc from 'fast-check';

import {
  type ImageFacts,
  imagesToDeregister,
  planImages,
  planTemplate,
  previousDefaultsOf,
  referencedImages,
  type RolloutFacts,
  type TemplateFacts,
  versionNumbers,
  versionsToDelete,
} from '../../../functions/housekeeper/decide';
import { FINAL_STATES, ROLLOUT_STATES } from '../../../functions/shared/rollout/model';

const NOW = new Date('2026-12-01T03:30:00Z');
const DAY = 24 * 3600 * 1000;
const daysAgo = (days: number): string => new Date(NOW.getTime() - days * DAY).toISOString();

const rollout = (over: Partial<RolloutFacts> = {}): RolloutFacts => ({
  state: 'done',
  stateSince: '2026-11-20T00:00:00Z',
  amiId: 'ami-0',
  ...over,
});

/** Versions 1..n, each on its own AMI `ami-<n>`, `defaultVersion` the default. */
const facts = (n: number, defaultVersion: number, over: Partial<TemplateFacts> = {}): TemplateFacts => ({
  launchTemplateId: 'lt-0abc',
  launchTemplateName: 'gitlab-runner-autoscaler',
  defaultVersion,
  versions: Array.from({ length: n }, (_, i) => ({
    version: i + 1,
    imageId: `ami-${i + 1}`,
    isDefault: i + 1 === defaultVersion,
  })),
  rollouts: [],
  versionsInUse: [],
  ...over,
});

describe('planTemplate', () => {
  it('deletes the oldest versions beyond the count, never the default', () => {
    const plan = planTemplate(facts(10, 2), 3);

    expect(plan.delete).toEqual([1, 3, 4, 5, 6, 7]);
    expect(plan.protect.defaults).toEqual([2]);
  });

  it.each<[string, Partial<TemplateFacts>, number[]]>([
    [
      'the previous default of the rollout that made the current default',
      {
        rollouts: [rollout({ candidateVersion: 8, previousDefault: 3, promotedAt: '2026-11-20T00:00:00Z' })],
      },
      [3],
    ],
    [
      'the previous default of the newest promoted rollout, even when a later candidate was rejected',
      {
        rollouts: [
          rollout({ candidateVersion: 6, previousDefault: 4, promotedAt: '2026-11-01T00:00:00Z' }),
          rollout({ candidateVersion: 8, previousDefault: 5, promotedAt: '2026-11-20T00:00:00Z' }),
          rollout({
            state: 'rejected',
            candidateVersion: 9,
            previousDefault: 8,
            stateSince: '2026-11-28T00:00:00Z',
          }),
        ],
      },
      [5],
    ],
    [
      'the previous default and the candidate of a rollout under way',
      {
        rollouts: [
          rollout({
            state: 'canary-testing',
            candidateVersion: 4,
            previousDefault: 2,
            stateSince: '2026-11-01T00:00:00Z',
          }),
          rollout({ candidateVersion: 9, previousDefault: 8, stateSince: '2026-11-30T00:00:00Z' }),
        ],
      },
      [2, 4],
    ],
    ['versions instances still run', { versionsInUse: ['1', '3', '$Default', undefined, 'x'] }, [1, 3]],
  ])('keeps %s', (_what, over, kept) => {
    const plan = planTemplate(facts(10, 8, over), 2);

    for (const v of kept) expect(plan.delete).not.toContain(v);
    expect(plan.delete.length).toBeGreaterThan(0);
  });

  it('keeps a version EC2 flags as default even when the template says otherwise (a promotion raced the read)', () => {
    const f = facts(10, 8);
    const versions = f.versions.map((v) => ({ ...v, isDefault: v.version === 1 }));

    expect(planTemplate({ ...f, versions }, 2).delete).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('deletes nothing when every old version is protected or within the count', () => {
    const plan = planTemplate(facts(3, 1, { versionsInUse: ['1'] }), 2);

    expect(plan.delete).toEqual([]);
  });
});

describe('previousDefaultsOf', () => {
  it('does not keep every historic previous default, so promoted versions do go eventually', () => {
    const history = [1, 2, 3, 4, 5].map((v) =>
      rollout({
        candidateVersion: v + 1,
        previousDefault: v,
        promotedAt: `2026-11-0${v}T00:00:00Z`,
        stateSince: `2026-11-0${v}T00:00:00Z`,
      }),
    );

    expect(previousDefaultsOf(history, 6)).toEqual([5]);
  });

  it('keeps the one before a rolled-back default', () => {
    const history = [
      rollout({ candidateVersion: 5, previousDefault: 4, promotedAt: '2026-11-01T00:00:00Z' }),
      rollout({
        state: 'rolled-back',
        candidateVersion: 6,
        previousDefault: 5,
        promotedAt: '2026-11-10T00:00:00Z',
        stateSince: '2026-11-10T01:00:00Z',
      }),
    ];

    expect(previousDefaultsOf(history, 5)).toEqual([4, 5]);
  });
});

describe('versionNumbers', () => {
  it.each<[(string | undefined)[], number[]]>([
    [[], []],
    [['$Default', '$Latest', undefined, ''], []],
    [
      ['3', '3', '12', '0', '-1', '1.5'],
      [3, 12],
    ],
  ])('reads %j as %j', (values, expected) => {
    expect(versionNumbers(values)).toEqual(expected);
  });
});

describe('planImages', () => {
  const image = (id: string, over: Partial<ImageFacts> = {}): ImageFacts => ({
    imageId: id,
    creationDate: daysAgo(60),
    state: 'available',
    snapshotIds: [`snap-${id}`],
    ...over,
  });

  it('deregisters unreferenced images past the retention with their snapshots', () => {
    const images = [image('old'), image('used'), image('new', { creationDate: daysAgo(2) })];

    expect(planImages(images, new Set(['used']), 30, NOW)).toEqual([
      { imageId: 'old', snapshotIds: ['snap-old'] },
    ]);
  });

  it.each(['pending', 'transient', undefined])('leaves an image in state %s alone', (state) => {
    expect(planImages([image('old', { state })], new Set(), 30, NOW)).toEqual([]);
  });

  it.each(['failed', 'disabled', 'error', 'invalid'])('cleans up a settled %s image', (state) => {
    expect(planImages([image('old', { state })], new Set(), 30, NOW)).toHaveLength(1);
  });

  it('keeps a snapshot another remaining AMI uses, and deletes a shared one only once', () => {
    const images = [
      image('a', { snapshotIds: ['snap-shared-kept', 'snap-ab'] }),
      image('b', { snapshotIds: ['snap-ab', 'snap-b'] }),
      image('kept', { snapshotIds: ['snap-shared-kept'] }),
    ];

    expect(planImages(images, new Set(['kept']), 30, NOW)).toEqual([
      { imageId: 'a', snapshotIds: [] },
      { imageId: 'b', snapshotIds: ['snap-ab', 'snap-b'] },
    ]);
  });
});

describe('referencedImages', () => {
  it('counts remaining versions, rollouts under way and existing instances, not finished rollouts', () => {
    const refs = referencedImages({
      remainingVersions: [{ imageId: 'ami-v' }, {}],
      rollouts: [
        rollout({ state: 'baking', amiId: 'ami-live' }),
        rollout({ state: 'done', amiId: 'ami-done' }),
      ],
      instanceImages: ['ami-i', undefined],
    });

    expect([...refs].sort()).toEqual(['ami-i', 'ami-live', 'ami-v']);
  });
});

describe('housekeeping properties', () => {
  const states = fc.constantFrom(...ROLLOUT_STATES);
  const version = fc.integer({ min: 1, max: 60 });
  const iso = fc
    .date({ min: new Date('2025-01-01'), max: NOW, noInvalidDate: true })
    .map((d) => d.toISOString());
  const rolloutArb: fc.Arbitrary<RolloutFacts> = fc.record(
    {
      state: states,
      stateSince: iso,
      amiId: fc.constantFrom('ami-1', 'ami-2', 'ami-3'),
      previousDefault: version,
      candidateVersion: version,
      promotedAt: iso,
    },
    { requiredKeys: ['state', 'stateSince', 'amiId'] },
  );
  const templateArb: fc.Arbitrary<TemplateFacts> = fc
    .record({
      versions: fc.uniqueArray(version, { minLength: 1, maxLength: 40 }),
      rollouts: fc.array(rolloutArb, { maxLength: 6 }),
      versionsInUse: fc.array(
        fc.oneof(version.map(String), fc.constantFrom('$Default', '$Latest', undefined)),
        {
          maxLength: 6,
        },
      ),
      defaultIndex: fc.nat(),
    })
    .map(({ versions, rollouts, versionsInUse, defaultIndex }) => {
      const defaultVersion = versions[defaultIndex % versions.length] as number;
      return {
        launchTemplateId: 'lt-0abc',
        launchTemplateName: 'lt',
        defaultVersion,
        versions: versions.map((v) => ({
          version: v,
          imageId: `ami-${v % 4}`,
          isDefault: v === defaultVersion,
        })),
        rollouts,
        versionsInUse,
      };
    });
  const keep = fc.integer({ min: 2, max: 15 });

  it('never deletes the default, a previous default, a version in use or one of a rollout under way', () => {
    fc.assert(
      fc.property(templateArb, keep, (f, k) => {
        const { delete: deleted } = planTemplate(f, k);
        const protectedVersions = new Set([
          f.defaultVersion,
          ...previousDefaultsOf(f.rollouts, f.defaultVersion),
          ...versionNumbers(f.versionsInUse),
          ...f.rollouts
            .filter((r) => !FINAL_STATES.has(r.state))
            .flatMap((r) => [r.candidateVersion, r.previousDefault]),
        ]);
        return deleted.every((v) => !protectedVersions.has(v));
      }),
    );
  });

  it('keeps the previous default of the newest rollout at least', () => {
    fc.assert(
      fc.property(templateArb, keep, (f, k) => {
        const latest = [...f.rollouts].sort((a, b) => Date.parse(b.stateSince) - Date.parse(a.stateSince))[0];
        fc.pre(latest?.previousDefault !== undefined);
        return !planTemplate(f, k).delete.includes(latest.previousDefault);
      }),
    );
  });

  it('never deletes more than needed: the newest versions stay, and only existing versions go', () => {
    fc.assert(
      fc.property(templateArb, keep, (f, k) => {
        const { delete: deleted } = planTemplate(f, k);
        const all = f.versions.map((v) => v.version);
        const newest = [...all].sort((a, b) => b - a).slice(0, k);
        return (
          deleted.every((v) => all.includes(v) && !newest.includes(v)) &&
          new Set(deleted).size === deleted.length &&
          all.length - deleted.length >= Math.min(k, all.length)
        );
      }),
    );
  });

  it('is deterministic and idempotent: planning again after the deletions deletes nothing', () => {
    fc.assert(
      fc.property(templateArb, keep, (f, k) => {
        const first = planTemplate(f, k);
        const remaining = f.versions.filter((v) => !first.delete.includes(v.version));
        return (
          JSON.stringify(planTemplate(f, k)) === JSON.stringify(first) &&
          planTemplate({ ...f, versions: remaining }, k).delete.length === 0
        );
      }),
    );
  });

  const imageArb: fc.Arbitrary<ImageFacts[]> = fc.uniqueArray(
    fc.record({
      imageId: fc.constantFrom('ami-1', 'ami-2', 'ami-3', 'ami-4', 'ami-5'),
      creationDate: fc.oneof(iso, fc.constant('not a date')),
      state: fc.constantFrom('available', 'pending', 'failed', 'disabled', 'transient'),
      snapshotIds: fc.uniqueArray(fc.constantFrom('snap-1', 'snap-2', 'snap-3', 'snap-4'), { maxLength: 3 }),
    }),
    { maxLength: 5, selector: (i) => i.imageId },
  );
  const referencedArb = fc.uniqueArray(fc.constantFrom<string>('ami-1', 'ami-2', 'ami-3', 'ami-4', 'ami-5'));
  const retention = fc.integer({ min: 1, max: 400 });

  it('never deregisters an AMI in use, a young one or an unsettled one, and never a snapshot a remaining AMI uses', () => {
    fc.assert(
      fc.property(imageArb, referencedArb, retention, (images, referenced, days) => {
        const plans = planImages(images, new Set(referenced), days, NOW);
        const going = new Set(plans.map((p) => p.imageId));
        const remainingSnapshots = new Set(
          images.filter((i) => !going.has(i.imageId)).flatMap((i) => i.snapshotIds),
        );
        const snapshots = plans.flatMap((p) => p.snapshotIds);
        return (
          plans.every((p) => {
            const all = images.filter((i) => i.imageId === p.imageId);
            return (
              !referenced.includes(p.imageId) &&
              all.every((i) => ['available', 'failed', 'disabled'].includes(i.state ?? '')) &&
              all.some((i) => Date.parse(i.creationDate ?? '') < NOW.getTime() - days * DAY)
            );
          }) &&
          snapshots.every((s) => !remainingSnapshots.has(s)) &&
          new Set(snapshots).size === snapshots.length &&
          going.size === plans.length
        );
      }),
    );
  });

  it('is idempotent: once the AMIs are gone, nothing more goes', () => {
    fc.assert(
      fc.property(imageArb, referencedArb, retention, (images, referenced, days) => {
        const going = new Set(planImages(images, new Set(referenced), days, NOW).map((p) => p.imageId));
        const left = images.filter((i) => !going.has(i.imageId));
        return planImages(left, new Set(referenced), days, NOW).length === 0;
      }),
    );
  });
});

describe('shared housekeeping rules (fixed)', () => {
  it('keeps the newest count of distinct versions even when a version is listed twice', () => {
    expect(
      versionsToDelete([5, 5, 4, 3], { defaultVersion: 3, previousDefaults: [], inUse: [], count: 2 }),
    ).toEqual([]);
  });

  it('deletes a duplicated version once', () => {
    expect(
      versionsToDelete([1, 1, 4, 3, 2], { defaultVersion: 4, previousDefaults: [], inUse: [], count: 2 }),
    ).toEqual([1, 2]);
  });

  it.each([Number.NaN, -1, 1.5])('throws on keep count %p instead of deleting everything', (count) => {
    expect(() =>
      versionsToDelete([1, 2, 3], { defaultVersion: 3, previousDefaults: [], inUse: [], count }),
    ).toThrow(RangeError);
  });

  it.each([Number.NaN, -1])('throws on retention %p instead of taking brand-new AMIs', (days) => {
    expect(() =>
      imagesToDeregister([{ imageId: 'ami-1', creationDate: daysAgo(0) }], new Set(), days, NOW),
    ).toThrow(RangeError);
  });

  it('lists a duplicated image once', () => {
    const old = { imageId: 'ami-1', creationDate: daysAgo(90) };

    expect(imagesToDeregister([old, old], new Set(), 30, NOW)).toEqual(['ami-1']);
  });
});

describe('housekeeping rules', () => {
  it('never deletes the default, a previous default or a version in use, and keeps the newest (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 2, max: 20 }),
        (versions, count) => {
          const [defaultVersion, previous, inUse] = [
            versions[0] as number,
            versions.slice(1, 3),
            versions.slice(3, 5),
          ];
          const deleted = versionsToDelete(versions, {
            defaultVersion,
            previousDefaults: previous,
            inUse,
            count,
          });
          const newest = [...versions].sort((a, b) => b - a).slice(0, count);
          return deleted.every(
            (v) => v !== defaultVersion && !previous.includes(v) && !inUse.includes(v) && !newest.includes(v),
          );
        },
      ),
    );
  });

  it('deregisters only unreferenced images past the retention', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const images = [
      { imageId: 'ami-old', creationDate: '2026-10-01T00:00:00Z' },
      { imageId: 'ami-used', creationDate: '2026-10-01T00:00:00Z' },
      { imageId: 'ami-new', creationDate: '2026-11-25T00:00:00Z' },
    ];

    expect(imagesToDeregister(images, new Set(['ami-used']), 30, now)).toEqual(['ami-old']);
  });
});
