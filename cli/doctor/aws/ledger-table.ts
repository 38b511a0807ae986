import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { clientConfig } from '../../../functions/shared/aws/client-config';
import { memoClient } from '../../../functions/shared/aws/memo-client';

const client = /* @__PURE__ */ memoClient(() => new DynamoDBClient(clientConfig));
export const resetLedgerTableClient = (): void => client.reset();

/** A table's status (`ACTIVE`, `CREATING`...), or undefined when it does not exist. */
export const describeTableStatus = async (tableName: string): Promise<string | undefined> => {
  try {
    const out = await client.get().send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus ?? 'unknown';
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
};
