import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';

import { accountCheck, judgeWebhookConcurrency } from '../../../cli/doctor/account';
import { resetDoctorLambdaClient } from '../../../cli/doctor/aws/lambda';
import { resetCloudFormationClient } from '../../../cli/doctor/aws/stack';
import { loadConfig } from '../../../infra/load-config';
import { EXAMPLE } from '../run-cli';

const FILE = 'deploy/prod.yaml';

describe('judgeWebhookConcurrency', () => {
  it.each([
    // unreserved, current, configured, left
    [900, 0, 50, 850, 'pass'],
    [150, 0, 50, 100, 'pass'],
    [150, 0, 51, 99, 'fail'],
    [100, 30, 30, 100, 'pass'],
    [100, 30, 31, 99, 'fail'],
  ])(
    '%i unreserved with %i reserved now and %i configured leaves %i: %s',
    (unreserved, current, configured, left, status) => {
      const finding = judgeWebhookConcurrency(configured, { unreserved, current, total: 1000 }, FILE);

      expect(finding.status).toBe(status);
      expect(finding.says).toContain(`leave${status === 'pass' ? 's' : ''} ${left} of 1000 unreserved`);
    },
  );

  it('says to remove the reservation when no reservation fits', () => {
    const finding = judgeWebhookConcurrency(10, { unreserved: 100, current: 0, total: 100 }, FILE);

    expect(finding.fix).toBe(
      `remove gitlab.webhook.reservedConcurrency from ${FILE}; or raise the account's quota: aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 110`,
    );
  });
});

/** moto has no GetAccountSettings (HTTP 404): the area's calls run here on mocked clients too. */
describe('accountCheck (mocked)', () => {
  const lambda = mockClient(LambdaClient);
  const cloudFormation = mockClient(CloudFormationClient);

  beforeEach(() => {
    lambda.reset();
    cloudFormation.reset();
    resetDoctorLambdaClient();
    resetCloudFormationClient();
    lambda.onAnyCommand().rejects(new Error('unexpected Lambda call'));
    cloudFormation.onAnyCommand().rejects(new Error('unexpected CloudFormation call'));
  });

  it('passes without a reservation and asks AWS nothing', async () => {
    const findings = await accountCheck.run({
      config: loadConfig(EXAMPLE),
      configFile: FILE,
      now: new Date(),
      deployed: true,
    });

    expect(findings).toEqual([
      {
        area: 'account',
        subject: 'webhook concurrency',
        status: 'pass',
        says: 'gitlab.webhook.reservedConcurrency is not set: the webhook shares the unreserved pool',
      },
    ]);
    expect(lambda.calls()).toHaveLength(0);
    expect(cloudFormation.calls()).toHaveLength(0);
  });

  it("gives back the deployed webhook's reservation: the function the stack names", async () => {
    const config = loadConfig(EXAMPLE);
    if (config.gitlab.webhook) Object.assign(config.gitlab.webhook, { reservedConcurrency: 60 });
    cloudFormation
      .on(DescribeStackResourceCommand, {
        StackName: 'gitlab-runners-autopilot',
        LogicalResourceId: 'gitlabwebhookFunction4DB27AEB',
      })
      .resolves({
        StackResourceDetail: {
          PhysicalResourceId: 'hook-fn',
          LogicalResourceId: 'x',
          ResourceType: 'AWS::Lambda::Function',
          ResourceStatus: 'UPDATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      });
    lambda
      .on(GetFunctionConcurrencyCommand, { FunctionName: 'hook-fn' })
      .resolves({ ReservedConcurrentExecutions: 60 });
    lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 100 } });

    const [finding] = await accountCheck.run({ config, configFile: FILE, now: new Date(), deployed: true });

    expect(finding).toMatchObject({
      status: 'pass',
      says: 'reserving 60 for the webhook leaves 100 of 1000 unreserved (AWS keeps at least 100)',
    });
  });
});
