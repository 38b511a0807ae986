import fc from 'fast-check';

import {
  type BakeRequest,
  clientTokenFor,
  decideBake,
  toBakeRequest,
} from '../../../functions/start-bake/decide';
import type { StartBakeInput } from '../../../functions/start-bake/schema';
import { fixture } from '../../helpers/fixtures';

const settings = {
  pipelines: {
    jobs: { arn: 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs' },
    manager: { arn: 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-manager' },
  },
};
const nightly: BakeRequest = {
  pipeline: 'jobs',
  trigger: 'schedule:2026-11-30T02:00:00Z',
  reason: 'schedule',
};

describe('decideBake', () => {
  it('starts the pipeline with a token derived from pipeline and trigger', () => {
    const decision = decideBake(nightly, settings, []);

    expect(decision).toEqual({
      kind: 'start',
      pipelineArn: settings.pipelines.jobs.arn,
      clientToken: clientTokenFor(settings.pipelines.jobs.arn, nightly.trigger),
    });
  });

  it('skips while a build of the pipeline is still running, naming it', () => {
    const running = ['arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.1/3'];

    const decision = decideBake(nightly, settings, running);

    expect(decision).toEqual({
      kind: 'skip',
      reason: 'build-running',
      pipelineArn: settings.pipelines.jobs.arn,
      running,
    });
  });

  it('refuses an unknown pipeline and lists the known ones', () => {
    const decision = decideBake({ ...nightly, pipeline: 'windows' }, settings, []);

    expect(decision).toEqual({ kind: 'refuse', reason: expect.stringContaining('jobs, manager') });
  });
});

describe('toBakeRequest', () => {
  it.each<[string, StartBakeInput, BakeRequest]>([
    [
      'the nightly schedule, keyed by its scheduled time',
      { pipeline: 'jobs', scheduledTime: '2026-11-30T02:00:00Z' },
      {
        pipeline: 'jobs',
        trigger: 'schedule:2026-11-30T02:00:00Z',
        reason: 'schedule at 2026-11-30T02:00:00Z',
      },
    ],
    [
      "a Bake Requested event, keyed by its requester's idempotency key",
      fixture<StartBakeInput>('runner-autopilot/bake-requested.json'),
      {
        pipeline: 'jobs',
        trigger: 'request:0c4f6a3e-2b7d-4d1e-9a55-3f2c1b0e8d77:jobs',
        reason: 'push to platform/runner-images main (9b1c2d3) matched rule runner-images',
      },
    ],
  ])('maps %s', (_name, input, expected) => {
    expect(toBakeRequest(input)).toEqual(expected);
  });

  it('gives a redelivered request (a new event id) the same trigger', () => {
    const event = fixture<StartBakeInput & { id: string }>('runner-autopilot/bake-requested.json');

    const again = toBakeRequest({ ...event, id: 'another-delivery-of-the-same-request' });

    expect(again.trigger).toBe(toBakeRequest(event).trigger);
  });
});

describe('clientTokenFor', () => {
  const arn = fc.stringMatching(/^arn:aws:imagebuilder:[a-z0-9-]+:\d{12}:image-pipeline\/[a-z0-9-]{1,40}$/);
  const trigger = fc.string({ minLength: 1, maxLength: 300 });

  it('is 1-36 characters, as Image Builder requires', () => {
    fc.assert(
      fc.property(
        arn,
        trigger,
        (a, t) => clientTokenFor(a, t).length >= 1 && clientTokenFor(a, t).length <= 36,
      ),
    );
  });

  it('is the same for a repeated trigger (one build)', () => {
    fc.assert(fc.property(arn, trigger, (a, t) => clientTokenFor(a, t) === clientTokenFor(a, t)));
  });

  it('differs between two pipelines for the same trigger', () => {
    fc.assert(
      fc.property(arn, arn, trigger, (a, b, t) => {
        fc.pre(a !== b);
        return clientTokenFor(a, t) !== clientTokenFor(b, t);
      }),
    );
  });

  it('differs between two triggers of one pipeline', () => {
    fc.assert(
      fc.property(arn, trigger, trigger, (a, t1, t2) => {
        fc.pre(t1 !== t2);
        return clientTokenFor(a, t1) !== clientTokenFor(a, t2);
      }),
    );
  });
});
