import { CreateDocumentCommand, SSMClient } from '@aws-sdk/client-ssm';

import { activityStarts, describeGroup, instancesInAnyGroup } from '../../functions/shared/aws/autoscaling';
import { resetCloudWatchClient } from '../../functions/shared/aws/cloudwatch-client';
import { getMetricData, type MetricStatQuery } from '../../functions/shared/aws/cloudwatch-metrics';
import { impairedInstances } from '../../functions/shared/aws/ec2';
import { recentCommandOutputs, resetSsmClient, sendCommand } from '../../functions/shared/aws/ssm';
import { activityQueries, activityOf } from '../../functions/fleet-sweeper/facts';
import { commandDocument, commandDocumentName } from '../../infra/ssm/documents';
import { MINUTE } from '../../rehearsal/fake-aws';
import { ec2Seed, warmUpEc2 } from './seed-ec2';
import { describeContract } from './targets';

/**
 * What the fleet sweeper reads besides groups and instances, held to one contract on our fake and
 * on moto: status checks, which group holds an instance, a group's scaling activities, CPU and
 * network through GetMetricData, and the job check's answers from the command history.
 */

const AMI = 'ami-0000000000000000a';
const JOB_CHECK = commandDocumentName('gitlab-runners', 'job-check');
/** The job check without its parameters: what matters here is its output, not its inputs. */
const JOB_CHECK_CONTENT = commandDocument({
  key: 'job-check',
  stepName: 'JobCheck',
  description: 'contract: the job check',
  scripts: ['lib.sh', 'job-check.sh'],
  parameters: {},
  minTimeoutSeconds: 60,
  defaultTimeoutSeconds: 120,
});

const WINDOW_MINUTES = 30;
const window = () => {
  const end = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
  return { start: new Date(end.getTime() - WINDOW_MINUTES * MINUTE), end };
};

describeContract(
  'fleet sweeper reads',
  (target) => {
    const seed = ec2Seed(target);

    beforeEach(async () => {
      resetSsmClient();
      resetCloudWatchClient();
      if (target.kind === 'fake') target.world().documents = new Map([[JOB_CHECK, JOB_CHECK_CONTENT]]);
      else
        await new SSMClient({}).send(
          new CreateDocumentCommand({
            Name: JOB_CHECK,
            DocumentType: 'Command',
            DocumentFormat: 'JSON',
            Content: JSON.stringify(JOB_CHECK_CONTENT),
          }),
        );
    });

    const groupOf = async (name: string, size: number): Promise<string[]> => {
      const { id } = await seed.template(`lt-${name}`, [AMI]);
      await seed.group({ name, templateId: id, version: '$Default', desiredCapacity: size });
      return (await describeGroup(name))?.instances.map((i) => i.instanceId) ?? [];
    };

    target.fakeOnly('ec2-status-checks')('finds no impaired instance among healthy ones', async () => {
      await groupOf('jobs', 2);

      expect(await impairedInstances()).toEqual(new Map());
    });

    target.fakeOnly('ec2-status-checks')(
      'finds an instance whose status check fails, with the time it began',
      async () => {
        const [bad] = await groupOf('jobs', 2);
        const since = Date.now() - 20 * MINUTE;
        target.world().impaired.set(bad!, { check: 'instance', since });

        expect(await impairedInstances()).toEqual(new Map([[bad, { since: new Date(since) }]]));
      },
    );

    it('tells the instances a group holds from ids no group holds', async () => {
      const ids = await groupOf('jobs', 2);

      const held = await instancesInAnyGroup([...ids, 'i-0000000000000dead']);

      expect([...held].sort()).toEqual([...ids].sort());
    });

    it('pages through more ids than one call takes (50)', async () => {
      const ids = await groupOf('jobs', 3);
      const unknown = Array.from({ length: 60 }, (_, n) => `i-${n.toString(16).padStart(17, '0')}`);

      const held = await instancesInAnyGroup([...unknown, ...ids]);

      expect(held.size).toBe(3);
    });

    target.fakeOnly('autoscaling-scaling-activities')(
      "dates each instance from its group's newest scaling activity",
      async () => {
        const [first] = await groupOf('jobs', 1);

        const starts = await activityStarts('jobs');

        expect(starts.get(first!)).toEqual(new Date(Date.now()));
      },
    );

    it('answers a metric without data with an empty series', async () => {
      const query: MetricStatQuery = {
        key: 'none',
        namespace: 'RunnerAutopilot/Contract',
        metricName: 'Nothing',
        dimensions: { fleet: 'jobs' },
        stat: 'Sum',
        periodSeconds: 300,
      };

      const series = await getMetricData([query], window());

      expect(series).toEqual(new Map([['none', { timestamps: [], values: [] }]]));
    });

    it('batches more than 500 queries (each key has its series)', async () => {
      const ids = Array.from({ length: 170 }, (_, n) => `i-${n.toString(16).padStart(17, '0')}`);

      const series = await getMetricData(ids.flatMap(activityQueries), window());

      expect(series.size).toBe(ids.length * 3);
    });

    target.fakeOnly('cloudwatch-no-ec2-metrics')(
      'shows CPU and network of an instance running a job, and a quiet one as quiet',
      async () => {
        const [busy, quiet] = await groupOf('jobs', 2);
        target.world().startJob(busy!, 120);
        jest.setSystemTime(Date.now() + WINDOW_MINUTES * MINUTE);

        const series = await getMetricData([busy!, quiet!].flatMap(activityQueries), window());

        expect(activityOf(busy!, series)).toEqual({
          cpuMaxPercent: 70,
          networkMaxBytesPerMinute: 20_000_000,
          periods: 6,
        });
        expect(activityOf(quiet!, series)).toEqual({
          cpuMaxPercent: 1,
          networkMaxBytesPerMinute: 16_000,
          periods: 6,
        });
      },
    );

    target.fakeOnly('ssm-list-command-invocations')(
      'lists each invocation of a job check sent to several instances',
      async () => {
        const ids = await groupOf('jobs', 2);
        const after = new Date(Date.now() - MINUTE);
        const { commandId } = await sendCommand({
          documentName: JOB_CHECK,
          instanceIds: ids,
          parameters: {},
          timeoutSeconds: 60,
          comment: 'fleet-sweeper jobs contract',
        });

        const outputs = await recentCommandOutputs({ documentName: JOB_CHECK, after, maxCommands: 10 });

        expect(outputs.map((o) => [o.commandId, o.instanceId]).sort()).toEqual(
          ids.map((id) => [commandId, id]).sort(),
        );
      },
    );

    target.fakeOnly('ssm-command-outcome')(
      'reads the answer each instance gave: busy with its jobs, or idle',
      async () => {
        const [busy, idle] = await groupOf('jobs', 2);
        target.world().startJob(busy!, 120);
        const after = new Date(Date.now() - MINUTE);
        await sendCommand({
          documentName: JOB_CHECK,
          instanceIds: [busy!, idle!],
          parameters: {},
          timeoutSeconds: 60,
          comment: 'fleet-sweeper jobs contract',
        });
        await target.settle();

        const outputs = await recentCommandOutputs({ documentName: JOB_CHECK, after, maxCommands: 10 });

        expect(Object.fromEntries(outputs.map((o) => [o.instanceId, [o.status, o.output]]))).toEqual({
          [busy!]: ['Success', 'JOBS 1\nRESULT busy'],
          [idle!]: ['Success', 'JOBS 0\nRESULT idle'],
        });
      },
    );
  },
  warmUpEc2,
);
