import type * as autoscaling from '../aws/autoscaling';
import type * as cloudwatch from '../aws/cloudwatch';
import type * as ec2 from '../aws/ec2';
import type * as eventbridge from '../aws/eventbridge';
import type * as scheduler from '../aws/scheduler';
import type * as ssm from '../aws/ssm';
import type * as ledger from '../ledger';
import type { Brake, Lease, Rollout, RolloutState } from './model';
import type { RolloutSettings } from './settings';

/**
 * What a step may reach, as ports: the adapters of `functions/shared/aws/` and the ledger, bound
 * to the deployment. Handlers pass `stepPorts(settings)`; a test may pass any implementation that
 * keeps the adapters' contracts (the contract suites hold the fakes to them).
 */
export interface Ports {
  readonly ledger: {
    readonly get: (fleet: string, candidateId: string) => Promise<Rollout | undefined>;
    readonly create: (item: Rollout) => Promise<'created' | 'exists'>;
    readonly save: (next: Rollout, expectedRevision: number) => Promise<Rollout>;
    readonly listFleet: (fleet: string) => Promise<Rollout[]>;
    readonly acquireLease: (input: ledger.AcquireLeaseInput) => Promise<ledger.AcquireLeaseResult>;
    readonly releaseLease: (fleet: string, holder: string) => Promise<void>;
    readonly getLease: (fleet: string) => Promise<Lease | undefined>;
    /** The emergency brake of a fleet, or of every fleet (`ALL_FLEETS`), ended or not. */
    readonly getBrake: (scope: string) => Promise<Brake | undefined>;
  };
  readonly fleet: {
    readonly describeGroup: typeof autoscaling.describeGroup;
    readonly describeWarmPool: typeof autoscaling.describeWarmPool;
    readonly terminateInGroup: typeof autoscaling.terminateInGroup;
    readonly suspendProcesses: typeof autoscaling.suspendProcesses;
    readonly resumeProcesses: typeof autoscaling.resumeProcesses;
    readonly getLaunchTemplate: typeof ec2.getLaunchTemplate;
    readonly createCandidateVersion: typeof ec2.createCandidateVersion;
    readonly setDefaultVersion: typeof ec2.setDefaultVersion;
    readonly runCanary: typeof ec2.runCanary;
    readonly describeInstances: typeof ec2.describeInstances;
    readonly terminateInstances: typeof ec2.terminateInstances;
    readonly alarmStates: typeof cloudwatch.alarmStates;
  };
  readonly commands: {
    readonly send: typeof ssm.sendCommand;
    readonly find: typeof ssm.findCommands;
    readonly invocation: typeof ssm.getInvocation;
    readonly online: typeof ssm.onlineInstances;
    readonly parameter: typeof ssm.getParameterValue;
  };
  readonly bus: { readonly put: (entries: Parameters<typeof eventbridge.putEvents>[0]) => Promise<unknown> };
  readonly schedules: { readonly once: typeof scheduler.scheduleOnce };
}

/** What re-invokes a rollout: a one-time schedule, the SSM status event, a request or the reconciler. */
export type Trigger =
  | { readonly kind: 'canary-check' }
  | { readonly kind: 'command'; readonly commandId: string }
  | { readonly kind: 'promote' }
  | { readonly kind: 'maintenance' }
  | { readonly kind: 'health-check' }
  | { readonly kind: 'bake-end' }
  | { readonly kind: 'rollback'; readonly reason: string }
  | { readonly kind: 'reconcile' }
  /** The canary passed its smoke test: given by the step that read the verdict, never from outside. */
  | { readonly kind: 'passed' }
  /** The state's deadline passed: given by the engine, never sent from outside. */
  | { readonly kind: 'timeout' };
export type TriggerKind = Trigger['kind'];

export interface StepResult {
  readonly fleet: string;
  readonly candidateId: string;
  readonly from: RolloutState | 'new';
  readonly to: RolloutState;
  readonly note: string;
}

export interface StepContext {
  readonly settings: RolloutSettings;
  readonly now: Date;
  readonly ports: Ports;
  /**
   * Continues with the step the transition table names for the item's state and `trigger`: how a
   * step hands on (a promotion to its maintenance) without importing the next step's code.
   */
  readonly dispatch: (item: Rollout, trigger: Trigger) => Promise<StepResult>;
}
