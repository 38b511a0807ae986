import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { mockClient } from 'aws-sdk-client-mock';

import type { DoctorContext } from '../../cli/doctor/doctor';
import type { Finding } from '../../cli/doctor/finding';
import { tonightCheck } from '../../cli/doctor/tonight';
import { acquireLease, createRollout, putBrake } from '../../functions/shared/ledger';
import { loadConfig } from '../../infra/load-config';
import { EXAMPLE } from '../cli/run-cli';
import {
  build,
  createLedger,
  imageArn as IMAGE_ARN,
  imageRolloutAt,
  JOBS_TEMPLATE,
  LEDGER_TABLE as TABLE,
  MANAGER_TEMPLATE,
  rolledOut as rolledOutAt,
  stubPipelines,
} from './doctor-deployment';
import { resetDoctorClients } from './doctor-fleet';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * doctor's tonight area. The ledger is a table in moto server, created from the synthesized
 * LedgerTable (as test/contract/table-targets.ts does) and written with the functions' own ledger
 * code; Image Builder is not in moto, so its reads are stubbed with aws-sdk-client-mock.
 */

const config = loadConfig(EXAMPLE);
const FILE = '/deploy/prod.yaml';
const NOW = new Date('2026-12-04T12:00:00Z');
const HOUR = 3_600_000;
const hoursAgo = (h: number): string => new Date(NOW.getTime() - h * HOUR).toISOString();

const JOBS_IMAGE = IMAGE_ARN('jobs', '1.0.1/3');
const MANAGER_IMAGE = IMAGE_ARN('manager', '1.0.1/3');

const imageBuilder = mockClient(ImagebuilderClient);

/** Each pipeline's newest image, 1.0.1/3, AVAILABLE 10 hours ago. */
const stubImages = (): void =>
  stubPipelines(imageBuilder, {
    jobs: [build('jobs', new Date(hoursAgo(10)), 'AVAILABLE', { ami: 'ami-0aaaaaaaaaaaaaaa3' })],
    manager: [build('manager', new Date(hoursAgo(10)), 'AVAILABLE', { ami: 'ami-0bbbbbbbbbbbbbbb3' })],
  });

const imageRollout = imageRolloutAt(NOW);
const rolledOut = (): Promise<void> => rolledOutAt(NOW);

const ctx: DoctorContext = { config, configFile: FILE, now: NOW, deployed: true };

/** The next 24 hours of the example's plan from Friday noon, as tonight says them. */
const TONIGHT_PLAN = [
  [
    'fleet manager',
    '2026-12-05 01:00 UTC: start of a maintenance window of manager until 05:00: a drain or restart may start until 02:37',
  ],
  [
    'pipeline jobs',
    '2026-12-05 02:00 UTC: pipeline jobs bakes (schedule "0 2 * * *" UTC); at about 02:55 its image is staged as a candidate on launch template gitlab-runner-autoscaler for jobs-docker (recycle; its canary settings apply) and jobs-instance (natural)',
  ],
  [
    `launch template ${JOBS_TEMPLATE}`,
    'about 2026-12-05 03:01 UTC: the candidate of the 02:00 bake of jobs passes its canary and becomes the default of gitlab-runner-autoscaler: jobs-instance takes it at its next launches (natural) and jobs-docker (recycle) is replaced by a graceful restart of manager Sun 01:00 (by then the window until 05:00 has about 119 of the 145 min a drain needs); rolled back if the runner system-failure alarm of manager fires within 60 min',
  ],
];
const notPassing = (findings: Finding[]): Finding[] => findings.filter((f) => f.status !== 'pass');

