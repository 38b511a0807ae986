import { describeGroup, describeWarmPool } from '../shared/aws/autoscaling';
import { createCandidateVersion, getLaunchTemplate, runCanary } from '../shared/aws/ec2';
import { putEvents } from '../shared/aws/eventbridge';
import { scheduleOnce } from '../shared/aws/scheduler';
import { createRollout, getLease, getRollout, saveRollout } from '../shared/ledger';
import { wirePorts } from '../shared/rollout/wire-ports';

/** Staging: pre-flight, the candidate version, the canary and its first check's schedule. */
export const stagingPorts = (ledgerTable: string) =>
  wirePorts({
    // Never a lease of its own: it reads one only to explain a suspended process.
    ledger: {
      get: (fleet, candidateId) => getRollout(ledgerTable, fleet, candidateId),
      create: (item) => createRollout(ledgerTable, item),
      save: (next, expectedRevision) => saveRollout(ledgerTable, next, expectedRevision),
      getLease: (fleet) => getLease(ledgerTable, fleet),
    },
    fleet: { describeGroup, describeWarmPool, getLaunchTemplate, createCandidateVersion, runCanary },
    bus: { put: (entries) => putEvents(entries) },
    schedules: { once: scheduleOnce },
  });
