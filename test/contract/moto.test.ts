import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

import { describeWithMoto, type Moto, startMoto } from './moto';

describeWithMoto('moto server harness', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto.stop();
  });

  it('serves AWS APIs on its own port and forgets everything on reset', async () => {
    const client = new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-2' });
    await client.send(
      new CreateTableCommand({
        TableName: 'probe',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const before = await client.send(new ListTablesCommand({}));

    await moto.reset();

    const after = await client.send(new ListTablesCommand({}));
    expect(before.TableNames).toEqual(['probe']);
    expect(after.TableNames).toEqual([]);
  });
});
