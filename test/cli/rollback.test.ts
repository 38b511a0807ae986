import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';

import { resetEventBridgeClient } from '../../functions/shared/aws/eventbridge';
import { EXAMPLE, EXAMPLE_TARGET, runCli } from './run-cli';

const eventBridge = mockClient(EventBridgeClient);

describe('rollback', () => {
  beforeEach(() => {
    eventBridge.reset();
    resetEventBridgeClient();
    eventBridge.onAnyCommand().rejects(new Error('unexpected AWS call'));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
  });

  it('refuses without --yes when stdin is not a terminal, and sends nothing', async () => {
    const result = await runCli(['rollback', 'jobs-docker', '-c', EXAMPLE]);

    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      EXAMPLE_TARGET,
      'not rolling back jobs-docker: stdin is not a terminal, so pass --yes to confirm',
    ]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });

  it('asks on a terminal and sends nothing unless the answer is yes', async () => {
    const result = await runCli(['rollback', 'jobs-docker', '-c', EXAMPLE], {
      interactive: true,
      answers: ['n'],
    });

    expect(result.questions).toEqual([
      'Roll back fleet jobs-docker of gitlab-runners to its previous launch template version? [y/N] ',
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toEqual([EXAMPLE_TARGET, 'not rolled back']);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });

  it('puts Rollback Requested on the deployment bus once confirmed on a terminal', async () => {
    const result = await runCli(['rollback', 'jobs-docker', '-c', EXAMPLE, '--reason', 'bad image'], {
      interactive: true,
      answers: ['yes'],
    });

    expect(result.code).toBe(0);
    expect(result.out).toEqual(['Rollback Requested for jobs-docker: event evt-1']);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'gitlab-runners-autopilot',
          DetailType: 'Rollback Requested',
          Detail: expect.stringContaining('"fleet":"jobs-docker"'),
        }),
      ],
    });
  });

  it('puts it without asking with --yes', async () => {
    const result = await runCli(['rollback', 'jobs-docker', '-c', EXAMPLE, '--yes']);

    expect(result.code).toBe(0);
    expect(result.questions).toEqual([]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('prints the event and sends nothing with --dry-run', async () => {
    const result = await runCli(['rollback', 'jobs-docker', '-c', EXAMPLE, '--dry-run', '--reason', 'drill']);

    expect(result.code).toBe(0);
    expect(result.out).toEqual([
      expect.stringMatching(
        /^dry run: would put Rollback Requested for jobs-docker on gitlab-runners-autopilot: \{"fleet":"jobs-docker","reason":"drill","idempotencyKey":"cli:[0-9a-f-]+"\}$/,
      ),
    ]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });

  it('says access denied in one line naming the action', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(
        Object.assign(
          new Error(
            'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-2:123456789012:event-bus/gitlab-runners-autopilot',
          ),
          { name: 'AccessDeniedException' },
        ),
      );

    const result = await runCli(['rollback', 'jobs-docker', '-c', EXAMPLE, '--yes']);

    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      EXAMPLE_TARGET,
      "access denied for events:PutEvents: use a role that allows events:PutEvents on this deployment's resources (AWS said: User: arn:aws:iam::123456789012:user/ops is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-2:123456789012:event-bus/gitlab-runners-autopilot)",
    ]);
  });
});
