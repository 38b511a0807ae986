import type { ImageStatus } from '@aws-sdk/client-imagebuilder';
import fc from 'fast-check';

import {
  decideLostImage,
  type LostImageInput,
  type SeenImage,
} from '../../../functions/reconciler/lost-images';
import { candidateIdFor } from '../../../functions/shared/rollout/decide';

const REGION = 'us-east-2';
const PIPELINE = {
  name: 'jobs',
  arn: 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs',
};
const JOBS_LT = 'gitlab-runner-autoscaler';
const OTHER_LT = 'gitlab-runner-autoscaler-arm';

const arnOf = (build: number) =>
  `arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.${build}/1`;
const amiOf = (build: number) => `ami-${build.toString(16).padStart(17, '0')}`;

/** Build `n` of the pipeline, created `n` hours after midnight. */
const image = (
  build: number,
  over: { status?: ImageStatus; dateCreated?: string; regions?: string[] } = {},
): LostImageInput['images'][number] => ({
  arn: arnOf(build),
  version: `1.0.${build}/1`,
  state: { status: over.status ?? 'AVAILABLE' },
  dateCreated: over.dateCreated ?? new Date(Date.UTC(2026, 10, 3, build)).toISOString(),
  outputResources: {
    amis: (over.regions ?? [REGION]).map((region) => ({
      region,
      image: amiOf(build),
      accountId: '123456789012',
    })),
  },
});

/** A rollout of build `n` on `template`, recorded an hour after the image was created. */
const seen = (build: number, template = JOBS_LT): SeenImage => ({
  candidateId: candidateIdFor(template, arnOf(build)),
  imageArn: arnOf(build),
  recordedAt: new Date(Date.UTC(2026, 10, 3, build + 1)).toISOString(),
});

const input = (
  images: LostImageInput['images'],
  templates: LostImageInput['templates'] = [{ launchTemplate: JOBS_LT, seen: [] }],
): LostImageInput => ({ pipeline: PIPELINE, region: REGION, images, templates });

