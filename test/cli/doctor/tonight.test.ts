import type { ImageSummary } from '@aws-sdk/client-imagebuilder';

import {
  judgeCandidates,
  judgeLease,
  judgeLedgerTable,
  judgeRollouts,
  STUCK_AFTER_DEADLINE_MINUTES,
} from '../../../cli/doctor/tonight';
import { candidateIdFor } from '../../../functions/shared/rollout/decide';
import type { Rollout } from '../../../functions/shared/rollout/model';
import { rollout } from '../../fixtures/rollout';

/** The tonight area's rules, on facts the contract suite cannot easily make moto hold. */

const NOW = new Date('2026-12-04T12:00:00Z');
const FILE = '/deploy/prod.yaml';
const MINUTE = 60_000;
const minutesAgo = (m: number): string => new Date(NOW.getTime() - m * MINUTE).toISOString();
const PIPELINE = {
  name: 'manager',
  arn: 'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-manager',
};
const IMAGE = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-manager/1.0.1/3';

const image = (over: Partial<ImageSummary> = {}): ImageSummary => ({
  arn: IMAGE,
  version: '1.0.1/3',
  dateCreated: minutesAgo(600),
  state: { status: 'AVAILABLE' },
  outputResources: { amis: [{ region: 'us-east-2', image: 'ami-0bbbbbbbbbbbbbbb3' }] },
  ...over,
});
const candidates = (images: ImageSummary[], rollouts: Rollout[] = []) =>
  judgeCandidates(
    {
      pipeline: PIPELINE,
      region: 'us-east-2',
      images,
      templates: [{ launchTemplate: 'gitlab-runner-manager', lead: 'manager', rollouts }],
    },
    NOW,
    FILE,
  );

describe('doctor tonight', () => {
  it('warns while the ledger table is still being created', () => {
    expect(judgeLedgerTable('gitlab-runners-autopilot-ledger', 'CREATING', FILE)).toEqual({
      area: 'tonight',
      subject: 'ledger gitlab-runners-autopilot-ledger',
      status: 'warn',
      says: 'the ledger table is CREATING, so rollouts cannot write to it until it is ACTIVE',
      fix: 'wait for it: aws dynamodb wait table-exists --table-name gitlab-runners-autopilot-ledger',
    });
  });

  describe('judgeCandidates', () => {
    it('has nothing to stage before the pipeline has an AVAILABLE image', () => {
      expect(candidates([image({ state: { status: 'BUILDING' } })])).toEqual([
        expect.objectContaining({
          status: 'pass',
          says: 'nothing to stage: pipeline manager has no AVAILABLE image yet',
        }),
      ]);
    });

    it("warns, as the reconciler holds it, of a newest image with no AMI in the fleet's region", () => {
      const elsewhere = image({ outputResources: { amis: [{ region: 'eu-west-1', image: 'ami-0ccc' }] } });

      expect(candidates([elsewhere])).toEqual([
        expect.objectContaining({
          status: 'warn',
          says: `the newest image of pipeline manager (1.0.1/3) is not staged, and the reconciler holds it: image ${IMAGE} has no AMI in us-east-2`,
        }),
      ]);
    });

    it('follows the rollout of the newest image, not of an older one', () => {
      const older = 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-manager/1.0.1/2';
      const rollouts = [
        rollout({
          fleet: 'manager',
          candidateId: candidateIdFor('gitlab-runner-manager', older),
          imageArn: older,
          state: 'done',
        }),
        rollout({
          fleet: 'manager',
          candidateId: candidateIdFor('gitlab-runner-manager', IMAGE),
          imageArn: IMAGE,
          state: 'canary-testing',
          stateSince: minutesAgo(20),
        }),
      ];

      expect(candidates([image({ arn: older, dateCreated: minutesAgo(2000) }), image()], rollouts)).toEqual([
        expect.objectContaining({
          status: 'pass',
          says: 'the newest image of pipeline manager (1.0.1/3) is being rolled out: canary-testing since 2026-12-04 11:40 UTC (20 minutes ago)',
        }),
      ]);
    });
  });

  describe('judgeRollouts', () => {
    const manager = { name: 'manager', launchTemplate: 'gitlab-runner-manager', lead: 'manager' };

    it('says so when a fleet never had a rollout', () => {
      expect(judgeRollouts(manager, [], NOW, FILE, 'gitlab-runners')).toEqual([
        expect.objectContaining({ status: 'pass', says: 'no rollout in progress, and none recorded yet' }),
      ]);
    });

    it(`passes a rollout less than ${STUCK_AFTER_DEADLINE_MINUTES} minutes past its deadline: the reconciler has not had its turn`, () => {
      const late = rollout({
        fleet: 'manager',
        state: 'canary-booting',
        stateSince: minutesAgo(30),
        deadline: minutesAgo(STUCK_AFTER_DEADLINE_MINUTES - 1),
      });

      expect(judgeRollouts(manager, [late], NOW, FILE, 'gitlab-runners').map((f) => f.status)).toEqual([
        'pass',
      ]);
    });

    it('names a restart and a config apply by their kind', () => {
      const base = { ...rollout({ fleet: 'manager', stateSince: minutesAgo(5) }), role: 'manager' as const };
      const restart = {
        ...base,
        kind: 'restart' as const,
        candidateId: 'r-1',
        state: 'awaiting-maintenance' as const,
      };
      const apply = {
        ...base,
        kind: 'config' as const,
        candidateId: 'a-1',
        state: 'applying' as const,
        mode: 'apply' as const,
        trigger: 'manifest changed',
      };

      expect(
        judgeRollouts(manager, [restart, apply], NOW, FILE, 'gitlab-runners').map((f) => f.says),
      ).toEqual([
        'manager restart r-1 is awaiting-maintenance since 2026-12-04 11:55 UTC (5 minutes ago): candidate version 7 created',
        'config apply a-1 is applying since 2026-12-04 11:55 UTC (5 minutes ago): candidate version 7 created',
      ]);
    });
  });

  it('passes a lease held until later, naming its holder and action', () => {
    const lease = {
      fleet: 'manager',
      holder: 'c-1',
      action: 'drain',
      acquiredAt: minutesAgo(30),
      expiresAt: '2026-12-04T14:30:00.000Z',
    };

    expect(judgeLease('manager', lease, NOW, FILE)).toEqual({
      area: 'tonight',
      subject: 'fleet manager lease',
      status: 'pass',
      says: 'held by c-1 for drain since 2026-12-04 11:30 UTC (30 minutes ago), until 2026-12-04 14:30 UTC: other maintenance of the fleet waits for it',
    });
  });
});
