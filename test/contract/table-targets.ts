import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

import { LedgerTable } from '../../infra/rollout/ledger-table';
import { installDocumentTable } from '../../rehearsal/document-table';
import { testApp } from '../helpers/app';
import { MOTO_DIVERGENCES, type MotoDivergence } from './divergences';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * Where a DynamoDB contract suite runs the real adapter code: over the in-memory fake
 * (rehearsal/document-table.ts, behind aws-sdk-client-mock) or over moto server. Both hold the
 * ledger table as infra/rollout/ledger-table.ts synthesizes it, empty at the start of each test.
 */
export interface ContractTarget {
  readonly name: 'fake' | 'moto';
  readonly tableName: string;
  /**
   * `it` on the fake, `it.skip` on moto: for a rule of AWS that moto does not keep, so only the
   * fake can check it. The divergence is named in the test's title.
   */
  readonly itWhereMotoDiverges: (
    divergence: MotoDivergence,
  ) => (title: string, fn: () => Promise<void>) => void;
}

export const CONTRACT_TABLE = 'runner-autopilot-ledger';

/** The table's CloudFormation properties as synthesized: keys, index and TTL come from infra, not from here. */
const synthesizedTable = (): Record<string, unknown> => {
  const stack = new Stack(testApp(), 'Contract', { env: { account: '123456789012', region: 'us-east-2' } });
  new LedgerTable(stack, 'Ledger', { tableName: CONTRACT_TABLE });
  const tables = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
  if (tables.length !== 1) throw new Error(`expected one table in LedgerTable, found ${tables.length}`);
  return (tables[0] as { Properties: Record<string, unknown> }).Properties;
};

const createLedgerTable = async (client: DynamoDBClient, props: Record<string, unknown>): Promise<void> => {
  const input = {
    TableName: props.TableName,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
    BillingMode: props.BillingMode,
  } as CreateTableCommandInput;
  await client.send(new CreateTableCommand(input));
  const ttl = props.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
  if (ttl) {
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: input.TableName, TimeToLiveSpecification: ttl }),
    );
  }
};

/**
 * Declares `body` once per target (moto's half skipped, with one line from global set-up, when
 * moto is not installed). `resetClients` drops the adapters' memoised clients, so each half's
 * clients are built against its own endpoint.
 */
export const describeContract = (
  title: string,
  resetClients: () => void,
  body: (target: ContractTarget) => void,
): void => {
  describe(`${title} [fake]`, () => {
    // Stubbed in beforeAll, not while jest collects: one stub on the prototype at a time.
    let ddb: AwsClientStub<DynamoDBDocumentClient>;
    beforeAll(() => {
      ddb = mockClient(DynamoDBDocumentClient);
    });
    beforeEach(() => {
      ddb.reset();
      ddb.onAnyCommand().rejects(new Error('the fake table has no such command'));
      // Two items a Query page, so every query with more results crosses pages.
      installDocumentTable(ddb, { tableName: CONTRACT_TABLE, pageSize: 2 });
      resetClients();
    });
    afterAll(() => {
      // The stub lives on the client's prototype: moto's half must reach the real `send`.
      ddb.restore();
    });
    body({
      name: 'fake',
      tableName: CONTRACT_TABLE,
      itWhereMotoDiverges: (divergence) => (title, fn) => it(`${title} (fake only: ${divergence})`, fn),
    });
  });

  describeWithMoto(`${title} [moto]`, () => {
    let props: Record<string, unknown> = {};
    let client: DynamoDBClient | undefined;
    useMotoServer({
      resetClients,
      afterStart: (moto) => {
        props = synthesizedTable();
        client = new DynamoDBClient({ endpoint: moto.endpoint });
        return Promise.resolve();
      },
      afterReset: async () => {
        if (client) await createLedgerTable(client, props);
      },
    });
    afterAll(() => client?.destroy());
    body({
      name: 'moto',
      tableName: CONTRACT_TABLE,
      itWhereMotoDiverges: (divergence) => (title, fn) =>
        it.skip(`${title} (fake only: ${divergence}: ${MOTO_DIVERGENCES[divergence]})`, fn),
    });
  });
};
