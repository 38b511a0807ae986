import { describeGroup } from '../shared/aws/autoscaling';
import { describeInstances } from '../shared/aws/ec2';
import { putEvents } from '../shared/aws/eventbridge';
import { findCommands, getParameterValue, sendCommand } from '../shared/aws/ssm';
import { ledgerPort } from '../shared/rollout/ledger-port';
import { wirePorts } from '../shared/rollout/wire-ports';

/** An apply's first step: read and lint the published config, send the apply without a restart. */
export const applyPorts = (ledgerTable: string) =>
  wirePorts({
    ledger: ledgerPort(ledgerTable),
    fleet: { describeGroup, describeInstances },
    commands: { send: sendCommand, find: findCommands, parameter: getParameterValue },
    bus: { put: (entries) => putEvents(entries) },
  });
