import { autopilotStackName, getStackResourceId } from './aws/stack';
import { getAccountConcurrency, getReservedConcurrency } from './aws/lambda';
import type { Check } from './doctor';
import { fail, type Finding, pass } from './finding';

/**
 * Account: a webhook reservation must leave the account's unreserved concurrency at AWS's minimum.
 * "You can reserve up to the Unreserved account concurrency value that is shown, minus 100 for
 * functions that don't have reserved concurrency" (Lambda developer guide, "Configuring reserved
 * concurrency for a function"); a deploy that would go below it fails when CloudFormation sets the
 * reservation. (Accounts with a lowered concurrency quota have been seen answering with a smaller
 * minimum: 100 is the documented one, so doctor may warn early there, never late.)
 */

const AREA = 'account';
const SUBJECT = 'webhook concurrency';
export const UNRESERVED_MINIMUM = 100;
/** The logical id of the webhook function in the autopilot stack (test/infra/logical-ids.test.ts pins it). */
export const WEBHOOK_FUNCTION_LOGICAL_ID = 'gitlabwebhookFunction4DB27AEB';
/** Service Quotas' code for Lambda's concurrent executions. */
const CONCURRENCY_QUOTA = 'L-B99A9384';

export interface ConcurrencyFacts {
  /** GetAccountSettings `UnreservedConcurrentExecutions`. */
  readonly unreserved: number;
  /** The quota, `ConcurrentExecutions`. */
  readonly total: number;
  /** What the deployed webhook reserves now (0: none, or not deployed): it already left the unreserved pool. */
  readonly current: number;
}

/**
 * Whether the configured reservation leaves at least the minimum unreserved once deployed: the
 * deploy gives back what the webhook reserves now and takes what the config asks.
 */
export const judgeWebhookConcurrency = (
  configured: number | undefined,
  facts: ConcurrencyFacts | undefined,
  configFile: string,
): Finding => {
  if (configured === undefined || !facts)
    return pass(
      AREA,
      SUBJECT,
      'gitlab.webhook.reservedConcurrency is not set: the webhook shares the unreserved pool',
    );
  const left = facts.unreserved + facts.current - configured;
  if (left >= UNRESERVED_MINIMUM)
    return pass(
      AREA,
      SUBJECT,
      `reserving ${configured} for the webhook leaves ${left} of ${facts.total} unreserved (AWS keeps at least ${UNRESERVED_MINIMUM})`,
    );
  const most = facts.unreserved + facts.current - UNRESERVED_MINIMUM;
  return fail(
    AREA,
    SUBJECT,
    `reserving ${configured} for the webhook would leave ${left} of ${facts.total} unreserved, below AWS's minimum of ${UNRESERVED_MINIMUM}: the deploy fails when it sets the reservation`,
    `${most >= 1 ? `set gitlab.webhook.reservedConcurrency in ${configFile} to at most ${most}, or remove it` : `remove gitlab.webhook.reservedConcurrency from ${configFile}`}; or raise the account's quota: aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${CONCURRENCY_QUOTA} --desired-value ${facts.total + UNRESERVED_MINIMUM - left}`,
  );
};

export const accountCheck: Check = {
  area: AREA,
  run: async (ctx) => {
    const configured = ctx.config.gitlab.webhook?.reservedConcurrency;
    if (configured === undefined) return [judgeWebhookConcurrency(undefined, undefined, ctx.configFile)];
    const fn = await getStackResourceId(
      autopilotStackName(ctx.config.deployment),
      WEBHOOK_FUNCTION_LOGICAL_ID,
    );
    const [account, current] = await Promise.all([
      getAccountConcurrency(),
      fn ? getReservedConcurrency(fn) : Promise.resolve(0),
    ]);
    return [judgeWebhookConcurrency(configured, { ...account, current }, ctx.configFile)];
  },
};
