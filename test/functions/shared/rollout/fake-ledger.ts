import type { Lease, Rollout } from '../../../../functions/shared/rollout/model';
import {
  type DocumentClientStub,
  installDocumentTable,
  type Item,
} from '../../../../rehearsal/document-table';

/**
 * The shared in-memory ledger table (rehearsal/document-table.ts) as the rollout steps use it,
 * with helpers to seed and read rollouts and leases. `crashOnNextSave()` makes the next
 * revision-checked Put of a rollout throw after nothing was written, as a Lambda timing out
 * between an AWS call and the ledger save would.
 */
export const fakeLedger = (ddb: DocumentClientStub, table: string) => {
  let crashes = 0;
  const { seed, raw } = installDocumentTable(ddb, {
    tableName: table,
    beforePut: (input) => {
      if (
        crashes > 0 &&
        String(input.Item?.sk).startsWith('ROLLOUT#') &&
        input.ConditionExpression?.includes('#revision')
      ) {
        crashes--;
        throw new Error('Task timed out after 60.00 seconds');
      }
    },
  });

  const rolloutKey = (fleet: string, candidateId: string) => ({
    pk: `FLEET#${fleet}`,
    sk: `ROLLOUT#${candidateId}`,
  });
  const leaseKey = (fleet: string) => ({ pk: `FLEET#${fleet}`, sk: 'LEASE' });
  const strip = <T>(item: Item | undefined): T | undefined =>
    item
      ? (Object.fromEntries(
          Object.entries(item).filter(([k]) => !['pk', 'sk', 'gsi1pk', 'gsi1sk', 'ttl'].includes(k)),
        ) as T)
      : undefined;
  const stored = (key: { pk: string; sk: string }) => raw(key.pk, key.sk);

  return {
    /** Stores a rollout as the ledger would have (no call recorded on the mock). */
    seed: (rollout: Rollout): void => {
      seed({ ...rollout, ...rolloutKey(rollout.fleet, rollout.candidateId) });
    },
    /** Stores a manager lease as another holder would have. */
    seedLease: (lease: Lease): void => {
      seed({ ...lease, ...leaseKey(lease.fleet) });
    },
    rollout: (fleet: string, candidateId: string): Rollout | undefined =>
      strip<Rollout>(stored(rolloutKey(fleet, candidateId))),
    lease: (fleet: string): Lease | undefined => strip<Lease>(stored(leaseKey(fleet))),
    /** The next revision-checked save of a rollout fails before writing anything. */
    crashOnNextSave: (): void => {
      crashes++;
    },
  };
};
