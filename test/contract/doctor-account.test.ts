import { LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';

import { accountCheck, WEBHOOK_FUNCTION_LOGICAL_ID } from '../../cli/doctor/account';
import { getStackResourceId } from '../../cli/doctor/aws/stack';
import type { SuiteConfig } from '../../functions/shared/config';
import {
  deployAutopilotStack,
  freshGaps,
  type Gaps,
  STACK,
  stubGaps,
  WEBHOOK_FUNCTION,
} from './doctor-deployment';
import { EXAMPLE_FILE, example, resetDoctorClients } from './doctor-fleet';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * doctor's account area against moto: the deployed stack's webhook function (CloudFormation
 * DescribeStackResource) and its reservation (Lambda GetFunctionConcurrency) are moto's. moto 5.2
 * has no GetAccountSettings (HTTP 404): that call alone is stubbed, every other passes through.
 */

const NOW = new Date('2026-12-04T12:00:00Z');

const lambda = mockClient(LambdaClient);
let gaps: Gaps = freshGaps();

/** The autopilot stack as far as this area reads it: the webhook function and its reservation. */
const deployWebhook = (reserved?: number): Promise<void> =>
  deployAutopilotStack(reserved === undefined ? {} : { reserved });

const withReservation = (reservedConcurrency: number | undefined): SuiteConfig => {
  const config = example();
  const webhook = config.gitlab.webhook;
  if (webhook) Object.assign(webhook, { reservedConcurrency });
  return config;
};

describeWithMoto('doctor account (moto, with GetAccountSettings stubbed)', () => {
  useMotoServer({
    resetClients: resetDoctorClients,
    afterReset: () => {
      gaps = freshGaps();
      stubGaps(gaps, { lambda });
      return Promise.resolve();
    },
  });
  afterAll(() => lambda.restore());

  describe('getStackResourceId', () => {
    it("reads a deployed resource's physical id by its logical id", async () => {
      await deployWebhook();

      expect(await getStackResourceId(STACK, WEBHOOK_FUNCTION_LOGICAL_ID)).toBe(WEBHOOK_FUNCTION);
    });

    it('answers undefined for a resource the stack does not have, and for a stack not deployed', async () => {
      await deployWebhook();

      expect(await getStackResourceId(STACK, 'gitlabwebhookFunctionUrl')).toBeUndefined();
      expect(await getStackResourceId('staging-autopilot', WEBHOOK_FUNCTION_LOGICAL_ID)).toBeUndefined();
    });
  });

  it('passes a reservation that leaves at least 100 unreserved, counting what the deployed webhook already reserves', async () => {
    await deployWebhook(20);
    gaps.unreserved = 120;

    const findings = await accountCheck.run({
      config: withReservation(40),
      configFile: EXAMPLE_FILE,
      now: NOW,
      deployed: true,
    });

    // 120 unreserved + 20 given back - 40 taken = 100.
    expect(findings).toEqual([
      {
        area: 'account',
        subject: 'webhook concurrency',
        status: 'pass',
        says: 'reserving 40 for the webhook leaves 100 of 1000 unreserved (AWS keeps at least 100)',
      },
    ]);
  });

  it('fails a reservation that would leave less than 100 unreserved, with the largest that fits', async () => {
    await deployWebhook(20);
    gaps.unreserved = 120;

    const findings = await accountCheck.run({
      config: withReservation(41),
      configFile: EXAMPLE_FILE,
      now: NOW,
      deployed: true,
    });

    expect(findings).toEqual([
      {
        area: 'account',
        subject: 'webhook concurrency',
        status: 'fail',
        says: "reserving 41 for the webhook would leave 99 of 1000 unreserved, below AWS's minimum of 100: the deploy fails when it sets the reservation",
        fix: `set gitlab.webhook.reservedConcurrency in ${EXAMPLE_FILE} to at most 40, or remove it; or raise the account's quota: aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1001`,
      },
    ]);
  });

  it('counts nothing given back before the first deploy', async () => {
    gaps.unreserved = 120;

    const findings = await accountCheck.run({
      config: withReservation(40),
      configFile: EXAMPLE_FILE,
      now: NOW,
      deployed: true,
    });

    expect(findings[0]).toMatchObject({
      status: 'fail',
      says: expect.stringContaining('would leave 80 of 1000'),
    });
  });
});
