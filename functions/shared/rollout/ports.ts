import { describeGroup, resumeProcesses, suspendProcesses, terminateInGroup } from '../aws/autoscaling';
import { alarmStates } from '../aws/cloudwatch';
import {
  describeInstances,
  getLaunchTemplate,
  runCanary,
  setDefaultVersion,
  terminateInstances,
} from '../aws/ec2';
import { putEvents } from '../aws/eventbridge';
import { scheduleOnce } from '../aws/scheduler';
import { findCommands, getInvocation, onlineInstances, sendCommand } from '../aws/ssm';
import type { Ports } from './context';
import { ledgerPort } from './ledger-port';
import { wirePorts } from './wire-ports';

/**
 * The ports of every step: for the functions any state's trigger can reach (the scheduled step,
 * the SSM status event, the reconciler). Creating items (staging's pre-flight and candidate
 * version, reading a published config) is not a step: only the functions that create wire those.
 */
export const stepPorts = (ledgerTable: string): Ports =>
  wirePorts({
    ledger: ledgerPort(ledgerTable),
    fleet: {
      describeGroup,
      terminateInGroup,
      suspendProcesses,
      resumeProcesses,
      getLaunchTemplate,
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
    },
    bus: { put: (entries) => putEvents(entries) },
    schedules: { once: scheduleOnce },
  });