describeWithMoto('doctor tonight [moto + Image Builder stubbed]', () => {
  let withTable = true;
  useMotoServer({
    resetClients: resetDoctorClients,
    afterStart: async () => {
      await new DynamoDBClient({}).send(new ListTablesCommand({}));
    },
    afterReset: async () => {
      if (withTable) await createLedger();
    },
  });
  beforeEach(() => {
    imageBuilder.reset();
    imageBuilder.onAnyCommand().rejects(new Error('doctor makes no other Image Builder call'));
  });
  afterAll(() => imageBuilder.restore());

  it('passes a deployment whose templates run their newest images, with no rollout, lease or brake', async () => {
    await rolledOut();
    stubImages();

    const findings = await tonightCheck.run(ctx);

    expect(notPassing(findings)).toEqual([]);
    expect(findings.map((f) => [f.subject, f.says])).toEqual([
      [`ledger ${TABLE}`, 'the ledger table is active'],
      ['emergency brake', 'no brake in force'],
      [
        `launch template ${JOBS_TEMPLATE}`,
        'the newest image of pipeline jobs (1.0.1/3) is rolled out (done since 2026-12-04 04:00 UTC (8 hours ago)): nothing to stage until the next bake',
      ],
      [
        `launch template ${MANAGER_TEMPLATE}`,
        'the newest image of pipeline manager (1.0.1/3) is rolled out (done since 2026-12-04 04:00 UTC (8 hours ago)): nothing to stage until the next bake',
      ],
      [
        'fleet manager',
        'no rollout in progress; the last, candidate ami-0bbbbbbbbbbbbbbb3 of pipeline manager (version 7), is done since 2026-12-04 04:00 UTC (8 hours ago)',
      ],
      [
        'fleet manager lease',
        'free: a drain, restart or restarting apply may take it in a maintenance window',
      ],
      [
        'fleet jobs-instance',
        "its image rollouts are fleet jobs-docker's, which leads launch template gitlab-runner-autoscaler (the first of its fleets by name)",
      ],
      [
        'fleet jobs-docker',
        'no rollout in progress; the last, candidate ami-0aaaaaaaaaaaaaaa3 of pipeline jobs (version 7), is done since 2026-12-04 04:00 UTC (8 hours ago)',
      ],
      ...TONIGHT_PLAN,
    ]);
  });

  it('says a candidate would be staged now, and warns of a newest image that was rejected', async () => {
    await createRollout(
      TABLE,
      imageRollout(MANAGER_TEMPLATE, MANAGER_IMAGE, 'rejected', {
        reason: 'smoke check fleeting-plugin failed',
      }),
    );
    stubImages();

    const findings = await tonightCheck.run(ctx);

    // The candidates, before the plan's promotion on the jobs template.
    expect(findings.filter((f) => f.subject.startsWith('launch template')).slice(0, 2)).toEqual([
      {
        area: 'tonight',
        subject: `launch template ${JOBS_TEMPLATE}`,
        status: 'pass',
        says: 'a candidate would be staged now: the newest image of pipeline jobs (1.0.1/3, ami-0aaaaaaaaaaaaaaa3) has no rollout here yet; stage-candidate takes it from its image event, or the reconciler within 5 minutes',
      },
      {
        area: 'tonight',
        subject: `launch template ${MANAGER_TEMPLATE}`,
        status: 'warn',
        says: 'the newest image of pipeline manager (1.0.1/3) was rejected at 2026-12-04 04:00 UTC: smoke check fleeting-plugin failed; the default stays as it is until the next bake',
        fix: `read why: npm run ledger -- manager -c ${FILE}`,
      },
    ]);
  });

  it('warns when the reconciler holds a newest image because the template already took a newer one', async () => {
    // A later image (build 4) was staged and then disappeared from the pipeline's list; build 3
    // is the newest listed, but the template already saw something newer.
    const later = IMAGE_ARN('jobs', '1.0.1/4');
    await createRollout(
      TABLE,
      imageRollout(JOBS_TEMPLATE, later, 'done', {
        history: [{ at: hoursAgo(2), state: 'staged', note: 'candidate version 8 created' }],
      }),
    );
    await createRollout(TABLE, imageRollout(MANAGER_TEMPLATE, MANAGER_IMAGE, 'done'));
    stubImages();

    const findings = await tonightCheck.run(ctx);

    expect(notPassing(findings)).toEqual([
      {
        area: 'tonight',
        subject: `launch template ${JOBS_TEMPLATE}`,
        status: 'warn',
        says: `the newest image of pipeline jobs (1.0.1/3) is not staged, and the reconciler holds it: launch template ${JOBS_TEMPLATE} already saw ${later}, not older than ${JOBS_IMAGE}: announcing it would roll the template back`,
        fix: `a person decides: read the template's rollouts with npm run ledger -- jobs-docker -c ${FILE}, then bake again (npm run bake -- jobs -c ${FILE}) or roll back`,
      },
    ]);
  });

  it('warns of brakes in force, a rollout stuck past its deadline and a lease left expired; a live rollout on time passes', async () => {
    await createRollout(
      TABLE,
      imageRollout(MANAGER_TEMPLATE, MANAGER_IMAGE, 'draining', {
        stateSince: hoursAgo(5),
        deadline: hoursAgo(1),
        history: [{ at: hoursAgo(5), state: 'draining', note: 'drain command sent to i-0manager' }],
      }),
    );
    await createRollout(
      TABLE,
      imageRollout(JOBS_TEMPLATE, JOBS_IMAGE, 'promotion-deferred', {
        stateSince: hoursAgo(1),
        deadline: new Date(NOW.getTime() + 24 * HOUR).toISOString(),
        dueAt: '2026-12-04T22:00:00.000Z',
        history: [
          { at: hoursAgo(1), state: 'promotion-deferred', note: 'freeze window until 23:00 Europe/Berlin' },
        ],
      }),
    );
    await acquireLease(TABLE, {
      fleet: 'manager',
      holder: 'c-old',
      action: 'drain',
      now: new Date(NOW.getTime() - 6 * HOUR),
      ttlMinutes: 180,
    });
    await putBrake(TABLE, {
      scope: '*',
      until: '2026-12-05T08:00:00.000Z',
      reason: 'release day',
      who: 'alice',
      setAt: hoursAgo(2),
    });
    await putBrake(TABLE, {
      scope: 'jobs-docker',
      until: hoursAgo(1),
      reason: 'ended brake, kept until the TTL removes it',
      who: 'bob',
      setAt: hoursAgo(20),
    });
    stubImages();

    const findings = await tonightCheck.run(ctx);

    expect(notPassing(findings)).toEqual([
      {
        area: 'tonight',
        subject: 'all fleets',
        status: 'warn',
        says: 'frozen until 2026-12-05 08:00 UTC by alice: release day; promotions, drains, manager restarts and config applies wait until then (rollbacks still run)',
        fix: `when it is no longer needed: npm run unfreeze -- all -c ${FILE}`,
      },
      {
        area: 'tonight',
        subject: 'fleet manager',
        status: 'warn',
        says: 'candidate ami-0bbbbbbbbbbbbbbb3 of pipeline manager (version 7) is draining since 2026-12-04 07:00 UTC (5 hours ago), 1 hour past its deadline: the reconciler (every 5 minutes) should have moved it on or failed it: drain command sent to i-0manager',
        fix: `read its history: npm run ledger -- manager -c ${FILE}; then look at the errors of the reconciler function of stack gitlab-runners-autopilot`,
      },
      {
        area: 'tonight',
        subject: 'fleet manager lease',
        status: 'warn',
        says: 'c-old took it for drain and it expired 3 hours ago without being released: its holder stopped before the end (the next drain takes it over)',
        fix: `see where c-old stopped: npm run ledger -- manager -c ${FILE}`,
      },
      {
        area: 'tonight',
        subject: `launch template ${JOBS_TEMPLATE}`,
        status: 'warn',
        says: 'the emergency brake on all fleets (set by alice: release day) is in force until 2026-12-05 08:00 UTC, past this promotion: promote (functions/shared/rollout/promotion.ts) holds the candidate in promotion-deferred, looking again every 15 minutes, and promotes it when the brake ends, at 2026-12-05 08:00 UTC; manager then restarts at 2026-12-06 01:00 UTC at the earliest',
        fix: `when it is no longer needed: npm run unfreeze -- all -c ${FILE}`,
      },
    ]);
    expect(findings).toContainEqual({
      area: 'tonight',
      subject: 'fleet jobs-docker',
      status: 'pass',
      says: 'candidate ami-0aaaaaaaaaaaaaaa3 of pipeline jobs (version 7) is promotion-deferred since 2026-12-04 11:00 UTC (1 hour ago), next step due 2026-12-04 22:00 UTC: freeze window until 23:00 Europe/Berlin',
    });
  });

  it("refines the plan's next day by the ledger: a brake over the promotion, a rollout on the template, a lease held into the window", async () => {
    await rolledOut();
    await createRollout(
      TABLE,
      imageRollout(JOBS_TEMPLATE, IMAGE_ARN('jobs', '1.0.1/2'), 'promotion-deferred', {
        amiId: 'ami-0aaaaaaaaaaaaaaa2',
        candidateVersion: 6,
        stateSince: hoursAgo(9),
        dueAt: '2026-12-04T22:00:00.000Z',
        deadline: '2026-12-05T22:00:00.000Z',
      }),
    );
    await putBrake(TABLE, {
      scope: 'jobs-docker',
      until: '2026-12-05T06:00:00.000Z',
      reason: 'release day',
      who: 'alice',
      setAt: hoursAgo(1),
    });
    await acquireLease(TABLE, {
      fleet: 'manager',
      holder: 'c-old',
      action: 'drain',
      now: new Date(NOW.getTime() - HOUR),
      ttlMinutes: 16.5 * 60,
    });
    stubImages();

    const findings = await tonightCheck.run(ctx);

    const [window, ...tonight] = TONIGHT_PLAN.map(([subject, says]) => [subject, 'pass', says]);
    const plan = findings.slice(findings.findIndex((f) => f.says === window?.[2]));
    expect(plan.map(({ subject, status, says }) => [subject, status, says])).toEqual([
      window,
      [
        'fleet manager lease',
        'warn',
        'held by c-old for drain until 2026-12-05 03:30 UTC, past the start of the maintenance window at 2026-12-05 01:00 UTC, and no rollout of manager in the ledger holds it: a drain, replacement or restart due in the window waits for it (holdLease in functions/shared/rollout/common.ts tries again every 10 minutes); free at 2026-12-05 03:30 UTC at the latest, too late for this window (maintenanceTiming: a drain needs 145 min of it): a drain starts at 2026-12-06 01:00 UTC at the earliest',
      ],
      ...tonight,
      [
        `launch template ${JOBS_TEMPLATE}`,
        'warn',
        'the emergency brake on fleet jobs-docker (set by alice: release day) is in force until 2026-12-05 06:00 UTC, past this promotion: promote (functions/shared/rollout/promotion.ts) holds the candidate in promotion-deferred, looking again every 15 minutes, and promotes it when the brake ends, at 2026-12-05 06:00 UTC; manager then restarts at 2026-12-06 01:00 UTC at the earliest',
      ],
      [
        `launch template ${JOBS_TEMPLATE}`,
        'pass',
        "candidate ami-0aaaaaaaaaaaaaaa2 of pipeline jobs (version 6), promotion-deferred since 2026-12-04 03:00 UTC (9 hours ago), is not promoted yet: tonight's candidate does not wait for it (stageOnTemplate in functions/shared/rollout/staging.ts), and the newer stays the default (promote in promotion.ts): its promotion is due at 2026-12-04 22:00 UTC, before tonight's at about 2026-12-05 03:01 UTC, which then supersedes it while it still bakes (supersedeOlder)",
      ],
    ]);
  });

  describe('before the autopilot stack is deployed', () => {
    beforeAll(() => {
      withTable = false;
    });
    afterAll(() => {
      withTable = true;
    });

    it('fails on the missing ledger table with the deploy that creates it, and reads nothing else', async () => {
      const findings = await tonightCheck.run(ctx);

      expect(findings).toEqual([
        {
          area: 'tonight',
          subject: `ledger ${TABLE}`,
          status: 'fail',
          says: 'the ledger table does not exist, so no rollout, restart or config apply can start: the autopilot stack is not deployed',
          fix: `npx cdk deploy --all -c config=${FILE}`,
        },
      ]);
      expect(imageBuilder.calls()).toHaveLength(0);
    });
  });
});