describe('decideLostImage', () => {
  it('announces the newest AVAILABLE image, as image-state would, when no template has a rollout of it', () => {
    const decision = decideLostImage(
      input([image(2), image(3)], [{ launchTemplate: JOBS_LT, seen: [seen(2)] }]),
    );

    expect(decision).toEqual({
      kind: 'announce',
      launchTemplates: [JOBS_LT],
      reason: expect.stringContaining(arnOf(3)),
      detail: {
        pipeline: 'jobs',
        pipelineArn: PIPELINE.arn,
        imageArn: arnOf(3),
        imageVersion: '1.0.3/1',
        amis: [{ region: REGION, imageId: amiOf(3), accountId: '123456789012' }],
      },
    });
  });

  it('orders images by creation date, not by build number or listing order', () => {
    const decision = decideLostImage(
      input([
        image(10, { dateCreated: '2026-11-03T05:00:00Z' }),
        image(9, { dateCreated: '2026-11-03T06:00:00Z' }),
      ]),
    );

    expect(decision).toMatchObject({ kind: 'announce', detail: { imageArn: arnOf(9) } });
  });

  it('announces an image with no rollout at all on record (the first bake whose event was lost)', () => {
    const decision = decideLostImage(input([image(1)]));

    expect(decision).toMatchObject({ kind: 'announce', detail: { imageArn: arnOf(1) } });
  });

  it('does nothing when every template has a rollout of the newest image, whatever its state', () => {
    const decision = decideLostImage(
      input(
        [image(2), image(3)],
        [
          { launchTemplate: JOBS_LT, seen: [seen(2), seen(3)] },
          { launchTemplate: OTHER_LT, seen: [seen(3, OTHER_LT)] },
        ],
      ),
    );

    expect(decision).toEqual({ kind: 'none', reason: `image ${arnOf(3)} is already staged` });
  });

  it('announces to the templates that miss the image only', () => {
    const decision = decideLostImage(
      input(
        [image(3)],
        [
          { launchTemplate: JOBS_LT, seen: [seen(3)] },
          { launchTemplate: OTHER_LT, seen: [] },
        ],
      ),
    );

    expect(decision).toMatchObject({ kind: 'announce', launchTemplates: [OTHER_LT] });
  });

  it.each<[string, ImageStatus]>([
    ['building', 'BUILDING'],
    ['failed', 'FAILED'],
    ['deprecated', 'DEPRECATED'],
    ['deleted', 'DELETED'],
  ])('never announces a %s image', (_name, status) => {
    const decision = decideLostImage(input([image(2, { status })]));

    expect(decision).toEqual({ kind: 'none', reason: 'pipeline jobs has no AVAILABLE image' });
  });

  it('never announces an image without a creation date (it cannot be ordered)', () => {
    const decision = decideLostImage(input([image(2, { dateCreated: 'not a date' })]));

    expect(decision.kind).toBe('none');
  });

  it('holds an image older than one a template already saw, though the newer one is gone from the listing', () => {
    const decision = decideLostImage(
      input([image(2), image(3, { status: 'DEPRECATED' })], [{ launchTemplate: JOBS_LT, seen: [seen(3)] }]),
    );

    expect(decision).toEqual({
      kind: 'hold',
      imageArn: arnOf(2),
      reason: expect.stringMatching(/already saw .*1\.0\.3\/1.*roll the template back/),
    });
  });

  it('dates a rollout whose image the pipeline no longer lists by when the ledger recorded it', () => {
    const deleted: SeenImage = { ...seen(3), recordedAt: '2026-11-03T04:00:00Z' };

    const decision = decideLostImage(input([image(2)], [{ launchTemplate: JOBS_LT, seen: [deleted] }]));

    expect(decision.kind).toBe('hold');
  });

  it('holds when any template that misses the image saw a newer one', () => {
    const decision = decideLostImage(
      input(
        [image(2)],
        [
          { launchTemplate: JOBS_LT, seen: [] },
          { launchTemplate: OTHER_LT, seen: [seen(3, OTHER_LT)] },
        ],
      ),
    );

    expect(decision).toMatchObject({ kind: 'hold', reason: expect.stringContaining(OTHER_LT) });
  });

  it.each([
    ['only in another region', ['eu-west-1']],
    ['no AMI', []],
  ])('holds an image with %s', (_name, regions) => {
    const decision = decideLostImage(input([image(2, { regions })]));

    expect(decision).toEqual({
      kind: 'hold',
      imageArn: arnOf(2),
      reason: `image ${arnOf(2)} has no AMI in ${REGION}`,
    });
  });

  describe('properties', () => {
    const STATUSES: ImageStatus[] = ['AVAILABLE', 'BUILDING', 'FAILED', 'DEPRECATED', 'DELETED'];
    const arbImage = fc.record({
      build: fc.integer({ min: 1, max: 30 }),
      status: fc.constantFrom(...STATUSES),
      hour: fc.option(fc.integer({ min: 0, max: 72 }), { nil: undefined }),
      regions: fc.subarray([REGION, 'eu-west-1']),
    });
    const arbInput = fc.record({
      images: fc.uniqueArray(arbImage, { selector: (i) => i.build, maxLength: 8 }),
      seen: fc.array(
        fc.record({
          build: fc.integer({ min: 1, max: 30 }),
          template: fc.constantFrom(JOBS_LT, OTHER_LT),
          recordedHour: fc.integer({ min: 0, max: 80 }),
        }),
        { maxLength: 6 },
      ),
    });
    type Generated = typeof arbInput extends fc.Arbitrary<infer T> ? T : never;
    const toInput = (g: Generated): LostImageInput => {
      const at = (hour: number) => new Date(Date.UTC(2026, 10, 3) + hour * 3_600_000).toISOString();
      return input(
        g.images.map((i) =>
          image(i.build, {
            status: i.status,
            regions: i.regions,
            dateCreated: i.hour === undefined ? '' : at(i.hour),
          }),
        ),
        [JOBS_LT, OTHER_LT].map((launchTemplate) => ({
          launchTemplate,
          seen: g.seen
            .filter((s) => s.template === launchTemplate)
            .map((s) => ({ ...seen(s.build, launchTemplate), recordedAt: at(s.recordedHour) })),
        })),
      );
    };

    it('is total and deterministic', () => {
      fc.assert(
        fc.property(arbInput, (g) => {
          const i = toInput(g);
          expect(decideLostImage(i)).toEqual(decideLostImage(structuredClone(i)));
        }),
      );
    });

    it('announces only an AVAILABLE image with an AMI here, newer than all a template saw, and missing somewhere', () => {
      fc.assert(
        fc.property(arbInput, (g) => {
          const i = toInput(g);

          const decision = decideLostImage(i);

          if (decision.kind !== 'announce') return;
          const announced = i.images.find((x) => x.arn === decision.detail.imageArn);
          expect(announced?.state?.status).toBe('AVAILABLE');
          expect(decision.detail.amis.some((a) => a.region === REGION)).toBe(true);
          const createdAt = Date.parse(announced?.dateCreated ?? '');
          for (const t of i.templates.filter((x) => decision.launchTemplates.includes(x.launchTemplate))) {
            for (const s of t.seen) {
              const listed = i.images.find((x) => x.arn === s.imageArn);
              const seenAt = Date.parse(listed?.dateCreated ?? '') || Date.parse(s.recordedAt);
              expect(seenAt).toBeLessThan(createdAt);
            }
          }
          expect(decision.launchTemplates.length).toBeGreaterThan(0);
        }),
      );
    });

    it('never announces again what it announced once it is staged (idempotence)', () => {
      fc.assert(
        fc.property(arbInput, (g) => {
          const i = toInput(g);
          const first = decideLostImage(i);
          if (first.kind !== 'announce') return;
          const staged: LostImageInput = {
            ...i,
            templates: i.templates.map((t) => ({
              ...t,
              seen: [
                ...t.seen,
                {
                  candidateId: candidateIdFor(t.launchTemplate, first.detail.imageArn),
                  imageArn: first.detail.imageArn,
                  recordedAt: '2026-12-01T00:00:00Z',
                },
              ],
            })),
          };

          expect(decideLostImage(staged).kind).toBe('none');
        }),
      );
    });
  });
});
