import { describeGroup, resumeProcesses, suspendProcesses } from '../shared/aws/autoscaling';
import { describeInstances } from '../shared/aws/ec2';
import { putEvents } from '../shared/aws/eventbridge';
import { scheduleOnce } from '../shared/aws/scheduler';
import { findCommands, sendCommand } from '../shared/aws/ssm';
import { ledgerPort } from '../shared/rollout/ledger-port';
import { wirePorts } from '../shared/rollout/wire-ports';

/** A restart's first step: wait for a window and the lease, or drain with the restart document. */
export const restartPorts = (ledgerTable: string) =>
  wirePorts({
    ledger: ledgerPort(ledgerTable),
    fleet: { describeGroup, describeInstances, suspendProcesses, resumeProcesses },
    commands: { send: sendCommand, find: findCommands },
    bus: { put: (entries) => putEvents(entries) },
    schedules: { once: scheduleOnce },
  });
