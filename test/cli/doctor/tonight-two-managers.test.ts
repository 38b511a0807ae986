import type { Finding } from '../../../cli/doctor/finding';
import { judgeTonight } from '../../../cli/doctor/tonight';
import type { Brake } from '../../../functions/shared/rollout/model';
import { exampleWith, fleetIn } from '../plan/example-config';

describe('judgeTonight, one jobs template recycled by two managers', () => {
  // As in plan.test.ts: manager-b (window 03:00-06:59 UTC) runs jobs-b on the example's jobs template, recycled.
  const config = exampleWith((raw) => {
    const manager = fleetIn(raw, 'manager');
    (raw.fleets as unknown[]).push(
      {
        ...manager,
        name: 'manager-b',
        autoScalingGroup: 'gitlab-runner-manager-b',
        launchTemplate: 'gitlab-runner-manager-b',
        maintenanceWindows: [{ periods: ['* 3-6 * * *'], timeZone: 'UTC' }],
        runnerConfig: undefined,
      },
      {
        ...fleetIn(raw, 'jobs-docker'),
        name: 'jobs-b',
        autoScalingGroup: 'gitlab-runner-b',
        manager: 'manager-b',
      },
    );
  });
  const brake: Brake = {
    scope: 'jobs-b',
    until: '2026-12-05T04:00:00.000Z',
    reason: 'release day',
    who: 'alice',
    setAt: '2026-12-04T09:00:00.000Z',
  };
  const lines = (findings: Finding[]): string[] => findings.map((f) => `${f.status} ${f.subject}: ${f.says}`);

  it('does not also pass a restart at 03:01 that the brake on the promotion moves to 04:00', () => {
    const findings = judgeTonight({
      config,
      now: new Date('2026-12-04T12:00:00Z'),
      configFile: '/deploy/prod.yaml',
      tableName: 'gitlab-runners-autopilot-ledger',
      brakes: new Map([['jobs-b', brake]]),
      rollouts: new Map(),
      leases: new Map(),
    });

    // The warning says the promotion waits for 04:00 and manager-b restarts then ...
    expect(lines(findings)).toContainEqual(
      expect.stringContaining(
        '; manager-b then restarts at 2026-12-05 04:00 UTC at the earliest; manager then restarts at 2026-12-06 01:00 UTC at the earliest',
      ),
    );
    // ... so the plan's restart of manager-b right after an unbraked promotion is not what happens.
    expect(
      lines(findings).filter((l) =>
        l.startsWith('pass fleet manager-b: about 2026-12-05 03:01 UTC: manager-b restarts'),
      ),
    ).toEqual([]);
  });
});
