import type { InstanceSpan, RehearsalResult } from '../../rehearsal/result';

const FROM = Date.parse('2026-12-08T18:00:00Z');
const MINUTE = 60_000;
const at = (minutes: number): string => new Date(FROM + minutes * MINUTE).toISOString();

/** A log line that would be markup if the report did not escape it. */
export const HOSTILE = `<img src="https://evil.example/x.png" onerror="alert(1)"><script>alert('x')</script>&amp;`;

/**
 * A built night of `jobInstances` job instances (each with `jobsEach` jobs), one manager replaced
 * on a new image, a canary, a killed job, two rollouts (one rolled back, one unfinished), an
 * alert, a violation and hostile text in every field a log or config can reach.
 */
export const builtResult = ({
  jobInstances = 20,
  jobsEach = 3,
  timelineEntries = 40,
} = {}): RehearsalResult => {
  const jobs: InstanceSpan[] = Array.from({ length: jobInstances }, (_, n) => {
    const launched = (n * 7) % 600;
    return {
      id: `i-${(0x1000 + n).toString(16).padStart(17, '0')}`,
      group: 'gitlab-runner-jobs',
      role: 'job',
      imageId: n % 3 === 2 ? 'ami-0new' : 'ami-0old',
      launchedAt: at(launched),
      ...(n % 4 === 0 ? {} : { endedAt: at(launched + 180) }),
      jobs: Array.from({ length: jobsEach }, (_, k) => ({
        id: `job-${n}-${k}`,
        startedAt: at(launched + 5 + k * 40),
        endedAt: at(launched + 30 + k * 40),
        ...(n === 1 && k === 0 ? { killedAt: at(launched + 30) } : {}),
      })),
    };
  });
  return {
    config: `config/${HOSTILE}.yaml`,
    from: at(0),
    until: at(14 * 60),
    faults: ['--fail health', `--alarm ${HOSTILE}`],
    timeline: Array.from({ length: timelineEntries }, (_, n) => ({
      at: at(n * 10),
      service: n === 0 ? HOSTILE : 'reconciler',
      via: 'reconciler schedule',
      attempt: n === 1 ? 1 : 0,
      outcome: n === 0 ? HOSTILE : 'reconciled',
      said: n === 0 ? [HOSTILE, 'second line'] : ['reconciled'],
    })),
    instances: [
      {
        id: 'i-00000000000000003',
        group: 'gitlab-runner-manager',
        role: 'manager',
        imageId: 'ami-0old',
        launchedAt: at(0),
        endedAt: at(9 * 60),
        jobs: [],
      },
      {
        id: 'i-00000000000000009',
        group: 'gitlab-runner-manager',
        role: 'manager',
        imageId: 'ami-0new',
        launchedAt: at(9 * 60 + 2),
        jobs: [],
      },
      {
        id: 'i-00000000000000007',
        role: 'canary',
        imageId: 'ami-0new',
        launchedAt: at(8 * 60),
        endedAt: at(8 * 60 + 6),
        jobs: [],
      },
      ...jobs,
    ],
    rollouts: [
      {
        fleet: 'jobs-docker',
        fleets: ['jobs-docker', 'jobs-instance'],
        kind: 'rollout',
        candidateId: 'c1',
        states: [
          { at: at(8 * 60), state: 'staged', note: 'version 2' },
          { at: at(8 * 60), state: 'canary-booting', note: HOSTILE },
          { at: at(8 * 60 + 4), state: 'canary-testing', note: 'smoke test sent' },
          { at: at(8 * 60 + 6), state: 'baking', note: 'default is now version 2' },
          { at: at(8 * 60 + 30), state: 'rolled-back', note: 'alarm fired' },
        ],
      },
      {
        fleet: 'manager',
        fleets: ['manager'],
        kind: 'restart',
        candidateId: 'c2',
        states: [{ at: at(8 * 60 + 30), state: 'awaiting-maintenance', note: 'waiting for the window' }],
      },
    ],
    fleets: [
      { fleet: HOSTILE, bakes: 1, candidates: 1, promotions: 1, rollbacks: 1, drains: 2, replacements: 1 },
    ],
    alerts: [{ at: at(8 * 60 + 30), subject: `Rolled back ${HOSTILE}`, text: `line one\n${HOSTILE}` }],
    apiCalls: {
      reconciler: { 'dynamodb:Query': 372, DescribeLaunchTemplates: 48 },
      [HOSTILE]: { [HOSTILE]: 1 },
    },
    jobs: { started: jobInstances * jobsEach, finished: jobInstances * jobsEach - 1, waitingAtEnd: 0 },
    safety: {
      jobsKilled: 1,
      mostManagers: { 'gitlab-runner-manager': 2 },
      rolloutsUnfinished: 1,
      violations: [`two managers at once: ${HOSTILE}`],
    },
    ok: false,
  };
};
