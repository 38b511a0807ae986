import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';

import { clientConfig } from '../../../functions/shared/aws/client-config';
import { memoClient } from '../../../functions/shared/aws/memo-client';

const client = /* @__PURE__ */ memoClient(() => new LambdaClient(clientConfig));
export const resetDoctorLambdaClient = (): void => client.reset();

/**
 * The account's concurrency in this region (GetAccountSettings `AccountLimit`): its quota and the
 * part no function reserves.
 */
export const getAccountConcurrency = async (): Promise<{ total: number; unreserved: number }> => {
  const out = await client.get().send(new GetAccountSettingsCommand({}));
  return {
    total: out.AccountLimit?.ConcurrentExecutions ?? 0,
    unreserved: out.AccountLimit?.UnreservedConcurrentExecutions ?? 0,
  };
};

/**
 * A function's reserved concurrency: 0 when it reserves none (GetFunctionConcurrency then answers
 * without `ReservedConcurrentExecutions`) or does not exist (`ResourceNotFoundException`).
 */
export const getReservedConcurrency = async (functionName: string): Promise<number> => {
  try {
    const out = await client.get().send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }));
    return out.ReservedConcurrentExecutions ?? 0;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return 0;
    throw error;
  }
};
