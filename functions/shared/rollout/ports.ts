import {
  describeGroup,
  describeWarmPool,
  resumeProcesses,
  suspendProcesses,
  terminateInGroup,
} from '../aws/autoscaling';
import { alarmStates } from '../aws/cloudwatch';
import {
  createCandidateVersion,
  describeInstances,
  getLaunchTemplate,
  runCanary,
  setDefaultVersion,
  terminateInstances,
} from '../aws/ec2';
import { putEvents } from '../aws/eventbridge';
import { scheduleOnce } from '../aws/scheduler';
import { findCommands, getInvocation, getParameterValue, onlineInstances, sendCommand } from '../aws/ssm';
import {
  acquireLease,
  createRollout,
  getRollout,
  listFleetRollouts,
  releaseLease,
  saveRollout,
} from '../ledger';
import type { Ports } from './context';

/** The ports as deployed: the adapters, the ledger bound to the deployment's table. */
export const awsPorts = (ledgerTable: string): Ports => ({
  ledger: {
    get: (fleet, candidateId) => getRollout(ledgerTable, fleet, candidateId),
    create: (item) => createRollout(ledgerTable, item),
    save: (next, expectedRevision) => saveRollout(ledgerTable, next, expectedRevision),
    listFleet: (fleet) => listFleetRollouts(ledgerTable, fleet),
    acquireLease: (input) => acquireLease(ledgerTable, input),
    releaseLease: (fleet, holder) => releaseLease(ledgerTable, fleet, holder),
  },
  fleet: {
    describeGroup,
    describeWarmPool,
    terminateInGroup,
    suspendProcesses,
    resumeProcesses,
    getLaunchTemplate,
    createCandidateVersion,
    setDefaultVersion,
    runCanary,
    describeInstances,
    terminateInstances,
    alarmStates,
  },
  commands: {
    send: sendCommand,
    find: findCommands,
    invocation: getInvocation,
    online: onlineInstances,
    parameter: getParameterValue,
  },
  bus: { put: (entries) => putEvents(entries) },
  schedules: { once: scheduleOnce },
});
