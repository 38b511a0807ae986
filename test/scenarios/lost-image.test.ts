import * as v from '../../functions/shared/valibot';

import { ReconcilerSettings } from '../../functions/reconciler/settings';
import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import { ACCOUNT, type AwsEvent, MINUTE, REGION } from '../../rehearsal/fake-aws';
import { loadStack } from '../../rehearsal/router';
import { AMI, canaries, expectPromisesKept, standardFleet, TEMPLATE } from './fleet';

/**
 * Image Builder's events are best-effort: a build whose state change (or whose Image Ready) is
 * lost must still be rolled out, by the reconciler, through stage-candidate's one path; and the
 * reconciler must never announce an image older than one a fleet already saw.
 */

// Tuesday 01:00 UTC: inside the manager's maintenance window, no freeze.
const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';
const AMI_OLDER = 'ami-0000000000000a0f1';

const imageBuilderEvent = (e: AwsEvent) => e.source === 'aws.imagebuilder';
const imageReadyEvent = (e: AwsEvent) => e['detail-type'] === 'Image Ready';

jest.setTimeout(60_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

describe('lost image events', () => {
  it('hands the reconciler the pipelines that feed a fleet, as its schema reads them', () => {
    const slice = v.parse(ReconcilerSettings, loadStack(EXAMPLE_CONFIG).settings('reconciler'));

    expect(slice.pipelines).toEqual(
      ['jobs', 'manager'].map((name) => ({
        name,
        arn: `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image-pipeline/gitlab-runners-${name}`,
      })),
    );
  });

  // The reconciler's Image Ready is the one image-state puts; a dropped Image Ready was put too.
  it.each([
    ['Image Builder state change', imageBuilderEvent, 1],
    ['Image Ready', imageReadyEvent, 2],
  ])('rolls out an image whose %s event was lost', async (_name, drop, imageReadyCount) => {
    const s = new Scenario({ start: TUESDAY_NIGHT, drop });
    standardFleet(s.world);
    const imageArn = s.imageBuilt('jobs', AMI.jobsNew, 2);
    await s.runUntilQuiet();
    expect(s.dropped).toHaveLength(1);
    expect(s.rollouts('jobs-docker')).toEqual([]);

    await s.reconcileNow();
    await s.runUntilQuiet();

    const lt = s.world.templateByName(TEMPLATE.jobs);
    expect(lt.defaultVersion).toBe(2);
    expect(lt.versions.map((v) => v.imageId)).toEqual([AMI.jobsOld, AMI.jobsNew]);
    expect(s.rollout('jobs-docker')).toMatchObject({ imageArn, state: 'done' });
    expect(s.busEvents('Image Ready')).toEqual(
      Array.from({ length: imageReadyCount }, () => ({
        pipeline: 'jobs',
        pipelineArn: expect.stringMatching(/:image-pipeline\/gitlab-runners-jobs$/),
        imageArn,
        imageVersion: '1.0.2/1',
        amis: [expect.objectContaining({ imageId: AMI.jobsNew })],
      })),
    );
    expect(s.busEvents('Rollout Failed')).toEqual([]);
    expectPromisesKept(s);
  });

  it('stages once when the reconciler announces an image whose event was only late', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    s.imageBuilt('jobs', AMI.jobsNew, 2);

    await s.reconcileNow();
    await s.runUntilQuiet();

    const lt = s.world.templateByName(TEMPLATE.jobs);
    expect(s.busEvents('Image Ready')).toHaveLength(2);
    expect(lt.versions.map((v) => v.imageId)).toEqual([AMI.jobsOld, AMI.jobsNew]);
    expect(canaries(s.world)).toHaveLength(1);
    expect(s.rollouts('jobs-docker').filter((r) => r.kind === 'rollout')).toHaveLength(1);
    expect(s.rollout('jobs-docker').state).toBe('done');
    expectPromisesKept(s);
  });

  it('never announces a lost image older than one the fleet already rolled out', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT, drop: imageBuilderEvent });
    standardFleet(s.world);
    s.imageBuilt('jobs', AMI_OLDER, 1);
    await s.runUntilQuiet();
    s.setTime(Date.now() + 30 * MINUTE);
    const newer = s.imageBuilt('jobs', AMI.jobsNew, 2);
    await s.runUntilQuiet();
    expect(s.rollout('jobs-docker')).toMatchObject({ imageArn: newer, state: 'done' });
    // Deprecated (a lifecycle policy, by hand): the older build is now the newest AVAILABLE one.
    s.world.setImageState(newer, 'DEPRECATED');

    await s.reconcileNow();
    await s.runUntilQuiet();

    expect(s.busEvents('Image Ready')).toHaveLength(1);
    expect(s.rollouts('jobs-docker').filter((r) => r.kind === 'rollout')).toHaveLength(1);
    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(2);
    expect(s.invocations.filter((i) => i.service === 'reconciler').at(-1)?.result).toBe('reconciled');
    expectPromisesKept(s);
  });
});
