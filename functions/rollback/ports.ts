import {
  describeGroup,
  resumeProcesses,
  suspendProcesses,
  terminateInGroup,
} from '../shared/aws/autoscaling';
import { describeInstances, getLaunchTemplate, setDefaultVersion } from '../shared/aws/ec2';
import { putEvents } from '../shared/aws/eventbridge';
import { scheduleOnce } from '../shared/aws/scheduler';
import { findCommands, sendCommand } from '../shared/aws/ssm';
import { ledgerPort } from '../shared/rollout/ledger-port';
import { wirePorts } from '../shared/rollout/wire-ports';

/** A rollback: restore the default; a replaced manager is drained and replaced (its first steps). */
export const rollbackPorts = (ledgerTable: string) =>
  wirePorts({
    ledger: ledgerPort(ledgerTable),
    fleet: {
      getLaunchTemplate,
      setDefaultVersion,
      describeGroup,
      describeInstances,
      suspendProcesses,
      resumeProcesses,
      terminateInGroup,
    },
    commands: { send: sendCommand, find: findCommands },
    bus: { put: (entries) => putEvents(entries) },
    schedules: { once: scheduleOnce },
  });
