import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { clientConfig } from './client-config';
import { memoClient } from './memo-client';

/** The one DynamoDB document client: the ledger and the alert store share it. */
const client = /* @__PURE__ */ memoClient(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig), {
    marshallOptions: { removeUndefinedValues: true },
  }),
);
export const documentClient = (): DynamoDBDocumentClient => client.get();
export const resetDocumentClient = (): void => client.reset();
