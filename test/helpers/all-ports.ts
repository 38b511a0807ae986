import * as autoscaling from '../../functions/shared/aws/autoscaling';
import { alarmStates } from '../../functions/shared/aws/cloudwatch';
import * as ec2 from '../../functions/shared/aws/ec2';
import { putEvents } from '../../functions/shared/aws/eventbridge';
import { scheduleOnce } from '../../functions/shared/aws/scheduler';
import * as ssm from '../../functions/shared/aws/ssm';
import type { Ports } from '../../functions/shared/rollout/context';
import { ledgerPort } from '../../functions/shared/rollout/ledger-port';
import { wirePorts } from '../../functions/shared/rollout/wire-ports';

/** Every adapter wired, for tests that run entry points and steps of several functions together. */
export const allPorts = (ledgerTable: string): Ports =>
  wirePorts({
    ledger: ledgerPort(ledgerTable),
    fleet: {
      describeGroup: autoscaling.describeGroup,
      describeWarmPool: autoscaling.describeWarmPool,
      terminateInGroup: autoscaling.terminateInGroup,
      suspendProcesses: autoscaling.suspendProcesses,
      resumeProcesses: autoscaling.resumeProcesses,
      getLaunchTemplate: ec2.getLaunchTemplate,
      createCandidateVersion: ec2.createCandidateVersion,
      setDefaultVersion: ec2.setDefaultVersion,
      runCanary: ec2.runCanary,
      describeInstances: ec2.describeInstances,
      terminateInstances: ec2.terminateInstances,
      alarmStates,
    },
    commands: {
      send: ssm.sendCommand,
      find: ssm.findCommands,
      invocation: ssm.getInvocation,
      online: ssm.onlineInstances,
      parameter: ssm.getParameterValue,
    },
    bus: { put: (entries) => putEvents(entries) },
    schedules: { once: scheduleOnce },
  });
