import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';

import { deleteSchedule, scheduleOnce } from '../../functions/shared/aws/scheduler';
import { describeContract } from './targets';

/**
 * One-time schedules as the rollout and the alert re-checks use them (scheduleOnce, then
 * deleteSchedule), held to one contract on the scenario fake and on moto server.
 */

const AT = new Date('2026-11-03T02:00:00Z');
const once = (name: string) =>
  scheduleOnce({
    name,
    at: AT,
    targetArn: 'arn:aws:lambda:us-east-2:123456789012:function:gitlab-runners-rollout-step',
    roleArn: 'arn:aws:iam::123456789012:role/scheduler',
    input: { fleet: 'manager', candidateId: 'c0ffee', step: 'canary-check' },
  });

describeContract('one-time schedules', (target) => {
  it('creates a schedule once: the same name again creates nothing and reports it', async () => {
    const first = await once('rollout-c0ffee-canary-check');
    const again = await once('rollout-c0ffee-canary-check');

    expect([first, again]).toEqual([{ created: true }, { created: false }]);
  });

  it('frees the name when the schedule is deleted, and deleting one already gone is done', async () => {
    await once('rollout-c0ffee-bake-end');

    await deleteSchedule('rollout-c0ffee-bake-end');
    await deleteSchedule('rollout-c0ffee-bake-end');

    expect(await once('rollout-c0ffee-bake-end')).toEqual({ created: true });
  });

  target.fakeOnly('scheduler-unvalidated')(
    'refuses a schedule name outside 1-64 characters of [0-9a-zA-Z-_.] with ValidationException',
    async () => {
      const create = new SchedulerClient({}).send(
        new CreateScheduleCommand({
          Name: 'rollout c0ffee!',
          ScheduleExpression: 'at(2026-11-03T02:00:00)',
          ActionAfterCompletion: 'DELETE',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: 'arn:aws:lambda:us-east-2:123456789012:function:f',
            RoleArn: 'arn:aws:iam::123456789012:role/r',
          },
        }),
      );

      await expect(create).rejects.toMatchObject({ name: 'ValidationException' });
    },
  );
});
