import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';

import { alarmStates } from '../../../../functions/shared/aws/cloudwatch';
import { inTurn } from '../../../helpers/in-turn';
import { resetCloudWatchClient } from '../../../../functions/shared/aws/cloudwatch-client';

const cloudWatch = mockClient(CloudWatchClient);

const names = (n: number) => Array.from({ length: n }, (_, i) => `runner-autopilot-alarm-${i}`);

describe('cloudwatch adapter', () => {
  beforeEach(() => {
    cloudWatch.reset();
    cloudWatch.onAnyCommand().rejects(new Error('unexpected command'));
    resetCloudWatchClient();
  });

  it('returns metric and composite alarm states over every page', async () => {
    const { sent, fake } = inTurn([
      {
        MetricAlarms: [
          {
            AlarmName: 'jobs-idle-capacity',
            StateValue: 'ALARM',
            StateReason: 'Threshold Crossed',
            StateUpdatedTimestamp: new Date('2026-11-30T03:00:00Z'),
          },
        ],
        NextToken: 'p2',
      },
      { CompositeAlarms: [{ AlarmName: 'fleet-health', StateValue: 'OK' }] },
    ]);
    cloudWatch.on(DescribeAlarmsCommand).callsFake(fake);

    const states = await alarmStates(['jobs-idle-capacity', 'fleet-health', 'no-such-alarm']);

    expect(states).toEqual({
      'jobs-idle-capacity': {
        state: 'ALARM',
        reason: 'Threshold Crossed',
        updatedAt: new Date('2026-11-30T03:00:00Z'),
      },
      'fleet-health': { state: 'OK', reason: undefined, updatedAt: undefined },
    });
    const first = {
      AlarmNames: ['jobs-idle-capacity', 'fleet-health', 'no-such-alarm'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: 100,
    };
    expect(sent).toEqual([
      { ...first, NextToken: undefined },
      { ...first, NextToken: 'p2' },
    ]);
  });

  it('asks for at most 100 alarm names per call', async () => {
    const { sent, fake } = inTurn([{}, {}]);
    cloudWatch.on(DescribeAlarmsCommand).callsFake(fake);
    const wanted = names(120);

    await alarmStates(wanted);

    expect(sent).toEqual([
      expect.objectContaining({ AlarmNames: wanted.slice(0, 100) }),
      expect.objectContaining({ AlarmNames: wanted.slice(100) }),
    ]);
  });

  it('makes no call for no names', async () => {
    await expect(alarmStates([])).resolves.toEqual({});

    expect(cloudWatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 0);
  });

  it.each([{}, { MetricAlarms: [], CompositeAlarms: [] }, { MetricAlarms: [{}], CompositeAlarms: [{}] }])(
    'returns no state for the empty answer %j',
    async (answer) => {
      cloudWatch.on(DescribeAlarmsCommand).resolves(answer);

      await expect(alarmStates(['a'])).resolves.toEqual({});
    },
  );

  it('rethrows SDK errors unchanged', async () => {
    const error = new Error('throttled');
    cloudWatch.on(DescribeAlarmsCommand).rejects(error);

    await expect(alarmStates(['a'])).rejects.toBe(error);
  });
});
