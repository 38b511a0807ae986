/**
 * Attribute and index names of the rollout ledger table, in a module with no imports: the table
 * (infra/rollout/ledger-table.ts) is built with them and `ledger.ts` reads and writes by them, and
 * infra may import this without pulling the DynamoDB SDK into the synth.
 */
export const LEDGER_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  waitingIndex: 'byWaiting',
  waitingPartitionKey: 'gsi1pk',
  waitingSortKey: 'gsi1sk',
  ttlAttribute: 'ttl',
} as const;
