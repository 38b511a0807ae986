import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';

import {
  atExpression,
  deleteSchedule,
  resetSchedulerClient,
  scheduleName,
  scheduleOnce,
} from '../../../../functions/shared/aws/scheduler';

const scheduler = mockClient(SchedulerClient);
const TARGET = 'arn:aws:lambda:us-east-2:123456789012:function:runner-autopilot-canary-check';
const ROLE = 'arn:aws:iam::123456789012:role/runner-autopilot-scheduler';
const DLQ = 'arn:aws:sqs:us-east-2:123456789012:runner-autopilot-scheduler-dlq';
const VALID = /^[0-9a-zA-Z_.-]{1,64}$/;

describe('scheduler adapter', () => {
  beforeEach(() => {
    scheduler.reset();
    scheduler.onAnyCommand().rejects(new Error('unexpected command'));
    resetSchedulerClient();
  });

  describe('scheduleOnce', () => {
    const input = {
      name: 'canary-check-lt-1-10',
      groupName: 'runner-autopilot',
      at: new Date('2026-11-30T03:15:42.789Z'),
      targetArn: TARGET,
      roleArn: ROLE,
      input: { candidate: 10, idempotencyKey: 'k-1' },
      deadLetterArn: DLQ,
      description: 'check the canary of lt-1 v10',
    };

    it('creates a one-time UTC schedule that deletes itself after it ran', async () => {
      scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });

      await expect(scheduleOnce(input)).resolves.toEqual({ created: true });
      expect(scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input).toEqual({
        Name: 'canary-check-lt-1-10',
        GroupName: 'runner-autopilot',
        ScheduleExpression: 'at(2026-11-30T03:15:42)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Description: 'check the canary of lt-1 v10',
        Target: {
          Arn: TARGET,
          RoleArn: ROLE,
          Input: '{"candidate":10,"idempotencyKey":"k-1"}',
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: DLQ },
        },
      });
    });

    it('leaves the dead-letter queue out when none is given', async () => {
      scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });

      await scheduleOnce({ ...input, deadLetterArn: undefined });

      expect(scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input.Target).not.toHaveProperty(
        'DeadLetterConfig',
      );
    });

    it('returns created:false when a schedule of that name already exists', async () => {
      scheduler.on(CreateScheduleCommand).rejects(
        new ConflictException({
          message: 'Schedule canary-check-lt-1-10 already exists.',
          Message: 'Schedule canary-check-lt-1-10 already exists.',
          $metadata: {},
        }),
      );

      await expect(scheduleOnce(input)).resolves.toEqual({ created: false });
    });

    it('rethrows other errors unchanged', async () => {
      const error = new ValidationException({ message: 'bad', Message: 'bad', $metadata: {} });
      scheduler.on(CreateScheduleCommand).rejects(error);

      await expect(scheduleOnce(input)).rejects.toBe(error);
    });

    it.each(['', 'x'.repeat(65), 'has space', 'slash/name'])(
      'throws without calling AWS for the name %j',
      async (name) => {
        await expect(scheduleOnce({ ...input, name })).rejects.toThrow(/not valid/);

        expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
      },
    );

    it('throws without calling AWS for an invalid group name', async () => {
      await expect(scheduleOnce({ ...input, groupName: 'a b' })).rejects.toThrow(/group name/);

      expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
    });

    it('throws without calling AWS for an invalid date', async () => {
      await expect(scheduleOnce({ ...input, at: new Date('nope') })).rejects.toThrow(/invalid Date/);

      expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
    });
  });

  describe('atExpression', () => {
    it.each([
      ['2026-01-02T03:04:05.000Z', 'at(2026-01-02T03:04:05)'],
      ['2026-12-31T23:59:59.999Z', 'at(2026-12-31T23:59:59)'],
      ['2026-06-01T12:00:00+02:00', 'at(2026-06-01T10:00:00)'],
    ])('formats %s as %s in UTC', (iso, expected) => {
      expect(atExpression(new Date(iso))).toBe(expected);
    });
  });

  describe('scheduleName', () => {
    it('joins short valid parts as they are', () => {
      expect(scheduleName(['canary-check', 'lt-0123', '10'])).toBe('canary-check-lt-0123-10');
    });

    it('hashes long input into a valid, deterministic name with a readable prefix', () => {
      const parts = [
        'canary-check',
        'arn:aws:ec2:us-east-2:123456789012:launch-template/lt-0123456789abcdef0',
        '10',
      ];

      const name = scheduleName(parts);

      expect(name).toMatch(VALID);
      expect(name).toHaveLength(64);
      expect(name.startsWith('canary-check-arn_aws_ec2_us-east-2_')).toBe(true);
      expect(scheduleName([...parts])).toBe(name);
      expect(scheduleName([...parts.slice(0, 2), '11'])).not.toBe(name);
    });

    it.each([[['a b']], [['ünïcödé']], [['x'.repeat(64), 'y']], [['']], [[]], [['///']]])(
      'makes a valid name of %j',
      (parts) => {
        expect(scheduleName(parts)).toMatch(VALID);
      },
    );

    it('tells apart inputs that sanitise to the same text', () => {
      expect(scheduleName(['a b'])).not.toBe(scheduleName(['a:b']));
    });
  });

  describe('deleteSchedule', () => {
    it('deletes the schedule of the group', async () => {
      scheduler.on(DeleteScheduleCommand).resolves({});

      await deleteSchedule('canary-check-lt-1-10', 'runner-autopilot');

      expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, {
        Name: 'canary-check-lt-1-10',
        GroupName: 'runner-autopilot',
      });
    });

    it('is done when the schedule is already gone', async () => {
      scheduler
        .on(DeleteScheduleCommand)
        .rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));

      await expect(deleteSchedule('canary-check-lt-1-10')).resolves.toBeUndefined();
    });

    it('rethrows other errors unchanged', async () => {
      const error = new ConflictException({ message: 'busy', Message: 'busy', $metadata: {} });
      scheduler.on(DeleteScheduleCommand).rejects(error);

      await expect(deleteSchedule('canary-check-lt-1-10')).rejects.toBe(error);
    });
  });
});
