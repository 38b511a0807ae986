import type { ImageSummary } from '@aws-sdk/client-imagebuilder';

import type { Finding } from '../../../cli/doctor/finding';
import {
  judgeCandidates,
  judgeLease,
  judgeLedgerTable,
  judgeRollouts,
  judgeTonight,
  STUCK_AFTER_DEADLINE_MINUTES,
  type TonightFacts,
} from '../../../cli/doctor/tonight';
import type { SuiteConfig } from '../../../functions/shared/config';
import { candidateIdFor } from '../../../functions/shared/rollout/decide';
import type { Brake, ImageRollout, Lease, Rollout } from '../../../functions/shared/rollout/model';
import { rollout } from '../../fixtures/rollout';
import { exampleWith, fleetIn } from '../plan/example-config';

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

describe('judgeTonight: the next 24 hours of plan, refined by the ledger', () => {
  const example = exampleWith();
  const TABLE = 'gitlab-runners-autopilot-ledger';
  const tonight = (
    now: string,
    state: Partial<Pick<TonightFacts, 'brakes' | 'rollouts' | 'leases'>> = {},
    config: SuiteConfig = example,
  ): Finding[] =>
    judgeTonight({
      config,
      now: new Date(now),
      configFile: FILE,
      tableName: TABLE,
      brakes: state.brakes ?? new Map(),
      rollouts: state.rollouts ?? new Map(),
      leases: state.leases ?? new Map(),
    });
  const brake = (scope: string, until: string): Map<string, Brake> =>
    new Map([
      [scope, { scope, until, reason: 'release day', who: 'alice', setAt: '2026-12-04T09:00:00.000Z' }],
    ]);
  const lines = (findings: Finding[]): string[] =>
    findings.map((f) => `${f.status} ${f.subject}: ${f.says}${f.fix ? ` | fix: ${f.fix}` : ''}`);

  const WINDOW =
    'pass fleet manager: 2026-12-05 01:00 UTC: start of a maintenance window of manager until 05:00: a drain or restart may start until 02:37';
  const JOBS_BAKE =
    'pass pipeline jobs: 2026-12-05 02:00 UTC: pipeline jobs bakes (schedule "0 2 * * *" UTC); at about 02:55 its image is staged as a candidate on launch template gitlab-runner-autoscaler for jobs-docker (recycle; its canary settings apply) and jobs-instance (natural)';
  const JOBS_PROMOTION =
    'pass launch template gitlab-runner-autoscaler: about 2026-12-05 03:01 UTC: the candidate of the 02:00 bake of jobs passes its canary and becomes the default of gitlab-runner-autoscaler: jobs-instance takes it at its next launches (natural) and jobs-docker (recycle) is replaced by a graceful restart of manager Sun 01:00 (by then the window until 05:00 has about 119 of the 145 min a drain needs); rolled back if the runner system-failure alarm of manager fires within 60 min';

  it("says the example's next day in plan's words, in UTC, leaving out what earlier bakes started (the ledger has it)", () => {
    // Friday noon: the 01:00 restart plan infers from Friday's 02:00 bake is the ledger's to tell.
    expect(lines(tonight('2026-12-04T12:00:00Z'))).toEqual([WINDOW, JOBS_BAKE, JOBS_PROMOTION]);
  });

  it('holds a promotion under a brake of one of its fleets until the brake ends, with when its manager then restarts', () => {
    const findings = tonight('2026-12-04T12:00:00Z', {
      brakes: brake('jobs-docker', '2026-12-05T06:00:00.000Z'),
    });

    expect(lines(findings)).toEqual([
      WINDOW,
      JOBS_BAKE,
      JOBS_PROMOTION,
      `warn launch template gitlab-runner-autoscaler: the emergency brake on fleet jobs-docker (set by alice: release day) is in force until 2026-12-05 06:00 UTC, past this promotion: promote (functions/shared/rollout/promotion.ts) holds the candidate in promotion-deferred, looking again every 15 minutes, and promotes it when the brake ends, at 2026-12-05 06:00 UTC; manager then restarts at 2026-12-06 01:00 UTC at the earliest | fix: when it is no longer needed: npm run unfreeze -- jobs-docker -c ${FILE}`,
    ]);
  });

  it('says when a freeze window still holds a promotion at the end of its brake', () => {
    // Friday 01:00: the 02:00 candidate's brake ends at noon, inside the Friday freeze of jobs-instance.
    const findings = tonight('2026-12-04T01:00:00Z', { brakes: brake('*', '2026-12-04T12:00:00.000Z') });

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([
      {
        area: 'tonight',
        subject: 'launch template gitlab-runner-autoscaler',
        status: 'warn',
        says: 'the emergency brake on all fleets (set by alice: release day) is in force until 2026-12-04 12:00 UTC, past this promotion: promote (functions/shared/rollout/promotion.ts) holds the candidate in promotion-deferred, looking again every 15 minutes, and when the brake ends a freeze window still holds it, until 2026-12-04 23:00 UTC; manager then restarts at 2026-12-05 01:00 UTC at the earliest',
        fix: `when it is no longer needed: npm run unfreeze -- all -c ${FILE}`,
      },
    ]);
  });

  it('holds a manager restart under a brake of the manager, not of the jobs fleet it recycles, and says which window it moves to', () => {
    // Saturday 01:30: the 02:00 candidate's restart is due Sunday 01:00, within the next 24 hours.
    const jobsBrake = tonight('2026-12-05T01:30:00Z', {
      brakes: brake('jobs-docker', '2026-12-05T02:30:00.000Z'),
    });
    const managerBrake = tonight('2026-12-05T01:30:00Z', {
      brakes: brake('manager', '2026-12-06T03:00:00.000Z'),
    });

    expect(jobsBrake.filter((f) => f.status !== 'pass')).toEqual([]);
    expect(lines(managerBrake).slice(-3)).toEqual([
      'pass fleet manager: 2026-12-06 01:00 UTC: start of a maintenance window of manager until 05:00: a drain or restart may start until 02:37',
      'pass fleet manager: 2026-12-06 01:00 UTC: manager restarts gracefully (running jobs finish), as asked when the candidate of the Sat 02:00 bake of jobs was promoted: every job instance of jobs-docker is replaced from the default of gitlab-runner-autoscaler',
      `warn fleet manager: the emergency brake on fleet manager (set by alice: release day) is in force until 2026-12-06 03:00 UTC, past the start of this restart: start-drain (functions/shared/rollout/manager.ts) holds it, looking again every 15 minutes; after the brake it starts only while a maintenance window still holds 145 min (maintenanceTiming), at 2026-12-07 01:00 UTC at the earliest | fix: when it is no longer needed: npm run unfreeze -- manager -c ${FILE}`,
    ]);
  });

  describe("a lease held into tonight's maintenance window", () => {
    const lease = (expiresAt: string, holder = 'c-old'): Map<string, Lease> =>
      new Map([
        [
          'manager',
          { fleet: 'manager', holder, action: 'drain', acquiredAt: '2026-12-04T11:00:00.000Z', expiresAt },
        ],
      ]);
    const KEY = `--key '{"pk":{"S":"FLEET#manager"},"sk":{"S":"LEASE"}}' --condition-expression 'holder = :h' --expression-attribute-values '{":h":{"S":"c-old"}}'`;

    it('warns that the drains of the window wait for it, and that one freed too late for a drain moves to the next window', () => {
      const findings = tonight('2026-12-04T12:00:00Z', { leases: lease('2026-12-05T03:30:00.000Z') });

      expect(findings.filter((f) => f.status !== 'pass')).toEqual([
        {
          area: 'tonight',
          subject: 'fleet manager lease',
          status: 'warn',
          says: 'held by c-old for drain until 2026-12-05 03:30 UTC, past the start of the maintenance window at 2026-12-05 01:00 UTC, and no rollout of manager in the ledger holds it: a drain, replacement or restart due in the window waits for it (holdLease in functions/shared/rollout/common.ts tries again every 10 minutes); free at 2026-12-05 03:30 UTC at the latest, too late for this window (maintenanceTiming: a drain needs 145 min of it): a drain starts at 2026-12-06 01:00 UTC at the earliest',
          fix: `see what c-old is: npm run ledger -- manager -c ${FILE}; only once sure nothing runs under it, free it: aws dynamodb delete-item --table-name ${TABLE} ${KEY}`,
        },
      ]);
      // Right after the window it belongs to.
      expect(findings.map((f) => f.subject).slice(0, 2)).toEqual(['fleet manager', 'fleet manager lease']);
    });

    it('says so when the window is open now and still long enough once the lease is free', () => {
      const findings = tonight('2026-12-05T01:10:00Z', { leases: lease('2026-12-05T01:40:00.000Z') });

      expect(findings.find((f) => f.status === 'warn')?.says).toBe(
        'held by c-old for drain until 2026-12-05 01:40 UTC, into the maintenance window open now, and no rollout of manager in the ledger holds it: a drain, replacement or restart due in the window waits for it (holdLease in functions/shared/rollout/common.ts tries again every 10 minutes); free at 2026-12-05 01:40 UTC at the latest, the window still holds the 145 min a drain needs then',
      );
    });

    it('says nothing more of a lease freed before the window, or held by a rollout of the manager at work', () => {
      const working = rollout({ fleet: 'manager', candidateId: 'c-old', state: 'draining' });
      const finished = { ...working, state: 'done' as const };

      expect(tonight('2026-12-04T12:00:00Z', { leases: lease('2026-12-05T00:59:00.000Z') })).toHaveLength(3);
      expect(
        tonight('2026-12-04T12:00:00Z', {
          leases: lease('2026-12-05T03:30:00.000Z'),
          rollouts: new Map([['manager', [working]]]),
        }),
      ).toHaveLength(3);
      expect(
        tonight('2026-12-04T12:00:00Z', {
          leases: lease('2026-12-05T03:30:00.000Z'),
          rollouts: new Map([['manager', [finished]]]),
        }).map((f) => f.status),
      ).toContain('warn');
    });
  });

  describe("a rollout live on the template of tonight's candidate", () => {
    // Sunday midnight: the manager pipeline bakes at 02:30; its candidate is promoted at about 03:31.
    const SUNDAY = '2026-12-06T00:00:00Z';
    const live = (over: Partial<ImageRollout>): Rollout =>
      rollout({
        fleet: 'manager',
        fleets: ['manager'],
        candidateId: 'c-7',
        amiId: 'ami-0bbbbbbbbbbbbbbb2',
        candidateVersion: 7,
        stateSince: '2026-12-05T23:00:00.000Z',
        ...over,
      });
    const alongside = (r: Rollout): string[] =>
      tonight(SUNDAY, { rollouts: new Map([['manager', [r]]]) })
        .filter((f) => f.subject === 'launch template gitlab-runner-manager')
        .slice(1)
        .map((f) => `${f.status}: ${f.says}`);
    const WHAT =
      'candidate ami-0bbbbbbbbbbbbbbb2 of pipeline manager (version 7), STATE since 2026-12-05 23:00 UTC (1 hour ago)';
    const what = (state: string) => WHAT.replace('STATE', state);

    it.each([
      [
        'testing its canary',
        { state: 'canary-testing' },
        `${what('canary-testing')}, is not promoted yet: tonight's candidate does not wait for it (stageOnTemplate in functions/shared/rollout/staging.ts), and the newer stays the default (promote in promotion.ts): promoted before tonight's candidate (about 2026-12-06 03:31 UTC), it is superseded then while it still bakes or waits for its window (supersedeOlder); promoted after, promote rejects it, the default being newer than it`,
      ],
      [
        "deferred past tonight's promotion",
        { state: 'promotion-deferred', dueAt: '2026-12-06T05:00:00.000Z' },
        `${what('promotion-deferred')}, is not promoted yet: tonight's candidate does not wait for it (stageOnTemplate in functions/shared/rollout/staging.ts), and the newer stays the default (promote in promotion.ts): its promotion is due at 2026-12-06 05:00 UTC, after tonight's at about 2026-12-06 03:31 UTC: promote then rejects it, the default being newer than it`,
      ],
      [
        'deferred until before it',
        { state: 'promotion-deferred', dueAt: '2026-12-06T01:00:00.000Z' },
        `${what('promotion-deferred')}, is not promoted yet: tonight's candidate does not wait for it (stageOnTemplate in functions/shared/rollout/staging.ts), and the newer stays the default (promote in promotion.ts): its promotion is due at 2026-12-06 01:00 UTC, before tonight's at about 2026-12-06 03:31 UTC, which then supersedes it while it still bakes or waits for its window (supersedeOlder)`,
      ],
      [
        'promoted and waiting for a later window',
        { state: 'awaiting-maintenance', dueAt: '2026-12-07T01:00:00.000Z' },
        `${what('awaiting-maintenance')}, waiting for its window until 2026-12-07 01:00 UTC: tonight's promotion at about 2026-12-06 03:31 UTC supersedes it (supersedeOlder in functions/shared/rollout/promotion.ts), so manager is replaced once, from tonight's candidate`,
      ],
      [
        'promoted and due to drain first',
        { state: 'awaiting-maintenance', dueAt: '2026-12-06T01:00:00.000Z' },
        `${what('awaiting-maintenance')}, is due to drain manager at 2026-12-06 01:00 UTC, before tonight's promotion at about 2026-12-06 03:31 UTC: it goes first under the lease, and tonight's replacement takes the lease after it (holdLease in functions/shared/rollout/common.ts tries again every 10 minutes)`,
      ],
      [
        'baking past it',
        { state: 'baking', deadline: '2026-12-06T04:00:00.000Z' },
        `${what('baking')}, baking until 2026-12-06 04:00 UTC: tonight's promotion at about 2026-12-06 03:31 UTC supersedes it (supersedeOlder in functions/shared/rollout/promotion.ts), ending its bake period`,
      ],
      [
        'draining',
        { state: 'draining' },
        `${what('draining')}, holds the lease of manager: tonight's promotion at about 2026-12-06 03:31 UTC does not end it (supersedeOlder in functions/shared/rollout/promotion.ts ends only rollouts still baking or awaiting maintenance); it finishes and bakes what it finds, and tonight's replacement takes the lease after it (holdLease in common.ts tries again every 10 minutes)`,
      ],
      [
        'rolling back',
        { state: 'rollback-replacing' },
        `${what('rollback-replacing')}, is rolling back: tonight's candidate does not wait for it (stageOnTemplate in functions/shared/rollout/staging.ts stages from the default then in place), and its promotion at about 2026-12-06 03:31 UTC does not end a rollback (supersedeOlder in promotion.ts ends only rollouts still baking or awaiting maintenance)`,
      ],
    ] as const)('says what the functions do with one %s', (_case, over, says) => {
      expect(alongside(live(over))).toEqual([`pass: ${says}`]);
    });

    it('says nothing of a rollout that is over, or done baking before the promotion', () => {
      expect(alongside(live({ state: 'done' }))).toEqual([]);
      expect(alongside(live({ state: 'baking', deadline: '2026-12-06T01:00:00.000Z' }))).toEqual([]);
    });
  });

  it("warns of each plan warning, with plan's message and how to change the windows", () => {
    const short = exampleWith((raw) => {
      fleetIn(raw, 'manager').maintenanceWindows = [{ periods: ['* 1 * * *'], timeZone: 'UTC' }];
    });

    const warnings = tonight('2026-12-04T12:00:00Z', {}, short).filter((f) => f.status === 'warn');

    expect(warnings).toEqual([
      {
        area: 'tonight',
        subject: 'fleets manager, jobs-docker',
        status: 'warn',
        says: 'no maintenance window of manager fleet manager ("* 1 * * *" UTC) is long enough for a drain, which needs 145 min: the drain bound of 135 (maxJobMinutes 120 + 15) and 10 for the replacement to start; the longest is 60 min. So manager is never drained: its own candidates are promoted but the rollout fails before its replacement, jobs-docker (recycle) is never recycled and a config change that needs a restart is never applied. Lengthen a window to at least 145 min, or lower maxJobMinutes (the drain bound is maxJobMinutes + 15 min).',
        fix: `change the windows in ${FILE} as it says, see the result with npm run plan -- ${FILE}, then npx cdk deploy --all -c config=${FILE}`,
      },
    ]);
  });
});
