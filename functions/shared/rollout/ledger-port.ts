import {
  acquireLease,
  createRollout,
  getBrake,
  getLease,
  getRollout,
  listFleetRollouts,
  releaseLease,
  saveRollout,
} from '../ledger';
import type { Ports } from './context';

/** The whole ledger port on the deployment's table: items, the manager lease and the brakes. */
export const ledgerPort = (ledgerTable: string): Ports['ledger'] => ({
  get: (fleet, candidateId) => getRollout(ledgerTable, fleet, candidateId),
  create: (item) => createRollout(ledgerTable, item),
  save: (next, expectedRevision) => saveRollout(ledgerTable, next, expectedRevision),
  listFleet: (fleet) => listFleetRollouts(ledgerTable, fleet),
  acquireLease: (input) => acquireLease(ledgerTable, input),
  releaseLease: (fleet, holder) => releaseLease(ledgerTable, fleet, holder),
  getLease: (fleet) => getLease(ledgerTable, fleet),
  getBrake: (scope) => getBrake(ledgerTable, scope),
});
