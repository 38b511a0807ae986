import type { Finding } from '../../../cli/doctor/finding';
import { judgeTonight } from '../../../cli/doctor/tonight';
import type { Brake } from '../../../functions/shared/rollout/model';
import { twoManagersOnOneJobsTemplate } from '../plan/example-config';

describe('judgeTonight, one jobs template recycled by two managers', () => {
  const config = twoManagersOnOneJobsTemplate();
  const brakeOn = (scope: string, until: string): Brake => ({
    scope,
    until,
    reason: `INC on ${scope}`,
    who: 'alice',
    setAt: '2026-12-04T09:00:00.000Z',
  });
  const lines = (findings: Finding[]): string[] => findings.map((f) => `${f.status} ${f.subject}: ${f.says}`);

  it('does not also pass a restart at 03:01 that the brake on the promotion moves to 04:00', () => {
    const findings = judgeTonight({
      config,
      now: new Date('2026-12-04T12:00:00Z'),
      configFile: '/deploy/prod.yaml',
      tableName: 'gitlab-runners-autopilot-ledger',
      brakes: new Map([['jobs-b', brakeOn('jobs-b', '2026-12-05T04:00:00.000Z')]]),
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

  it("still tells of the manager's own brake, which holds its restart past the promotion's brake and past tonight's window", () => {
    const findings = judgeTonight({
      config,
      now: new Date('2026-12-04T12:00:00Z'),
      configFile: '/deploy/prod.yaml',
      tableName: 'gitlab-runners-autopilot-ledger',
      brakes: new Map([
        ['jobs-b', brakeOn('jobs-b', '2026-12-05T04:00:00.000Z')],
        // manager-b's own brake outlasts its window tonight: its restart cannot come at 04:00.
        ['manager-b', brakeOn('manager-b', '2026-12-05T12:00:00.000Z')],
      ]),
      rollouts: new Map(),
      leases: new Map(),
    });

    // Either the promotion's warning does not promise the restart at 04:00, or a finding names
    // manager-b's brake as what holds the restart: the doctor must not say "restarts at 04:00" alone.
    const all = lines(findings);
    const promisesFour = all.some((l) =>
      l.includes('manager-b then restarts at 2026-12-05 04:00 UTC at the earliest'),
    );
    const namesManagerBrake = all.some(
      (l) => l.startsWith('warn fleet manager-b') && l.includes('the emergency brake on fleet manager-b'),
    );
    expect({ promisesFour, namesManagerBrake }).toEqual({ promisesFour: false, namesManagerBrake: true });
  });
});
