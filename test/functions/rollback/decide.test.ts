import fc from 'fast-check';
import * as v from '../../../functions/shared/valibot';

import { decideRollback } from '../../../functions/rollback/decide';
import { RollbackInput } from '../../../functions/rollback/schema';
import { Fleet } from '../../../functions/shared/fleet';
import { JOBS_DOCKER_FLEET, JOBS_INSTANCE_FLEET, MANAGER_FLEET } from '../../fixtures/rollout-settings';
import { fixture } from '../../helpers/fixtures';

const SYSTEM_FAILURES = 'gitlab-runners-autopilot-manager-runner-system-failures';
const FLEETS = [
  v.parse(Fleet, { ...MANAGER_FLEET, rollbackAlarms: [SYSTEM_FAILURES] }),
  v.parse(Fleet, { ...JOBS_INSTANCE_FLEET, rollbackAlarms: [SYSTEM_FAILURES, 'jobs-errors'] }),
  v.parse(Fleet, JOBS_DOCKER_FLEET),
];

const alarm = (alarmName: string, value: string) => {
  const raw = fixture<{ detail: { alarmName: string; state: { value: string } } }>(
    'cloudwatch/alarm-state-change.alarm.json',
  );
  raw.detail.alarmName = alarmName;
  raw.detail.state.value = value;
  return v.parse(RollbackInput, raw);
};

describe('decideRollback', () => {
  it.each([
    [SYSTEM_FAILURES, 'ALARM', ['manager', 'jobs-instance']],
    ['jobs-errors', 'ALARM', ['jobs-instance']],
    ['unrelated', 'ALARM', []],
    [SYSTEM_FAILURES, 'OK', []],
    [SYSTEM_FAILURES, 'INSUFFICIENT_DATA', []],
  ])('an alarm %s in %s concerns %j', (alarmName, value, fleets) => {
    const decision = decideRollback(alarm(alarmName, value), FLEETS);

    expect(decision).toEqual({ source: 'alarm', fleets, reason: `alarm ${alarmName} is ${value}` });
  });

  it('a request concerns its fleet, for its reason', () => {
    const event = v.parse(RollbackInput, fixture('runner-autopilot/rollback-requested.json'));

    const decision = decideRollback(event, FLEETS);

    expect(decision).toEqual({
      source: 'request',
      fleets: ['jobs-docker'],
      reason: 'jobs fail with runner_system_failure since the nightly image (requested by ops)',
    });
  });

  it('never concerns a fleet that does not roll back on the alarm', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(SYSTEM_FAILURES, 'jobs-errors', 'other'),
        fc.string(),
        (alarmName, value) => {
          const decision = decideRollback(alarm(alarmName, value), FLEETS);

          for (const name of decision.fleets)
            expect(FLEETS.find((f) => f.name === name)?.rollbackAlarms).toContain(alarmName);
        },
      ),
    );
  });
});
