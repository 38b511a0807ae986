import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';

import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingInstancesCommand,
  type DescribeAutoScalingInstancesCommandInput,
  DescribeScalingActivitiesCommand,
  type DescribeScalingActivitiesCommandInput,
  DescribeWarmPoolCommand,
  type DescribeWarmPoolCommandInput,
  ResumeProcessesCommand,
  type ResumeProcessesCommandInput,
  SuspendProcessesCommand,
  type SuspendProcessesCommandInput,
  TerminateInstanceInAutoScalingGroupCommand,
  type TerminateInstanceInAutoScalingGroupCommandInput,
} from '@aws-sdk/client-auto-scaling';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateLaunchTemplateVersionCommand,
  type CreateLaunchTemplateVersionCommandInput,
  DeleteLaunchTemplateVersionsCommand,
  type DeleteLaunchTemplateVersionsCommandInput,
  DeleteSnapshotCommand,
  type DeleteSnapshotCommandInput,
  DeregisterImageCommand,
  type DeregisterImageCommandInput,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  DescribeInstanceStatusCommand,
  type DescribeInstanceStatusCommandInput,
  DescribeLaunchTemplatesCommand,
  type DescribeLaunchTemplatesCommandInput,
  DescribeLaunchTemplateVersionsCommand,
  type DescribeLaunchTemplateVersionsCommandInput,
  EC2Client,
  ModifyLaunchTemplateCommand,
  type ModifyLaunchTemplateCommandInput,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  TerminateInstancesCommand,
  type TerminateInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import {
  GetImageCommand,
  type GetImageCommandInput,
  type Image,
  ImagebuilderClient,
  type ImageStatus,
  ListImagePipelineImagesCommand,
  type ListImagePipelineImagesCommandInput,
  StartImagePipelineExecutionCommand,
  type StartImagePipelineExecutionCommandInput,
} from '@aws-sdk/client-imagebuilder';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  type DeleteScheduleCommandInput,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import {
  DescribeInstanceInformationCommand,
  type DescribeInstanceInformationCommandInput,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandInput,
  GetParameterCommand,
  type GetParameterCommandInput,
  ListCommandInvocationsCommand,
  type ListCommandInvocationsCommandInput,
  ListCommandsCommand,
  type ListCommandsCommandInput,
  SendCommandCommand,
  type SendCommandCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { SCALING_PROCESSES } from '../functions/shared/aws/autoscaling';
import { clientConfig } from '../functions/shared/aws/client-config';
import { type CommandDocuments, sendCommandRefusal } from './command-documents';
import { installDocumentTable } from './document-table';
import { SIMULATED_MINUTES } from './durations';
import { FastStub } from './fast-stub';

/**
 * A stateful in-memory AWS for scenarios and rehearsals: launch templates, instances, Auto Scaling
 * groups, SSM (online set, commands and their outcomes), one-time schedules, alarms, our bus and
 * the ledger table, all on a virtual clock (`Date.now()`, faked by rehearsal/clock.ts). The SDK
 * clients the adapters build are stubbed (rehearsal/fast-stub.ts), one fake per command the
 * adapters send; any other command fails loudly.
 *
 * The stub replaces `Client.send`, so the SDK's own retry middleware never runs: the
 * throttling switch emulates the standard retry strategy here, with the product's own
 * `clientConfig.maxAttempts`, without sleeping. Only when every attempt is throttled does the
 * `ThrottlingException` reach the adapter (and then the handler, and Lambda's retries).
 */

export const MINUTE = 60_000;
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-2';

// ---------------------------------------------------------------------------------------------
// The world

/** Launch template data besides the AMI (instance type, user data, profile...), as EC2 reports it. */
export type LaunchTemplateSettings = Readonly<Record<string, unknown>>;

export interface LtVersion {
  readonly number: number;
  readonly imageId: string;
  readonly description?: string;
  /** Every other setting: a version made from a `SourceVersion` copies them (DESIGN.md). */
  readonly settings: LaunchTemplateSettings;
}

export interface LaunchTemplate {
  readonly id: string;
  readonly name: string;
  readonly versions: LtVersion[];
  defaultVersion: number;
  /** CreateLaunchTemplateVersion client tokens -> the version they created. */
  readonly tokens: Map<string, number>;
}

export type InstanceState = 'pending' | 'running' | 'shutting-down' | 'terminated';

export interface Job {
  readonly id: string;
  readonly startedAt: number;
  readonly endsAt: number;
  /** When an instance it ran on was terminated under it. */
  killedAt?: number;
}

export interface FakeInstance {
  readonly id: string;
  state: InstanceState;
  readonly tags: Record<string, string>;
  readonly privateIp: string;
  readonly imageId: string;
  readonly launchTemplateId: string;
  readonly launchTemplateVersion: number;
  readonly group?: string;
  /** RunInstances' `SubnetId` override (group launches leave it to the group). */
  readonly subnetId?: string;
  readonly launchedAt: number;
  /** When it began shutting down. */
  endedAt?: number;
  /** When its SSM agent reports Online (undefined: never). */
  onlineAt?: number;
  /** gitlab-runner on a manager: started at boot (never on a canary), stopped by a drain. */
  runner: 'none' | 'running' | 'draining' | 'stopped';
  /** Jobs a manager instance is running. */
  jobs: Job[];
}

export interface FakeGroup {
  readonly name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  launchTemplate: { id?: string; name?: string; version: string };
  suspendedProcesses: string[];
  warmPool: boolean;
  /** Whether gitlab-runner runs on this group's instances (a manager group). */
  readonly runsRunner: boolean;
  /** Absent: the group has none (terminate first, launch while terminating). */
  instanceMaintenancePolicy?: { minHealthyPercentage: number; maxHealthyPercentage: number };
  /** `healthStatus` absent means Healthy; {@link World.markUnhealthy} sets Unhealthy. */
  readonly instances: { id: string; lifecycleState: string; healthStatus?: 'Healthy' | 'Unhealthy' }[];
}

export type Outcome =
  | { readonly kind: 'pass'; readonly afterMinutes?: number; readonly output?: string }
  | { readonly kind: 'fail'; readonly afterMinutes?: number; readonly output?: string }
  | { readonly kind: 'hang' }
  /**
   * A drain, as the manager's scripts do it: the runner takes no new job, and the command ends
   * (Success) once the instance has no running job left; with `restart`, gitlab-runner then starts
   * again. Past the drain bound (`DrainTimeoutSeconds`), systemd kills the runner and its jobs,
   * and the command fails.
   */
  | { readonly kind: 'drain'; readonly restart?: boolean };

export interface FakeCommand {
  readonly id: string;
  readonly documentName: string;
  readonly instanceId: string;
  readonly parameters: Record<string, string[]>;
  readonly comment: string;
  readonly requestedAt: number;
  status: 'Pending' | 'InProgress' | 'Success' | 'Failed';
  stdout: string;
  readonly outcome: Outcome;
}

export interface FakeSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly at: number;
  readonly targetArn: string;
  readonly input: string;
}

export interface BusEvent {
  /** `default` or our bus's name. */
  readonly bus: string;
  readonly event: AwsEvent;
}

export interface AwsEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

/** A timed change of the world (boot, SSM online, command end, replacement launch, job end). */
interface Timer {
  readonly at: number;
  readonly label: string;
  readonly fire: () => void;
}

/** Which document a command runs, by the key that ends its name (`<deployment>-autopilot-<key>`). */
export type DocumentKey =
  | 'smoke-jobs'
  | 'smoke-path'
  | 'smoke-manager'
  | 'drain-manager'
  | 'manager-health'
  | 'restart-manager'
  | 'apply-config'
  | 'job-check';

export interface FakeParameter {
  readonly value: string;
  readonly type: 'String' | 'SecureString';
}

/** An AMI of the account (EC2's view of it, not Image Builder's), with its EBS snapshots. */
export interface FakeAmi {
  readonly id: string;
  readonly name: string;
  readonly creationDate: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly snapshotIds: readonly string[];
}

/** A message SNS accepted: what the topic's subscribers (email, ...) receive. */
export interface Published {
  readonly at: number;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageId: string;
}

/** Publish: "at most 256 KB in size (262,144 bytes, not 262,144 characters)" (SNS API reference). */
export const SNS_MESSAGE_MAX_BYTES = 262_144;
/** Publish: subjects "less than 100 characters long" (SNS API reference). */
export const SNS_SUBJECT_MAX = 99;

export type Script = (command: FakeCommand, instance: FakeInstance | undefined, world: World) => Outcome;

/** mulberry32: a small seeded generator, so a throttled run can be replayed. */
export const seeded = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const awsError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

const AMI_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SNAPSHOT_ID = /^snap-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** A stable AMI id of the fake account, from a name (`ami-` and 17 hex digits, as EC2's). */
export const amiId = (name: string): string =>
  `ami-${createHash('sha256').update(name).digest('hex').slice(0, 17)}`;

/**
 * One Lambda invocation as the driver runs it: the AWS calls that took effect, and where it dies.
 * A crash (timeout, out of memory, the runtime killed) can come right after any call AWS carried
 * out: the effect stays, the answer never reaches the function, and nothing after it runs.
 */
export interface InvocationScope {
  /** The function invoked, which the calls are counted against. */
  readonly service?: string;
  /** Calls that took effect so far. */
  calls: number;
  /** Its log lines, when the driver captures them. */
  readonly logs?: string[];
  /** The invocation dies right after its Nth call that took effect. @default - it does not die */
  readonly crashAfter?: number;
  /** The call it died after, once it has. */
  crashedAfter?: string;
}

/** What the function sees when it has died: the driver treats it as a function error. */
export class InvocationCrash extends Error {
  override readonly name = 'InvocationCrash';
}

/** PutEvents: at most 10 entries per request, and their total size under 256 KB. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/**
 * An entry's size as EventBridge counts it ("Calculating PutEvents event entry size", EventBridge
 * user guide): 14 bytes for Time, then the UTF-8 bytes of Source, DetailType, Detail and each
 * resource.
 */
export const putEventsEntrySize = (e: NonNullable<PutEventsCommandInput['Entries']>[number]): number =>
  (e.Time ? 14 : 0) +
  [e.Source, e.DetailType, e.Detail, ...(e.Resources ?? [])].reduce(
    (sum, part) => sum + Buffer.byteLength(part ?? '', 'utf8'),
    0,
  );

/** A detail is a JSON object; anything else is `MalformedDetail`. */
const parseDetail = (detail: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(detail);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/**
 * The invocation a call belongs to. One for all worlds: Node keeps every AsyncLocalStorage that
 * ever ran in a process-wide list and copies its store into each new async resource, so one per
 * world would make every scenario slower and larger than the one before.
 */
const invocationScope = new AsyncLocalStorage<InvocationScope>();

/** The invocation running in this async context, if any (its log lines go to it). */
export const currentInvocation = (): InvocationScope | undefined => invocationScope.getStore();

export class World {
  readonly launchTemplates = new Map<string, LaunchTemplate>();
  readonly instances = new Map<string, FakeInstance>();
  readonly groups = new Map<string, FakeGroup>();
  readonly commands: FakeCommand[] = [];
  readonly schedules = new Map<string, FakeSchedule>();
  /** Every schedule ever created, also after it ran and deleted itself. */
  readonly schedulesCreated: FakeSchedule[] = [];
  readonly alarms = new Map<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>();
  /** Events put on our bus through PutEvents, in order. */
  readonly putEvents: AwsEvent[] = [];
  /** Events AWS services emit (SSM command status) and our PutEvents, waiting for the router. */
  readonly outbox: BusEvent[] = [];
  readonly table = new Map<string, Record<string, unknown>>();
  /** Parameter Store. */
  readonly parameters = new Map<string, FakeParameter>();
  /** SecureString parameters read with decryption (only instances should). */
  readonly decryptedReads: string[] = [];
  /** Broken promises: a job killed, two managers running. Asserted empty by every scenario. */
  readonly violations: string[] = [];
  readonly calls: string[] = [];
  /** Per manager group, the most manager instances it had live at once. */
  readonly mostManagers = new Map<string, number>();
  /** Per function, its AWS calls by API (retries of a throttled call not counted). */
  readonly callsByService = new Map<string, Map<string, number>>();
  private timers: Timer[] = [];
  private seq = 0;
  private runTokens = new Map<string, string>();

  /** Minutes from launch to SSM Online; per AMI overrides; `undefined` never comes online. */
  bootMinutes: number = SIMULATED_MINUTES.boot;
  readonly onlineAfter = new Map<string, number | undefined>();
  /** Minutes a group takes to launch a replacement after TerminateInstanceInAutoScalingGroup. */
  replacementMinutes: number = SIMULATED_MINUTES.replacement;
  readonly scripts: Partial<Record<DocumentKey, Script>> = {};
  /**
   * The synthesized Command documents: SendCommand checks every command against them, as AWS
   * does (moto does not). Set by the scenario driver from the template.
   */
  documents: CommandDocuments = new Map();
  /** SendCommand calls SSM refused, with its answer: asserted empty by every scenario. */
  readonly refusedCommands: string[] = [];
  /** Image Builder images by build-version ARN, as GetImage returns them (`sourcePipelineArn` set). */
  readonly images = new Map<string, Image>();
  /** EC2 AMIs of the account by id (registered, not yet deregistered). */
  readonly amis = new Map<string, FakeAmi>();
  /** AMIs deregistered: EC2 answers `InvalidAMIID.Unavailable` for them, not NotFound. */
  readonly deregisteredAmis = new Set<string>();
  /** EBS snapshot ids of the account. */
  readonly snapshots = new Set<string>();
  /** The tags Image Builder's distribution puts on each pipeline's AMIs (`AmiTags`), by pipeline name. */
  readonly amiTags = new Map<string, Record<string, string>>();
  /** SNS topics by ARN. */
  readonly topics = new Set<string>();
  /** Every message SNS accepted, in order. */
  readonly published: Published[] = [];
  /** DynamoDB tables of the template other than the ledger (`table`), by name. */
  readonly tables = new Map<string, Map<string, Record<string, unknown>>>();

  /** Throttling: the share of call attempts answered with ThrottlingException. */
  throttleRate = 0;
  throttledAttempts = 0;
  throttledCalls = 0;
  private rng: () => number = seeded(1);

  /** Runs one invocation: the AWS calls made inside `fn` count towards `scope` (and its crash). */
  inInvocation<T>(scope: InvocationScope, fn: () => Promise<T>): Promise<T> {
    return invocationScope.run(scope, fn);
  }

  /** Calls (not attempts) that fail even after the SDK's retries: the handler sees the error. */
  surfacedThrottleRate = 0;

  /** APIs after whose next successful call the function crashes (one entry per crash to come). */
  private crashes: string[] = [];
  /** Crashes that happened, for a scenario's report. */
  readonly crashed: string[] = [];

  /**
   * Instances whose SSM agent never registers (a broken agent or instance profile), whatever
   * their AMI: unlike `onlineAfter`, this can spare the canary of the same image.
   */
  neverOnline: (instance: FakeInstance) => boolean = () => false;

  /**
   * The function crashes (a Lambda timeout, an out-of-memory) right after the next `times`
   * successful calls of `api`: the call's effect stays, nothing after it in that invocation runs.
   */
  crashAfter(api: string, times = 1): void {
    for (let i = 0; i < times; i++) this.crashes.push(api);
  }

  setThrottling(rate: number, seed = 42): void {
    this.throttleRate = rate;
    this.rng = seeded(seed);
  }

  setSurfacedThrottling(rate: number, seed = 42): void {
    this.surfacedThrottleRate = rate;
    this.rng = seeded(seed);
  }

  now(): number {
    return Date.now();
  }

  nextId(prefix: string, width = 17): string {
    this.seq += 1;
    return `${prefix}${hex(this.seq, width)}`;
  }

  // ---- setup helpers

  addLaunchTemplate(name: string, imageIds: string[], settings: LaunchTemplateSettings = {}): LaunchTemplate {
    const lt: LaunchTemplate = {
      id: this.nextId('lt-'),
      name,
      versions: imageIds.map((imageId, i) => ({ number: i + 1, imageId, settings })),
      defaultVersion: imageIds.length,
      tokens: new Map(),
    };
    this.launchTemplates.set(lt.id, lt);
    return lt;
  }

  templateByName(name: string): LaunchTemplate {
    const lt = [...this.launchTemplates.values()].find((t) => t.name === name);
    if (!lt) throw new Error(`fake: no launch template ${name}`);
    return lt;
  }

  addGroup(group: Omit<FakeGroup, 'instances'>, instances = 0): FakeGroup {
    const g: FakeGroup = { ...group, instances: [] };
    this.groups.set(g.name, g);
    for (let i = 0; i < instances; i++) this.launchIntoGroup(g, { alreadyOnline: true });
    return g;
  }

  group(name: string): FakeGroup {
    const g = this.groups.get(name);
    if (!g) throw new Error(`fake: no group ${name}`);
    return g;
  }

  instance(id: string): FakeInstance {
    const i = this.instances.get(id);
    if (!i) throw new Error(`fake: no instance ${id}`);
    return i;
  }

  /** Live instances of a group (not terminated), oldest first. */
  groupInstances(name: string): FakeInstance[] {
    return this.group(name)
      .instances.map((i) => this.instance(i.id))
      .filter((i) => i.state !== 'terminated');
  }

  startJob(instanceId: string, minutes: number): Job {
    const job = { id: this.nextId('job-', 6), startedAt: this.now(), endsAt: this.now() + minutes * MINUTE };
    this.instance(instanceId).jobs.push(job);
    this.at(job.endsAt, `job ${job.id} on ${instanceId} ends`, () => this.settleCommands());
    return job;
  }

  runningJobs(instanceId: string): Job[] {
    return this.instance(instanceId).jobs.filter((j) => j.endsAt > this.now() && j.killedAt === undefined);
  }

  // ---- physics

  at(at: number, label: string, fire: () => void): void {
    this.timers.push({ at, label, fire });
  }

  /** When the next timed change is due, if any. */
  nextTimerAt(): number | undefined {
    return this.timers.length ? Math.min(...this.timers.map((t) => t.at)) : undefined;
  }

  /** Fires every timer due at or before now; returns their labels. */
  fireDueTimers(): string[] {
    const now = this.now();
    const due = this.timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > now);
    for (const t of due) t.fire();
    return due.map((t) => t.label);
  }

  private launch(input: {
    lt: LaunchTemplate;
    version: number;
    tags: Record<string, string>;
    group?: FakeGroup;
    subnetId?: string;
    alreadyOnline?: boolean;
  }): FakeInstance {
    const v = input.lt.versions.find((x) => x.number === input.version);
    if (!v) throw awsError('InvalidLaunchTemplateId.VersionNotFound', `version ${input.version} not found`);
    const id = this.nextId('i-');
    const now = this.now();
    const canary = input.tags['runner-autopilot:canary'] === 'true';
    const instance: FakeInstance = {
      id,
      state: input.alreadyOnline ? 'running' : 'pending',
      tags: {
        ...input.tags,
        'aws:ec2launchtemplate:id': input.lt.id,
        'aws:ec2launchtemplate:version': String(input.version),
        ...(input.group ? { 'aws:autoscaling:groupName': input.group.name } : {}),
      },
      privateIp: `10.0.${Math.floor(this.seq / 250)}.${(this.seq % 250) + 2}`,
      imageId: v.imageId,
      launchTemplateId: input.lt.id,
      launchTemplateVersion: input.version,
      ...(input.group ? { group: input.group.name } : {}),
      ...(input.subnetId ? { subnetId: input.subnetId } : {}),
      launchedAt: now,
      runner: input.group?.runsRunner && !canary ? 'stopped' : 'none',
      jobs: [],
    };
    this.instances.set(id, instance);
    if (input.alreadyOnline) {
      instance.onlineAt = now;
      if (instance.runner === 'stopped') instance.runner = 'running';
    } else {
      this.at(now + MINUTE, `${id} running`, () => {
        if (instance.state === 'pending') instance.state = 'running';
      });
      const minutes = this.neverOnline(instance)
        ? undefined
        : this.onlineAfter.has(v.imageId)
          ? this.onlineAfter.get(v.imageId)
          : this.bootMinutes;
      if (minutes !== undefined) {
        instance.onlineAt = now + minutes * MINUTE;
        this.at(instance.onlineAt, `${id} online in SSM`, () => {
          // A manager starts gitlab-runner at boot, after rendering its config; a canary never does.
          if (instance.state !== 'terminated' && instance.runner === 'stopped') instance.runner = 'running';
          this.checkInvariants();
        });
      }
    }
    if (input.group) input.group.instances.push({ id, lifecycleState: 'InService' });
    this.checkInvariants();
    return instance;
  }

  private resolveGroupVersion(g: FakeGroup): { lt: LaunchTemplate; version: number } {
    const lt = [...this.launchTemplates.values()].find(
      (t) => t.id === g.launchTemplate.id || t.name === g.launchTemplate.name,
    );
    if (!lt) throw new Error(`fake: group ${g.name} has no launch template`);
    const spec = g.launchTemplate.version;
    const version =
      spec === '$Default'
        ? lt.defaultVersion
        : spec === '$Latest'
          ? Math.max(...lt.versions.map((v) => v.number))
          : Number(spec);
    return { lt, version };
  }

  launchIntoGroup(g: FakeGroup, options: { alreadyOnline?: boolean } = {}): FakeInstance {
    const { lt, version } = this.resolveGroupVersion(g);
    return this.launch({ lt, version, tags: { Name: g.name }, group: g, ...options });
  }

  private terminate(instance: FakeInstance, by: string): void {
    if (instance.state === 'terminated' || instance.state === 'shutting-down') return;
    const running = this.runningJobs(instance.id);
    if (running.length > 0) {
      this.violations.push(
        `${by} terminated ${instance.id} while ${running.length} job(s) ran on it (${running.map((j) => j.id).join(', ')})`,
      );
      for (const job of running) job.killedAt = this.now();
    }
    instance.state = 'shutting-down';
    instance.endedAt = this.now();
    instance.runner = instance.runner === 'none' ? 'none' : 'stopped';
    instance.onlineAt = undefined;
    const member = instance.group
      ? this.group(instance.group).instances.find((i) => i.id === instance.id)
      : undefined;
    if (member) member.lifecycleState = 'Terminating';
    this.at(this.now() + MINUTE, `${instance.id} terminated`, () => {
      instance.state = 'terminated';
      if (member && instance.group) {
        const g = this.group(instance.group);
        g.instances.splice(g.instances.indexOf(member), 1);
      }
    });
  }

  /** Re-evaluates commands that wait on the world (drains), e.g. after a job ended. */
  settleCommands(): void {
    for (const c of this.commands) {
      if (c.status !== 'InProgress' || c.outcome.kind !== 'drain') continue;
      if (this.runningJobs(c.instanceId).length === 0) {
        const restart = c.outcome.restart === true;
        this.instance(c.instanceId).runner = restart ? 'running' : 'stopped';
        this.finishCommand(c, 'Success', `${restart ? 'restarted' : 'drained'}: no running job\nRESULT pass`);
      }
    }
  }

  /** systemd's TimeoutStopSec: the jobs still running are killed with the runner. */
  private drainBoundRanOut(c: FakeCommand): void {
    if (c.status !== 'InProgress' || c.outcome.kind !== 'drain') return;
    const instance = this.instance(c.instanceId);
    const running = this.runningJobs(c.instanceId);
    if (running.length > 0)
      this.violations.push(
        `${new Date(this.now()).toISOString()} the drain bound ran out on ${c.instanceId}: systemd killed ${running.length} running job(s) (${running.map((j) => j.id).join(', ')})`,
      );
    for (const job of running) job.killedAt = this.now();
    instance.runner = c.outcome.restart ? 'running' : 'stopped';
    this.finishCommand(c, 'Failed', `drain bound ran out: ${running.length} job(s) killed\nRESULT fail`);
  }

  private finishCommand(c: FakeCommand, status: 'Success' | 'Failed', stdout: string): void {
    if (c.status === 'Success' || c.status === 'Failed') return;
    c.status = status;
    c.stdout = stdout;
    this.emitCommandStatus(c);
  }

  private emitCommandStatus(c: FakeCommand): void {
    this.outbox.push({
      bus: 'default',
      event: {
        version: '0',
        id: this.nextId('ev-ssm-', 8),
        'detail-type': 'EC2 Command Status-change Notification',
        source: 'aws.ssm',
        account: ACCOUNT,
        time: new Date(this.now()).toISOString(),
        region: REGION,
        resources: [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${c.instanceId}`],
        detail: {
          'command-id': c.id,
          'document-name': c.documentName,
          'expire-after': new Date(c.requestedAt + 3600_000).toISOString(),
          parameters: c.parameters,
          'requested-date-time': new Date(c.requestedAt).toISOString(),
          status: c.status,
        },
      },
    });
  }

  /** Two gitlab-runner processes on one set of job groups delete each other's instances. */
  checkInvariants(): void {
    for (const g of this.groups.values()) {
      if (!g.runsRunner) continue;
      const managers = g.instances
        .map((i) => this.instance(i.id))
        .filter((i) => i.state === 'pending' || i.state === 'running');
      const runners = managers.filter((i) => i.runner === 'running' || i.runner === 'draining');
      this.mostManagers.set(g.name, Math.max(this.mostManagers.get(g.name) ?? 0, managers.length));
      if (managers.length > 1) {
        const line = `${new Date(this.now()).toISOString()} two manager instances in ${g.name}: ${managers.map((m) => m.id).join(', ')}`;
        if (!this.violations.includes(line)) this.violations.push(line);
      }
      if (runners.length > 1) {
        const line = `${new Date(this.now()).toISOString()} two runners in ${g.name}: ${runners.map((m) => m.id).join(', ')}`;
        if (!this.violations.includes(line)) this.violations.push(line);
      }
    }
  }

  // ---- API behaviour (one method per SDK command)

  /** The standard retry strategy, emulated: each attempt may be throttled; all throttled fails. */
  call<T>(api: string, fn: () => T): T {
    const scope = invocationScope.getStore();
    if (scope?.crashedAfter) throw new InvocationCrash(`dead since ${scope.crashedAfter}: no ${api}`);
    this.calls.push(api);
    if (scope?.service) {
      const counts = this.callsByService.get(scope.service) ?? new Map<string, number>();
      counts.set(api, (counts.get(api) ?? 0) + 1);
      this.callsByService.set(scope.service, counts);
    }
    if (this.surfacedThrottleRate > 0 && this.rng() < this.surfacedThrottleRate) {
      this.throttledCalls += 1;
      throw awsError('ThrottlingException', `Rate exceeded (${api})`);
    }
    if (this.throttleRate > 0) {
      let attempts = 0;
      while (attempts < clientConfig.maxAttempts && this.rng() < this.throttleRate) attempts += 1;
      this.throttledAttempts += attempts;
      if (attempts > 0) this.throttledCalls += 1;
      if (attempts >= clientConfig.maxAttempts)
        throw awsError('ThrottlingException', `Rate exceeded (${api})`);
    }
    const result = fn();
    const crash = this.crashes.indexOf(api);
    if (crash >= 0) {
      this.crashes.splice(crash, 1);
      this.crashed.push(`${new Date(this.now()).toISOString()} after ${api}`);
      throw awsError('FunctionCrashed', `fake: the function crashed right after ${api} succeeded`);
    }
    if (scope) {
      scope.calls += 1;
      if (scope.calls === scope.crashAfter) {
        scope.crashedAfter = `call ${scope.calls} (${api})`;
        throw new InvocationCrash(`crashed right after ${api} took effect`);
      }
    }
    return result;
  }

  describeLaunchTemplates(input: DescribeLaunchTemplatesCommandInput) {
    const ids = input.LaunchTemplateIds ?? [];
    const names = input.LaunchTemplateNames ?? [];
    const found = [...this.launchTemplates.values()].filter(
      (t) => ids.includes(t.id) || names.includes(t.name),
    );
    if (found.length === 0) {
      throw names.length
        ? awsError('InvalidLaunchTemplateName.NotFoundException', 'not found')
        : awsError('InvalidLaunchTemplateId.NotFound', 'not found');
    }
    return {
      LaunchTemplates: found.map((t) => ({
        LaunchTemplateId: t.id,
        LaunchTemplateName: t.name,
        DefaultVersionNumber: t.defaultVersion,
        LatestVersionNumber: Math.max(...t.versions.map((v) => v.number)),
      })),
    };
  }

  describeLaunchTemplateVersions(input: DescribeLaunchTemplateVersionsCommandInput) {
    const lt = this.launchTemplates.get(input.LaunchTemplateId ?? '');
    if (!lt) throw awsError('InvalidLaunchTemplateId.NotFound', 'not found');
    const latest = Math.max(...lt.versions.map((v) => v.number));
    const wanted = (input.Versions ?? []).map((v) =>
      v === '$Default' ? lt.defaultVersion : v === '$Latest' ? latest : Number(v),
    );
    // One version asked for that does not exist fails the whole call, as in EC2.
    const absent = wanted.find((n) => !lt.versions.some((v) => v.number === n));
    if (absent !== undefined)
      throw awsError(
        'InvalidLaunchTemplateId.VersionNotFound',
        `Could not find the specified version ${absent}`,
      );
    const versions = input.Versions?.length
      ? lt.versions.filter((v) => wanted.includes(v.number))
      : lt.versions;
    return {
      LaunchTemplateVersions: versions.map((v) => ({
        LaunchTemplateId: lt.id,
        VersionNumber: v.number,
        VersionDescription: v.description,
        DefaultVersion: v.number === lt.defaultVersion,
        LaunchTemplateData: { ...v.settings, ImageId: v.imageId },
      })),
    };
  }

  createLaunchTemplateVersion(input: CreateLaunchTemplateVersionCommandInput) {
    const lt = this.launchTemplates.get(input.LaunchTemplateId ?? '');
    if (!lt) throw awsError('InvalidLaunchTemplateId.NotFound', 'not found');
    const token = input.ClientToken ?? '';
    const existing = token ? lt.tokens.get(token) : undefined;
    const make = (): number => {
      // Without SourceVersion a version holds only the data sent.
      const source =
        input.SourceVersion === undefined
          ? { imageId: '', settings: {} }
          : lt.versions.find((v) => String(v.number) === input.SourceVersion);
      if (!source)
        throw awsError('InvalidLaunchTemplateId.VersionNotFound', `no version ${input.SourceVersion}`);
      const number = Math.max(...lt.versions.map((v) => v.number)) + 1;
      // SourceVersion copies every setting; LaunchTemplateData overrides only the keys it names.
      const { ImageId, ...overrides } = input.LaunchTemplateData ?? {};
      lt.versions.push({
        number,
        imageId: ImageId ?? source.imageId,
        ...(input.VersionDescription ? { description: input.VersionDescription } : {}),
        settings: { ...source.settings, ...overrides },
      });
      if (token) lt.tokens.set(token, number);
      return number;
    };
    const number = existing ?? make();
    return {
      LaunchTemplateVersion: { LaunchTemplateId: lt.id, VersionNumber: number, DefaultVersion: false },
    };
  }

  modifyLaunchTemplate(input: ModifyLaunchTemplateCommandInput) {
    const lt = this.launchTemplates.get(input.LaunchTemplateId ?? '');
    if (!lt) throw awsError('InvalidLaunchTemplateId.NotFound', 'not found');
    const version = Number(input.DefaultVersion);
    if (!lt.versions.some((v) => v.number === version)) {
      throw awsError('InvalidLaunchTemplateId.VersionNotFound', `no version ${input.DefaultVersion}`);
    }
    lt.defaultVersion = version;
    return { LaunchTemplate: { LaunchTemplateId: lt.id, DefaultVersionNumber: version } };
  }

  runInstances(input: RunInstancesCommandInput) {
    const token = input.ClientToken ?? '';
    const known = token ? this.runTokens.get(token) : undefined;
    const instance = known
      ? this.instance(known)
      : (() => {
          const lt = this.launchTemplates.get(input.LaunchTemplate?.LaunchTemplateId ?? '');
          if (!lt) throw awsError('InvalidLaunchTemplateId.NotFound', 'not found');
          const spec = input.LaunchTemplate?.Version ?? '$Default';
          const version = spec === '$Default' ? lt.defaultVersion : Number(spec);
          const tags = Object.fromEntries(
            (input.TagSpecifications ?? [])
              .filter((s) => s.ResourceType === 'instance')
              .flatMap((s) => s.Tags ?? [])
              .map((t) => [t.Key ?? '', t.Value ?? '']),
          );
          const launched = this.launch({ lt, version, tags, subnetId: input.SubnetId });
          if (token) this.runTokens.set(token, launched.id);
          return launched;
        })();
    return { Instances: [this.toEc2(instance)] };
  }

  private toEc2(i: FakeInstance) {
    return {
      InstanceId: i.id,
      State: { Name: i.state },
      ImageId: i.imageId,
      LaunchTime: new Date(i.launchedAt),
      PrivateIpAddress: i.privateIp,
      ...(i.subnetId ? { SubnetId: i.subnetId } : {}),
      Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
    };
  }

  describeInstances(input: DescribeInstancesCommandInput) {
    if (input.InstanceIds?.length)
      throw new Error('fake: the adapter filters by instance-id, never InstanceIds');
    const matches = (i: FakeInstance) =>
      (input.Filters ?? []).every((f) => {
        const values = f.Values ?? [];
        if (f.Name === 'instance-id') return values.includes(i.id);
        if (f.Name === 'instance-state-name') return values.includes(i.state);
        if (f.Name === 'image-id') return values.includes(i.imageId);
        if (f.Name?.startsWith('tag:')) return values.includes(i.tags[f.Name.slice(4)] ?? '\u0000');
        throw new Error(`fake: unsupported filter ${f.Name}`);
      });
    // Pages as EC2 does: MaxResults 5-1000, NextToken to go on (the adapter must follow it).
    const max = input.MaxResults;
    if (max !== undefined && (max < 5 || max > 1000))
      throw awsError('InvalidParameterValue', `MaxResults ${max} is not between 5 and 1000`);
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const found = [...this.instances.values()].filter(matches);
    const end = max === undefined ? found.length : Math.min(found.length, start + max);
    return {
      // Each launch is its own reservation.
      Reservations: found.slice(start, end).map((i) => ({
        ReservationId: `r-${i.id.slice(2)}`,
        Instances: [this.toEc2(i)],
      })),
      ...(end < found.length ? { NextToken: String(end) } : {}),
    };
  }

  terminateInstances(input: TerminateInstancesCommandInput) {
    const ids = input.InstanceIds ?? [];
    const unknown = ids.filter((id) => !this.instances.has(id));
    if (unknown.length) throw awsError('InvalidInstanceID.NotFound', `unknown ${unknown.join(', ')}`);
    for (const id of ids) {
      const instance = this.instance(id);
      this.terminate(instance, 'TerminateInstances');
      // An instance of a group that is terminated from outside is replaced by the group.
      if (instance.group) this.scheduleReplacement(this.group(instance.group));
    }
    return { TerminatingInstances: ids.map((InstanceId) => ({ InstanceId })) };
  }

  describeAutoScalingGroups(input: DescribeAutoScalingGroupsCommandInput) {
    const names = input.AutoScalingGroupNames ?? [];
    return {
      AutoScalingGroups: [...this.groups.values()]
        .filter((g) => names.includes(g.name))
        .map((g) => ({
          AutoScalingGroupName: g.name,
          MinSize: g.minSize,
          MaxSize: g.maxSize,
          DesiredCapacity: g.desiredCapacity,
          LaunchTemplate: {
            LaunchTemplateId: g.launchTemplate.id,
            LaunchTemplateName: g.launchTemplate.name,
            Version: g.launchTemplate.version,
          },
          SuspendedProcesses: g.suspendedProcesses.map((ProcessName) => ({ ProcessName })),
          ...(g.instanceMaintenancePolicy
            ? {
                InstanceMaintenancePolicy: {
                  MinHealthyPercentage: g.instanceMaintenancePolicy.minHealthyPercentage,
                  MaxHealthyPercentage: g.instanceMaintenancePolicy.maxHealthyPercentage,
                },
              }
            : {}),
          Instances: g.instances.map((m) => {
            const i = this.instance(m.id);
            return {
              InstanceId: m.id,
              LifecycleState: m.lifecycleState,
              HealthStatus: m.healthStatus ?? 'Healthy',
              LaunchTemplate: {
                LaunchTemplateId: i.launchTemplateId,
                Version: String(i.launchTemplateVersion),
              },
              ProtectedFromScaleIn: false,
            };
          }),
        })),
    };
  }

  describeWarmPool(input: DescribeWarmPoolCommandInput) {
    const g = this.groups.get(input.AutoScalingGroupName ?? '');
    if (!g) throw awsError('ValidationError', `group ${input.AutoScalingGroupName} not found`);
    return g.warmPool ? { WarmPoolConfiguration: { MinSize: 0 }, Instances: [] } : { Instances: [] };
  }

  /**
   * The processes a query names; none named means every process (Auto Scaling API reference,
   * SuspendProcesses). A name outside the list fails loudly: AWS's answer to it is not documented.
   */
  private namedProcesses(input: { ScalingProcesses?: string[] }): string[] {
    const all: readonly string[] = SCALING_PROCESSES;
    const named = input.ScalingProcesses?.length ? input.ScalingProcesses : [...all];
    const unknown = named.filter((p) => !all.includes(p));
    if (unknown.length) throw new Error(`fake: unknown scaling process ${unknown.join(', ')}`);
    return named;
  }

  private groupNamed(name: string | undefined): FakeGroup {
    const g = this.groups.get(name ?? '');
    // AWS's answer for an unknown group is not documented here: fail loudly instead of guessing.
    if (!g) throw new Error(`fake: no group ${name}`);
    return g;
  }

  /** A set of suspended processes: suspending one already suspended changes nothing. */
  suspendProcesses(input: SuspendProcessesCommandInput) {
    const g = this.groupNamed(input.AutoScalingGroupName);
    g.suspendedProcesses = [...new Set([...g.suspendedProcesses, ...this.namedProcesses(input)])];
    return {};
  }

  /**
   * Resumes the named processes, and nothing else. A group whose Launch resumes replaces what it
   * terminated meanwhile ("How suspended processes affect other processes", Launch is suspended),
   * after the fake's usual replacement delay.
   */
  resumeProcesses(input: ResumeProcessesCommandInput) {
    const g = this.groupNamed(input.AutoScalingGroupName);
    const named = this.namedProcesses(input);
    const launchWasSuspended = g.suspendedProcesses.includes('Launch');
    g.suspendedProcesses = g.suspendedProcesses.filter((p) => !named.includes(p));
    if (launchWasSuspended && named.includes('Launch')) this.scheduleReplacement(g);
    return {};
  }

  /**
   * A health check finds an instance of a group impaired (an EC2 status check, or SetInstanceHealth
   * Unhealthy): the group marks it Unhealthy and its ReplaceUnhealthy process terminates it and
   * launches a replacement at the group's current version (Auto Scaling user guide, "Health checks
   * for instances in an Auto Scaling group"); the jobs running there die with it. While
   * ReplaceUnhealthy is suspended the instance stays, marked Unhealthy; while Launch is suspended
   * it is terminated and not replaced ("How suspended processes affect other processes").
   *
   * Without a maintenance policy the group terminates first and launches while the old instance
   * terminates ("View the reason for health check failures"). A policy keeping 100% healthy
   * (MinHealthyPercentage 100) launches the replacement first and terminates the old instance once
   * the new one is ready (here: online in SSM): two managers at once on a manager group.
   *
   * Returns whether the group started replacing the instance.
   */
  markUnhealthy(instanceId: string): boolean {
    const instance = this.instance(instanceId);
    const g = instance.group ? this.group(instance.group) : undefined;
    const member = g?.instances.find((m) => m.id === instanceId);
    if (!g || !member) throw new Error(`fake: ${instanceId} is in no group`);
    member.healthStatus = 'Unhealthy';
    if (g.suspendedProcesses.includes('ReplaceUnhealthy')) return false;
    const launchFirst =
      g.instanceMaintenancePolicy?.minHealthyPercentage === 100 && !g.suspendedProcesses.includes('Launch');
    if (launchFirst) {
      const replacement = this.launchIntoGroup(g);
      this.at(
        replacement.onlineAt ?? this.now() + this.bootMinutes * MINUTE,
        `${g.name} retires ${instanceId}`,
        () => this.terminate(instance, 'ReplaceUnhealthy'),
      );
    } else {
      this.terminate(instance, 'ReplaceUnhealthy');
      this.scheduleReplacement(g);
    }
    return true;
  }

  private scheduleReplacement(g: FakeGroup): void {
    this.at(this.now() + this.replacementMinutes * MINUTE, `${g.name} launches a replacement`, () => {
      const live = g.instances.filter((i) => i.lifecycleState === 'InService').length;
      // The replacement is the Launch process: suspended, none comes (DESIGN.md, Auto Scaling).
      if (live < g.desiredCapacity && !g.suspendedProcesses.includes('Launch')) this.launchIntoGroup(g);
    });
  }

  terminateInstanceInAutoScalingGroup(input: TerminateInstanceInAutoScalingGroupCommandInput) {
    const instance = this.instances.get(input.InstanceId ?? '');
    const g = instance?.group ? this.groups.get(instance.group) : undefined;
    if (!instance || !g || instance.state === 'terminated') {
      throw awsError(
        'ValidationError',
        `Instance Id not found - No managed instance found for instance ID: ${input.InstanceId}`,
      );
    }
    if (input.ShouldDecrementDesiredCapacity) g.desiredCapacity -= 1;
    this.terminate(instance, 'TerminateInstanceInAutoScalingGroup');
    if (!input.ShouldDecrementDesiredCapacity) this.scheduleReplacement(g);
    return { Activity: { ActivityId: this.nextId('act-', 8), StatusCode: 'InProgress' } };
  }

  isOnline(id: string): boolean {
    const i = this.instances.get(id);
    return !!i && i.state === 'running' && i.onlineAt !== undefined && i.onlineAt <= this.now();
  }

  describeInstanceInformation(input: DescribeInstanceInformationCommandInput) {
    const ids = input.Filters?.find((f) => f.Key === 'InstanceIds')?.Values ?? [];
    const ping = input.Filters?.find((f) => f.Key === 'PingStatus')?.Values;
    const list = ids
      .filter((id) => this.instances.get(id)?.onlineAt !== undefined)
      .map((id) => ({ InstanceId: id, PingStatus: this.isOnline(id) ? 'Online' : 'ConnectionLost' }))
      .filter((i) => !ping || ping.includes(i.PingStatus));
    return { InstanceInformationList: list };
  }

  /**
   * SendCommand to 1-50 instances (SendCommand API reference, InstanceIds): one command id, one
   * invocation per instance, each run by its document's script. Every instance must be online.
   */
  sendCommand(input: SendCommandCommandInput) {
    const ids = input.InstanceIds ?? [];
    if (ids.length < 1 || ids.length > 50)
      throw awsError('ValidationException', `InstanceIds takes 1-50 ids, got ${ids.length}`);
    const documentName = input.DocumentName ?? '';
    const refusal = sendCommandRefusal(this.documents, documentName, input.Parameters ?? {});
    if (refusal) {
      this.refusedCommands.push(`${refusal.name}: ${refusal.message}`);
      throw awsError(refusal.name, refusal.message);
    }
    const offline = ids.find((id) => !this.isOnline(id));
    if (offline) throw awsError('InvalidInstanceId', `${offline} is not online`);
    const key = documentName.replace(/^.*-autopilot-/, '') as DocumentKey;
    const id = `cmd-${hex(++this.seq, 8)}-0000-4000-8000-000000000000`;
    for (const instanceId of ids) this.startInvocation(id, key, instanceId, input);
    return {
      Command: {
        CommandId: id,
        DocumentName: documentName,
        Comment: input.Comment ?? '',
        Status: 'Pending',
        InstanceIds: ids,
        RequestedDateTime: new Date(this.now()),
      },
    };
  }

  private startInvocation(id: string, key: DocumentKey, instanceId: string, input: SendCommandCommandInput) {
    const command: Omit<FakeCommand, 'outcome'> & { outcome?: Outcome } = {
      id,
      documentName: input.DocumentName ?? '',
      instanceId,
      parameters: input.Parameters ?? {},
      comment: input.Comment ?? '',
      requestedAt: this.now(),
      status: 'InProgress',
      stdout: '',
    };
    const script = this.scripts[key] ?? defaultScript(key);
    const full = { ...command, outcome: { kind: 'hang' } as Outcome };
    const outcome = script(full, this.instances.get(instanceId), this);
    const c: FakeCommand = { ...command, outcome };
    this.commands.push(c);
    if (outcome.kind === 'drain') {
      this.instance(instanceId).runner = 'draining';
      this.at(this.now() + MINUTE, `drain on ${instanceId} checks its jobs`, () => this.settleCommands());
      const bound = Number(c.parameters.DrainTimeoutSeconds?.[0]);
      if (Number.isFinite(bound) && bound > 0)
        this.at(this.now() + bound * 1000, `drain bound on ${instanceId} runs out`, () =>
          this.drainBoundRanOut(c),
        );
    } else if (outcome.kind === 'pass' || outcome.kind === 'fail') {
      const minutes = outcome.afterMinutes ?? SIMULATED_MINUTES.command;
      this.at(this.now() + minutes * MINUTE, `${key} on ${instanceId} ends ${outcome.kind}`, () => {
        if (!this.isOnline(instanceId)) return this.finishCommand(c, 'Failed', 'instance went away');
        if (key === 'restart-manager' && outcome.kind === 'pass')
          this.instance(instanceId).runner = 'running';
        this.finishCommand(
          c,
          outcome.kind === 'pass' ? 'Success' : 'Failed',
          outcome.output ?? (outcome.kind === 'pass' ? 'RESULT pass' : `RESULT fail: ${key} failed`),
        );
      });
    }
  }

  /** A command's invocations in one entry each (a command of several instances is listed once). */
  listCommands(input: ListCommandsCommandInput) {
    const doc = input.Filters?.find((f) => f.key === 'DocumentName')?.value;
    const after = input.Filters?.find((f) => f.key === 'InvokedAfter')?.value;
    const found = this.commands
      .filter((c) => (input.InstanceId ? c.instanceId === input.InstanceId : true))
      .filter((c) => (doc ? c.documentName === doc : true))
      .filter((c) => (after ? c.requestedAt >= Date.parse(after) : true))
      .sort((a, b) => b.requestedAt - a.requestedAt);
    const byId = new Map<string, FakeCommand[]>();
    for (const c of found) byId.set(c.id, [...(byId.get(c.id) ?? []), c]);
    return {
      Commands: [...byId.values()].map((invocations) => {
        const c = invocations[0]!;
        return {
          CommandId: c.id,
          DocumentName: c.documentName,
          Comment: c.comment,
          Status: invocations.every((i) => i.status === 'Success')
            ? 'Success'
            : invocations.some((i) => i.status === 'InProgress' || i.status === 'Pending')
              ? 'InProgress'
              : 'Failed',
          InstanceIds: invocations.map((i) => i.instanceId),
          RequestedDateTime: new Date(c.requestedAt),
        };
      }),
    };
  }

  getCommandInvocation(input: GetCommandInvocationCommandInput) {
    const c = this.commands.find((x) => x.id === input.CommandId && x.instanceId === input.InstanceId);
    if (!c) throw awsError('InvocationDoesNotExist', 'no such invocation');
    const done = c.status === 'Success' || c.status === 'Failed';
    return {
      CommandId: c.id,
      InstanceId: c.instanceId,
      DocumentName: c.documentName,
      Status: c.status,
      StatusDetails: c.status,
      ResponseCode: done ? (c.status === 'Success' ? 0 : 1) : -1,
      StandardOutputContent: done ? c.stdout : '',
      StandardErrorContent: '',
    };
  }

  // ---- What the fleet sweeper reads (functions/fleet-sweeper/api-operations.ts): status checks,
  // Auto Scaling membership and activities, CPU and network, the job check's answers.

  /** Instances whose instance (or system) status check fails, and since when. */
  readonly impaired = new Map<string, { readonly check: 'instance' | 'system'; readonly since: number }>();

  /**
   * DescribeInstanceStatus as the EC2 API reference states it: running instances only (no
   * IncludeAllInstances), MaxResults 5-1000 with NextToken. The status filters and
   * `instance-state-name` are modelled; InstanceIds and other filters are not (we send none).
   */
  describeInstanceStatus(input: DescribeInstanceStatusCommandInput) {
    if (input.InstanceIds?.length || input.IncludeAllInstances)
      throw new Error('fake ec2: DescribeInstanceStatus InstanceIds/IncludeAllInstances are not modelled');
    const max = input.MaxResults ?? 1000;
    if (max < 5 || max > 1000)
      throw awsError('InvalidParameterValue', `MaxResults ${max} is not between 5 and 1000`);
    const statusOf = (i: FakeInstance) => {
      const bad = this.impaired.get(i.id);
      const check = (kind: 'instance' | 'system') => {
        const failed = bad?.check === kind;
        return {
          Status: failed ? 'impaired' : 'ok',
          Details: [
            {
              Name: 'reachability',
              Status: failed ? 'failed' : 'passed',
              ...(failed ? { ImpairedSince: new Date(bad.since) } : {}),
            },
          ],
        };
      };
      return {
        InstanceId: i.id,
        AvailabilityZone: `${REGION}a`,
        InstanceState: { Code: 16, Name: 'running' },
        InstanceStatus: check('instance'),
        SystemStatus: check('system'),
      };
    };
    const matches = (s: ReturnType<typeof statusOf>) =>
      (input.Filters ?? []).every((f) => {
        const values = f.Values ?? [];
        if (f.Name === 'instance-status.status') return values.includes(s.InstanceStatus.Status);
        if (f.Name === 'system-status.status') return values.includes(s.SystemStatus.Status);
        if (f.Name === 'instance-state-name') return values.includes(s.InstanceState.Name);
        throw new Error(`fake ec2: DescribeInstanceStatus filter ${f.Name} is not modelled`);
      });
    const found = [...this.instances.values()]
      .filter((i) => i.state === 'running')
      .map(statusOf)
      .filter(matches);
    const start = Number(input.NextToken ?? 0);
    const end = Math.min(found.length, start + max);
    return {
      InstanceStatuses: found.slice(start, end),
      ...(end < found.length ? { NextToken: String(end) } : {}),
    };
  }

  /**
   * DescribeAutoScalingInstances (Auto Scaling API reference): up to 50 InstanceIds, ids no group
   * holds ignored with no error, MaxRecords up to 50 (its default) with NextToken; without ids,
   * every instance of every group. This API spells health in capitals (HEALTHY).
   */
  describeAutoScalingInstances(input: DescribeAutoScalingInstancesCommandInput) {
    const ids = input.InstanceIds;
    if (ids && ids.length > 50)
      throw awsError('ValidationError', `InstanceIds takes at most 50 ids, got ${ids.length}`);
    const max = input.MaxRecords ?? 50;
    if (max < 1 || max > 50) throw awsError('ValidationError', `MaxRecords ${max} is not between 1 and 50`);
    const found = [...this.groups.values()]
      .flatMap((g) => g.instances.map((m) => ({ g, m })))
      .filter(({ m }) => !ids || ids.includes(m.id))
      .map(({ g, m }) => {
        const i = this.instance(m.id);
        return {
          InstanceId: m.id,
          AutoScalingGroupName: g.name,
          AvailabilityZone: `${REGION}a`,
          LifecycleState: m.lifecycleState,
          HealthStatus: m.healthStatus === 'Unhealthy' ? 'UNHEALTHY' : 'HEALTHY',
          LaunchTemplate: {
            LaunchTemplateId: i.launchTemplateId,
            LaunchTemplateName: this.launchTemplates.get(i.launchTemplateId)?.name,
            Version: String(i.launchTemplateVersion),
          },
          ProtectedFromScaleIn: false,
        };
      });
    const start = Number(input.NextToken ?? 0);
    const end = Math.min(found.length, start + max);
    return {
      AutoScalingInstances: found.slice(start, end),
      ...(end < found.length ? { NextToken: String(end) } : {}),
    };
  }

  /**
   * DescribeScalingActivities of one group (Auto Scaling API reference): newest first, MaxRecords
   * up to 100 (its default) with NextToken. The activities are the group's launches and
   * terminations, from its instances' history. ActivityIds and account-wide listing are not modelled.
   */
  describeScalingActivities(input: DescribeScalingActivitiesCommandInput) {
    if (input.ActivityIds?.length || !input.AutoScalingGroupName)
      throw new Error('fake autoscaling: DescribeScalingActivities needs a group and no ActivityIds');
    const group = this.groupNamed(input.AutoScalingGroupName);
    const max = input.MaxRecords ?? 100;
    if (max < 1 || max > 100) throw awsError('ValidationError', `MaxRecords ${max} is not between 1 and 100`);
    const activity = (
      i: FakeInstance,
      verb: 'Launching a new' | 'Terminating',
      at: number,
      done: boolean,
    ) => ({
      ActivityId: createHash('sha256').update(`${verb} ${i.id}`).digest('hex').slice(0, 36),
      AutoScalingGroupName: group.name,
      Description: `${verb} EC2 instance: ${i.id}`,
      Cause: `At ${new Date(at).toISOString()} an instance was ${verb === 'Terminating' ? 'taken out of service' : 'started'}.`,
      StartTime: new Date(at),
      StatusCode: done ? 'Successful' : 'InProgress',
      Progress: done ? 100 : 50,
    });
    const found = [...this.instances.values()]
      .filter((i) => i.group === group.name)
      .flatMap((i) => [
        activity(i, 'Launching a new', i.launchedAt, i.state !== 'pending'),
        ...(i.endedAt === undefined ? [] : [activity(i, 'Terminating', i.endedAt, i.state === 'terminated')]),
      ])
      .sort((a, b) => b.StartTime.getTime() - a.StartTime.getTime());
    const start = Number(input.NextToken ?? 0);
    const end = Math.min(found.length, start + max);
    return {
      Activities: found.slice(start, end),
      ...(end < found.length ? { NextToken: String(end) } : {}),
    };
  }

  /** CPUUtilization (percent) of an instance over a period: a job keeps it busy. */
  busyCpuPercent = 70;
  quietCpuPercent = 1;
  /** NetworkIn or NetworkOut (bytes) of an instance over a 5-minute period, busy or quiet. */
  busyNetworkBytes = 50_000_000;
  quietNetworkBytes = 40_000;

  /** The value of an AWS/EC2 metric of `instance` over [from, to), or undefined when it has none. */
  private instanceMetric(
    instance: FakeInstance,
    metric: string,
    from: number,
    to: number,
  ): number | undefined {
    const ended = instance.endedAt ?? Infinity;
    if (instance.launchedAt >= to || ended <= from || from >= this.now()) return undefined;
    const busy = instance.jobs.some((j) => j.startedAt < to && (j.killedAt ?? j.endsAt) > from);
    const seconds = (to - from) / 1000;
    if (metric === 'CPUUtilization') return busy ? this.busyCpuPercent : this.quietCpuPercent;
    if (metric === 'NetworkIn' || metric === 'NetworkOut')
      return ((busy ? this.busyNetworkBytes : this.quietNetworkBytes) * seconds) / 300;
    return undefined;
  }

  /**
   * GetMetricData as the CloudWatch API reference states it: 1-500 MetricDataQueries with unique
   * ids (a lowercase letter first), StartTime before EndTime, datapoints newest first unless
   * ScanBy TimestampAscending, at most MaxDatapoints (default 100,800) per page with NextToken.
   * The fake knows CPUUtilization, NetworkIn and NetworkOut of its instances (AWS/EC2, by
   * InstanceId): busy while a job runs there, quiet otherwise. Any other metric has no data.
   * Metric math and a query's series split over pages are not modelled.
   */
  getMetricData(input: GetMetricDataCommandInput) {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length < 1 || queries.length > 500)
      throw awsError('ValidationError', `MetricDataQueries takes 1-500 queries, got ${queries.length}`);
    const ids = queries.map((q) => q.Id ?? '');
    const badId = ids.find((id) => !/^[a-z][a-zA-Z0-9_]*$/.test(id));
    if (badId !== undefined)
      throw awsError('ValidationError', `Id ${badId} must start with a lowercase letter`);
    if (new Set(ids).size !== ids.length)
      throw awsError('ValidationError', 'The values for Id must be unique');
    const from = input.StartTime?.getTime() ?? NaN;
    const to = input.EndTime?.getTime() ?? NaN;
    if (!(from < to)) throw awsError('ValidationError', 'The parameter StartTime must be less than EndTime');
    const results: MetricDataResult[] = queries.map((q) => {
      const stat = q.MetricStat;
      if (!stat || q.Expression !== undefined)
        throw new Error('fake cloudwatch: only MetricStat queries are modelled');
      const period = (stat.Period ?? 0) * 1000;
      if (period <= 0 || period % MINUTE !== 0)
        throw new Error(`fake cloudwatch: Period ${stat.Period} is not a whole number of minutes`);
      const metric = stat.Metric;
      const instanceId = metric?.Dimensions?.find((d) => d.Name === 'InstanceId')?.Value;
      const instance =
        metric?.Namespace === 'AWS/EC2' && metric.Dimensions?.length === 1 && instanceId
          ? this.instances.get(instanceId)
          : undefined;
      const points: { t: number; v: number }[] = [];
      // CloudWatch rounds StartTime down to the minute (data less than 15 days old).
      for (let t = Math.floor(from / MINUTE) * MINUTE; instance && t < to; t += period) {
        const v = this.instanceMetric(instance, metric?.MetricName ?? '', t, t + period);
        if (v !== undefined) points.push({ t, v });
      }
      if (input.ScanBy !== 'TimestampAscending') points.reverse();
      return {
        Id: q.Id,
        Label: q.Label ?? metric?.MetricName,
        Timestamps: points.map((p) => new Date(p.t)),
        Values: points.map((p) => p.v),
        StatusCode: 'Complete',
      };
    });
    const max = input.MaxDatapoints ?? 100_800;
    const start = Number(input.NextToken ?? 0);
    let end = start;
    for (let points = 0; end < results.length; end++) {
      points += results[end]?.Values?.length ?? 0;
      if (points > max) break;
    }
    if (end === start && end < results.length)
      throw new Error('fake cloudwatch: a series longer than MaxDatapoints is not modelled');
    return {
      MetricDataResults: results.slice(start, end),
      Messages: [],
      ...(end < results.length ? { NextToken: String(end) } : {}),
    };
  }

  /**
   * ListCommandInvocations of one command (SSM API reference): its invocations, MaxResults 1-50
   * with NextToken, and with `Details` each step's output (its first 2,500 characters). Filters
   * and listing without a CommandId are not modelled.
   */
  listCommandInvocations(input: ListCommandInvocationsCommandInput) {
    if (input.Filters?.length || !input.CommandId)
      throw new Error('fake ssm: ListCommandInvocations needs a CommandId and no Filters');
    const max = input.MaxResults ?? 50;
    if (max < 1 || max > 50)
      throw awsError('ValidationException', `MaxResults ${max} is not between 1 and 50`);
    const found = this.commands.filter(
      (c) => c.id === input.CommandId && (!input.InstanceId || c.instanceId === input.InstanceId),
    );
    const start = Number(input.NextToken ?? 0);
    const end = Math.min(found.length, start + max);
    return {
      CommandInvocations: found.slice(start, end).map((c) => {
        const done = c.status === 'Success' || c.status === 'Failed';
        const step = this.documents.get(c.documentName)?.mainSteps[0].name ?? 'aws:runShellScript';
        return {
          CommandId: c.id,
          InstanceId: c.instanceId,
          DocumentName: c.documentName,
          Comment: c.comment,
          RequestedDateTime: new Date(c.requestedAt),
          Status: c.status,
          StatusDetails: c.status,
          ...(input.Details
            ? {
                CommandPlugins: [
                  {
                    Name: step,
                    Status: c.status,
                    ResponseCode: done ? (c.status === 'Success' ? 0 : 1) : -1,
                    Output: done ? c.stdout.slice(0, 2500) : '',
                  },
                ],
              }
            : {}),
        };
      }),
      ...(end < found.length ? { NextToken: String(end) } : {}),
    };
  }

  createSchedule(input: CreateScheduleCommandInput) {
    // Scheduler API reference, CreateSchedule: Name is 1-64 characters of [0-9a-zA-Z-_.].
    if (!/^[0-9a-zA-Z_.-]{1,64}$/.test(input.Name ?? ''))
      throw awsError('ValidationException', `schedule name ${JSON.stringify(input.Name)} is not valid`);
    const key = `${input.GroupName ?? 'default'}/${input.Name ?? ''}`;
    if (this.schedules.has(key)) throw awsError('ConflictException', `schedule ${input.Name} already exists`);
    const m = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(input.ScheduleExpression ?? '');
    if (!m)
      throw new Error(
        `fake: only one-time schedules are created at run time, got ${input.ScheduleExpression}`,
      );
    if (input.ActionAfterCompletion !== 'DELETE')
      throw new Error('fake: a one-time schedule must delete itself');
    const zone = input.ScheduleExpressionTimezone ?? 'UTC';
    if (zone !== 'UTC') throw new Error(`fake: schedules are expected in UTC, got ${zone}`);
    const schedule: FakeSchedule = {
      name: input.Name ?? '',
      groupName: input.GroupName ?? 'default',
      // Scheduler fires within the minute: never before the requested second.
      at: Date.parse(`${m[1]}Z`),
      targetArn: input.Target?.Arn ?? '',
      input: input.Target?.Input ?? '{}',
    };
    this.schedules.set(key, schedule);
    this.schedulesCreated.push(schedule);
    return {
      ScheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${schedule.groupName}/${schedule.name}`,
    };
  }

  deleteSchedule(input: DeleteScheduleCommandInput) {
    const key = `${input.GroupName ?? 'default'}/${input.Name ?? ''}`;
    if (!this.schedules.delete(key))
      throw awsError('ResourceNotFoundException', `schedule ${input.Name} not found`);
    return {};
  }

  /** The earliest one-time schedule due now, removed as it runs (ActionAfterCompletion DELETE). */
  takeDueSchedule(): FakeSchedule | undefined {
    const [due] = [...this.schedules.entries()]
      .filter(([, s]) => s.at <= this.now())
      .sort((a, b) => a[1].at - b[1].at);
    if (!due) return undefined;
    this.schedules.delete(due[0]);
    return due[1];
  }

  nextScheduleAt(): number | undefined {
    const all = [...this.schedules.values()].map((s) => s.at);
    return all.length ? Math.min(...all) : undefined;
  }

  /** Writes a parameter (as a deploy does) and emits its Parameter Store Change on the default bus. */
  putParameter(name: string, value: string, type: FakeParameter['type'] = 'String'): void {
    const operation = this.parameters.has(name) ? 'Update' : 'Create';
    this.parameters.set(name, { value, type });
    this.outbox.push({
      bus: 'default',
      event: {
        version: '0',
        id: this.nextId('ev-ps-', 8),
        'detail-type': 'Parameter Store Change',
        source: 'aws.ssm',
        account: ACCOUNT,
        time: new Date(this.now()).toISOString(),
        region: REGION,
        resources: [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`],
        detail: { name, type, operation },
      },
    });
  }

  getParameter(input: GetParameterCommandInput) {
    const name = input.Name ?? '';
    const found = this.parameters.get(name);
    if (!found) throw awsError('ParameterNotFound', `parameter ${name} not found`);
    const secure = found.type === 'SecureString';
    if (secure && input.WithDecryption) this.decryptedReads.push(name);
    return {
      Parameter: {
        Name: name,
        Type: found.type,
        Value: secure && !input.WithDecryption ? 'AQICAHhCIPHERTEXTb64==' : found.value,
        Version: 1,
      },
    };
  }

  describeAlarms(input: DescribeAlarmsCommandInput) {
    const names = input.AlarmNames ?? [];
    return {
      MetricAlarms: names
        .filter((n) => this.alarms.has(n))
        .map((n) => ({ AlarmName: n, StateValue: this.alarms.get(n), StateReason: 'scenario' })),
      CompositeAlarms: [],
    };
  }

  /**
   * PutEvents as the EventBridge API reference states it: 1-10 entries and less than 256 KB of
   * entries per request (else the whole call is a ValidationException); an entry without Source,
   * DetailType or Detail, or whose Detail is not a JSON object, fails alone (FailedEntryCount).
   * A bus that does not exist is not an error: AWS answers with an event id and drops the event
   * (aws/aws-sdk#186), so nothing is delivered.
   */
  putEventsCall(input: PutEventsCommandInput) {
    const entries = input.Entries ?? [];
    if (entries.length < 1 || entries.length > PUT_EVENTS_MAX_ENTRIES)
      throw awsError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${PUT_EVENTS_MAX_ENTRIES}`,
      );
    if (entries.reduce((sum, e) => sum + putEventsEntrySize(e), 0) >= PUT_EVENTS_MAX_BYTES)
      throw awsError('ValidationException', 'Total size of the entries in the request is over the limit.');
    const results = entries.map((e) => {
      const missing = (['Source', 'DetailType', 'Detail'] as const).find((k) => !e[k]);
      if (missing)
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: `Parameter ${missing} is not valid. Reason: ${missing} is a required argument.`,
        };
      const detail = parseDetail(e.Detail ?? '');
      if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      const event: AwsEvent = {
        version: '0',
        id: this.nextId('ev-', 8),
        'detail-type': e.DetailType ?? '',
        source: e.Source ?? '',
        account: ACCOUNT,
        time: new Date(this.now()).toISOString(),
        region: REGION,
        resources: e.Resources ?? [],
        detail,
      };
      this.putEvents.push(event);
      this.outbox.push({ bus: e.EventBusName ?? 'default', event });
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  // ---- EC2 images and snapshots (EC2 API reference: DescribeImages, DeregisterImage, DeleteSnapshot)

  /** An AMI of the account, created now (or at `createdAt`), backed by one new snapshot. */
  registerImage(
    imageId: string,
    name: string,
    tags: Record<string, string> = {},
    createdAt = this.now(),
  ): FakeAmi {
    const snapshotId = this.nextId('snap-');
    this.snapshots.add(snapshotId);
    const ami: FakeAmi = {
      id: imageId,
      name,
      creationDate: new Date(createdAt).toISOString(),
      tags,
      snapshotIds: [snapshotId],
    };
    this.amis.set(imageId, ami);
    return ami;
  }

  /**
   * DescribeImages of the account's own AMIs (`Owners` self or the account id; we model no other
   * owner's images), with `ImageIds` (an unknown id fails the call with InvalidAMIID.NotFound) and
   * the filters `image-id`, `name`, `state` and `tag:<key>`; pages of `MaxResults` (5-1000).
   */
  describeImages(input: DescribeImagesCommandInput) {
    const owners = input.Owners ?? [];
    const ours = owners.length === 0 || owners.some((o) => o === 'self' || o === ACCOUNT);
    const ids = input.ImageIds ?? [];
    const malformed = ids.find((id) => !AMI_ID.test(id));
    if (malformed)
      throw awsError('InvalidAMIID.Malformed', `Invalid id: "${malformed}" (expecting "ami-...")`);
    const unknown = ids.filter((id) => !this.amis.has(id));
    if (unknown.length)
      throw awsError('InvalidAMIID.NotFound', `The image ids '[${unknown.join(', ')}]' do not exist`);
    const matches = (ami: FakeAmi) =>
      (input.Filters ?? []).every((f) => {
        const values = f.Values ?? [];
        if (f.Name === 'image-id') return values.includes(ami.id);
        if (f.Name === 'name') return values.includes(ami.name);
        if (f.Name === 'state') return values.includes('available');
        if (f.Name?.startsWith('tag:')) return values.includes(ami.tags[f.Name.slice(4)] ?? '\u0000');
        throw new Error(`fake: unsupported DescribeImages filter ${f.Name}`);
      });
    const max = input.MaxResults;
    if (max !== undefined && (max < 5 || max > 1000))
      throw awsError('InvalidParameterValue', `MaxResults ${max} is not between 5 and 1000`);
    const found = ours
      ? [...this.amis.values()].filter((a) => (ids.length === 0 || ids.includes(a.id)) && matches(a))
      : [];
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const end = max === undefined ? found.length : Math.min(found.length, start + max);
    return {
      Images: found.slice(start, end).map((a) => ({
        ImageId: a.id,
        Name: a.name,
        OwnerId: ACCOUNT,
        State: 'available' as const,
        CreationDate: a.creationDate,
        BlockDeviceMappings: a.snapshotIds.map((SnapshotId, i) => ({
          DeviceName: i === 0 ? '/dev/xvda' : `/dev/xvd${String.fromCharCode(98 + i)}`,
          Ebs: { SnapshotId, DeleteOnTermination: true, VolumeType: 'gp3' as const },
        })),
        Tags: Object.entries(a.tags).map(([Key, Value]) => ({ Key, Value })),
      })),
      ...(end < found.length ? { NextToken: String(end) } : {}),
    };
  }

  /** DeregisterImage: the snapshots stay; a deregistered AMI is Unavailable, an unknown one NotFound. */
  deregisterImage(input: DeregisterImageCommandInput) {
    const id = input.ImageId ?? '';
    if (!AMI_ID.test(id))
      throw awsError('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
    if (this.deregisteredAmis.has(id))
      throw awsError('InvalidAMIID.Unavailable', `The image id '[${id}]' is no longer available`);
    if (!this.amis.delete(id))
      throw awsError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
    this.deregisteredAmis.add(id);
    return { Return: true };
  }

  /** DeleteSnapshot: refused while a registered AMI uses the snapshot (deregister it first). */
  deleteSnapshot(input: DeleteSnapshotCommandInput) {
    const id = input.SnapshotId ?? '';
    if (!SNAPSHOT_ID.test(id))
      throw awsError('InvalidSnapshotID.Malformed', `Invalid id: "${id}" (expecting "snap-...")`);
    if (!this.snapshots.has(id))
      throw awsError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
    const user = [...this.amis.values()].find((a) => a.snapshotIds.includes(id));
    if (user) throw awsError('InvalidSnapshot.InUse', `The snapshot ${id} is currently in use by ${user.id}`);
    this.snapshots.delete(id);
    return {};
  }

  /**
   * DeleteLaunchTemplateVersions: up to 200 versions per call, each deleted or refused on its own
   * (`UnsuccessfullyDeletedLaunchTemplateVersions`): a version that does not exist is
   * `launchTemplateVersionDoesNotExist`; the default version cannot be deleted ("you must first
   * assign a different version as the default"), and the reference's error codes have none of its
   * own for that, so it is `unexpectedError`. A template that does not exist fails the call.
   */
  deleteLaunchTemplateVersions(input: DeleteLaunchTemplateVersionsCommandInput) {
    if ((input.LaunchTemplateId === undefined) === (input.LaunchTemplateName === undefined))
      throw awsError(
        'MissingParameter',
        'The request must contain exactly one of the parameters LaunchTemplateId or LaunchTemplateName',
      );
    const lt =
      input.LaunchTemplateId !== undefined
        ? this.launchTemplates.get(input.LaunchTemplateId)
        : [...this.launchTemplates.values()].find((t) => t.name === input.LaunchTemplateName);
    if (!lt)
      throw input.LaunchTemplateId !== undefined
        ? awsError(
            'InvalidLaunchTemplateId.NotFound',
            `The specified launch template, with template ID ${input.LaunchTemplateId}, does not exist.`,
          )
        : awsError(
            'InvalidLaunchTemplateName.NotFoundException',
            `The specified launch template, with template name ${input.LaunchTemplateName}, does not exist.`,
          );
    const versions = input.Versions ?? [];
    if (versions.length < 1 || versions.length > 200)
      throw awsError('InvalidParameterValue', `Versions: ${versions.length} given, 1-200 allowed`);
    const ref = { LaunchTemplateId: lt.id, LaunchTemplateName: lt.name };
    const deleted: { LaunchTemplateId: string; LaunchTemplateName: string; VersionNumber: number }[] = [];
    const refused: {
      LaunchTemplateId: string;
      LaunchTemplateName: string;
      VersionNumber: number;
      ResponseError: { Code: 'launchTemplateVersionDoesNotExist' | 'unexpectedError'; Message: string };
    }[] = [];
    for (const v of versions) {
      const number = Number(v);
      const at = lt.versions.findIndex((x) => x.number === number);
      if (at < 0) {
        refused.push({
          ...ref,
          VersionNumber: number,
          ResponseError: {
            Code: 'launchTemplateVersionDoesNotExist',
            Message: `The specified launch template version ${v} does not exist.`,
          },
        });
      } else if (number === lt.defaultVersion) {
        refused.push({
          ...ref,
          VersionNumber: number,
          ResponseError: {
            Code: 'unexpectedError',
            Message: 'Cannot delete the default version of a launch template.',
          },
        });
      } else {
        lt.versions.splice(at, 1);
        deleted.push({ ...ref, VersionNumber: number });
      }
    }
    return {
      SuccessfullyDeletedLaunchTemplateVersions: deleted,
      UnsuccessfullyDeletedLaunchTemplateVersions: refused,
    };
  }

  // ---- SNS (SNS API reference, Publish)

  /**
   * Publish to a topic: the topic must exist (NotFound); the message is 1-262,144 bytes of UTF-8;
   * the subject, when given, is non-empty ASCII text under 100 characters with no line breaks or
   * control characters, starting with a letter, a digit or punctuation.
   */
  publish(input: PublishCommandInput) {
    const topicArn = input.TopicArn ?? '';
    if (!topicArn) throw awsError('InvalidParameterException', 'Invalid parameter: TopicArn or TargetArn');
    const message = input.Message ?? '';
    if (message === '') throw awsError('InvalidParameterException', 'Invalid parameter: Empty message');
    if (Buffer.byteLength(message, 'utf8') > SNS_MESSAGE_MAX_BYTES)
      throw awsError('InvalidParameterException', 'Invalid parameter: Message too long');
    const subject = input.Subject;
    if (subject !== undefined) {
      if (subject.length > SNS_SUBJECT_MAX)
        throw awsError(
          'InvalidParameterException',
          'Invalid parameter: Subject must be less than 100 characters',
        );
      if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(subject))
        throw awsError(
          'InvalidParameterException',
          'Invalid parameter: Subject must be ASCII text that begins with a letter, number, or punctuation mark, with no line breaks or control characters',
        );
    }
    if (!this.topics.has(topicArn)) throw awsError('NotFoundException', 'Topic does not exist');
    const messageId = this.nextId('msg-', 12);
    this.published.push({
      at: this.now(),
      topicArn,
      ...(subject === undefined ? {} : { subject }),
      message,
      messageId,
    });
    return { MessageId: messageId };
  }

  // ---- Image Builder (moto 5.2 has no Image Builder: these follow the Image Builder API reference,
  // GetImage, ListImagePipelineImages and ImageSummary, and the user guide's EventBridge events)

  /**
   * A build of Image Builder pipeline `pipelineName` (recipe of the same name) that is AVAILABLE
   * now with `amiId` in this region, created now. Its state change is emitted on the default bus,
   * as Image Builder does, unless `emit` is false.
   */
  imageAvailable(
    pipelineName: string,
    amiId: string,
    build: number,
    options: { emit?: boolean } = {},
  ): Image {
    const arn = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image/${pipelineName}/1.0.${build}/1`;
    const image: Image = {
      arn,
      name: pipelineName,
      version: `1.0.${build}/1`,
      sourcePipelineArn: `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image-pipeline/${pipelineName}`,
      state: { status: 'AVAILABLE' },
      dateCreated: new Date(this.now()).toISOString(),
      outputResources: { amis: [{ region: REGION, image: amiId, accountId: ACCOUNT }] },
    };
    this.images.set(arn, image);
    if (!this.amis.has(amiId))
      this.registerImage(amiId, `${pipelineName}-1.0.${build}`, this.amiTags.get(pipelineName) ?? {});
    if (options.emit !== false) this.emitImageState(arn, 'AVAILABLE');
    return image;
  }

  /** Moves an image to `status` (DEPRECATED, DELETED...) without an event. */
  setImageState(arn: string, status: ImageStatus, reason?: string): void {
    const image = this.images.get(arn);
    if (!image) throw new Error(`fake imagebuilder: no image ${arn}`);
    this.images.set(arn, { ...image, state: { status, ...(reason ? { reason } : {}) } });
  }

  /** `EC2 Image Builder Image State Change`: the image is `resources[0]`; the AMIs are not in it. */
  emitImageState(arn: string, status: ImageStatus, reason?: string): void {
    this.outbox.push({
      bus: 'default',
      event: {
        version: '0',
        id: this.nextId('ev-ib-', 8),
        'detail-type': 'EC2 Image Builder Image State Change',
        source: 'aws.imagebuilder',
        account: ACCOUNT,
        time: new Date(this.now()).toISOString(),
        region: REGION,
        resources: [arn],
        detail: {
          'previous-state': { status: 'DISTRIBUTING' },
          state: { status, ...(reason ? { reason } : {}) },
        },
      },
    });
  }

  getImage(input: GetImageCommandInput) {
    const image = this.images.get(input.imageBuildVersionArn ?? '');
    if (!image) throw awsError('ResourceNotFoundException', `image ${input.imageBuildVersionArn} not found`);
    return { image };
  }

  /**
   * Pages of at most `maxResults` (1-25) image summaries. The reference documents no order: this
   * one is by ARN, so `1.0.10` comes before `1.0.9` and nothing may rely on build order. A
   * pipeline without images answers an empty list (filters are not modelled: we send none).
   */
  listImagePipelineImages(input: ListImagePipelineImagesCommandInput) {
    if (input.filters) throw new Error('fake imagebuilder: ListImagePipelineImages filters are not modelled');
    const max = input.maxResults ?? 25;
    if (max < 1 || max > 25)
      throw awsError('InvalidParameterValueException', `maxResults ${max} is not between 1 and 25`);
    const all = [...this.images.values()]
      .filter((i) => i.sourcePipelineArn === input.imagePipelineArn)
      .sort((a, b) => (a.arn ?? '').localeCompare(b.arn ?? ''));
    const start = Number(input.nextToken ?? 0);
    const page = all.slice(start, start + max);
    return {
      imageSummaryList: page.map(({ sourcePipelineArn: _pipeline, ...summary }) => ({
        ...summary,
        owner: ACCOUNT,
      })),
      ...(start + max < all.length ? { nextToken: String(start + max) } : {}),
    };
  }

  /** Minutes a build takes from start to AVAILABLE (build, test and distribute). */
  bakeMinutes: number = SIMULATED_MINUTES.bake;
  /** Builds that end FAILED instead, by pipeline ARN. */
  failBake: (pipelineArn: string) => boolean = () => false;
  /** Every build started, in order. */
  readonly bakes: { readonly pipelineArn: string; readonly imageArn: string; readonly startedAt: number }[] =
    [];
  private bakeTokens = new Map<string, string>();

  /**
   * StartImagePipelineExecution: a build that becomes AVAILABLE (with a new AMI) or FAILED after
   * `bakeMinutes`, its state change on the default bus. A repeated client token answers the first
   * build (the API reference: "idempotency token"), never a second build.
   */
  startImagePipelineExecution(input: StartImagePipelineExecutionCommandInput) {
    const pipelineArn = input.imagePipelineArn ?? '';
    const token = `${pipelineArn} ${input.clientToken ?? ''}`;
    const earlier = this.bakeTokens.get(token);
    if (earlier)
      return {
        requestId: this.nextId('req-', 8),
        clientToken: input.clientToken,
        imageBuildVersionArn: earlier,
      };
    const name = pipelineArn.split('/').pop() ?? '';
    const build = [...this.images.values()].filter((i) => i.sourcePipelineArn === pipelineArn).length + 1;
    const imageArn = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image/${name}/1.0.${build}/1`;
    this.images.set(imageArn, {
      arn: imageArn,
      name,
      version: `1.0.${build}/1`,
      sourcePipelineArn: pipelineArn,
      state: { status: 'BUILDING' },
      dateCreated: new Date(this.now()).toISOString(),
    });
    this.bakeTokens.set(token, imageArn);
    this.bakes.push({ pipelineArn, imageArn, startedAt: this.now() });
    const failed = this.failBake(pipelineArn);
    this.at(this.now() + this.bakeMinutes * MINUTE, `${name} build ${build} ends`, () => {
      if (failed) {
        const reason = 'Image Builder: the test phase failed (component smoke-test: exit status 1)';
        this.setImageState(imageArn, 'FAILED', reason);
        this.emitImageState(imageArn, 'FAILED', reason);
      } else {
        this.imageAvailable(name, amiId(`${name}/${build}`), build);
      }
    });
    return {
      requestId: this.nextId('req-', 8),
      clientToken: input.clientToken,
      imageBuildVersionArn: imageArn,
    };
  }

  /** Sets an alarm's state and emits its state change on the default bus, as CloudWatch does. */
  setAlarm(name: string, value: 'OK' | 'ALARM'): void {
    const previous = this.alarms.get(name) ?? 'INSUFFICIENT_DATA';
    this.alarms.set(name, value);
    this.outbox.push({
      bus: 'default',
      event: {
        version: '0',
        id: this.nextId('ev-cw-', 8),
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        account: ACCOUNT,
        time: new Date(this.now()).toISOString(),
        region: REGION,
        resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`],
        detail: {
          alarmName: name,
          state: { value, reason: 'scenario', timestamp: new Date(this.now()).toISOString() },
          previousState: {
            value: previous,
            reason: 'scenario',
            timestamp: new Date(this.now()).toISOString(),
          },
          configuration: { metrics: [] },
        },
      },
    });
  }
}

/**
 * What each document does unless a scenario scripts it: smoke and health pass, a drain waits for
 * jobs, a job check answers with the jobs running on the instance (image/ssm/job-check.sh's lines).
 */
const defaultScript =
  (key: DocumentKey): Script =>
  (_command, instance, world) => {
    switch (key) {
      case 'job-check': {
        const jobs = instance ? world.runningJobs(instance.id).length : 0;
        return {
          kind: 'pass',
          afterMinutes: 1,
          output: `JOBS ${jobs}\nRESULT ${jobs > 0 ? 'busy' : 'idle'}`,
        };
      }
      case 'drain-manager':
        return { kind: 'drain' };
      case 'restart-manager':
        return { kind: 'drain', restart: true };
      case 'apply-config':
        return { kind: 'pass', afterMinutes: 1, output: 'RESULT in-sync' };
      default:
        return { kind: 'pass', afterMinutes: SIMULATED_MINUTES.command };
    }
  };

// ---------------------------------------------------------------------------------------------
// Installing the fakes

let installed: readonly FastStub[] = [];

/**
 * Points every SDK client at `world` (and fails any command it does not model). The stubs replace
 * `send` on the clients' prototypes, for every client built before or after, until
 * {@link restoreFakeAws}; installing again replaces them.
 */
export const installFakeAws = (world: World, tableNames: string | readonly string[]): void => {
  const [ledger = '', ...otherTables] = typeof tableNames === 'string' ? [tableNames] : tableNames;
  restoreFakeAws();
  const ec2 = new FastStub(EC2Client);
  const autoScaling = new FastStub(AutoScalingClient);
  const ssm = new FastStub(SSMClient);
  const scheduler = new FastStub(SchedulerClient);
  const cloudWatch = new FastStub(CloudWatchClient);
  const eventBridge = new FastStub(EventBridgeClient);
  const ddb = new FastStub(DynamoDBDocumentClient);
  const imageBuilder = new FastStub(ImagebuilderClient);
  const sns = new FastStub(SNSClient);
  installed = [ec2, autoScaling, ssm, scheduler, cloudWatch, eventBridge, ddb, imageBuilder, sns];
  for (const m of installed) {
    m.onAnyCommand().callsFake((input: unknown) => {
      throw new Error(`fake aws: unexpected command with input ${JSON.stringify(input)}`);
    });
  }
  const w = world;
  ec2
    .on(DescribeLaunchTemplatesCommand)
    .callsFake((i: DescribeLaunchTemplatesCommandInput) =>
      w.call('DescribeLaunchTemplates', () => w.describeLaunchTemplates(i)),
    );
  ec2
    .on(DescribeLaunchTemplateVersionsCommand)
    .callsFake((i: DescribeLaunchTemplateVersionsCommandInput) =>
      w.call('DescribeLaunchTemplateVersions', () => w.describeLaunchTemplateVersions(i)),
    );
  ec2
    .on(CreateLaunchTemplateVersionCommand)
    .callsFake((i: CreateLaunchTemplateVersionCommandInput) =>
      w.call('CreateLaunchTemplateVersion', () => w.createLaunchTemplateVersion(i)),
    );
  ec2
    .on(ModifyLaunchTemplateCommand)
    .callsFake((i: ModifyLaunchTemplateCommandInput) =>
      w.call('ModifyLaunchTemplate', () => w.modifyLaunchTemplate(i)),
    );
  ec2
    .on(RunInstancesCommand)
    .callsFake((i: RunInstancesCommandInput) => w.call('RunInstances', () => w.runInstances(i)));
  ec2
    .on(DescribeInstancesCommand)
    .callsFake((i: DescribeInstancesCommandInput) =>
      w.call('DescribeInstances', () => w.describeInstances(i)),
    );
  ec2
    .on(TerminateInstancesCommand)
    .callsFake((i: TerminateInstancesCommandInput) =>
      w.call('TerminateInstances', () => w.terminateInstances(i)),
    );
  ec2
    .on(DescribeImagesCommand)
    .callsFake((i: DescribeImagesCommandInput) => w.call('DescribeImages', () => w.describeImages(i)));
  ec2
    .on(DeregisterImageCommand)
    .callsFake((i: DeregisterImageCommandInput) => w.call('DeregisterImage', () => w.deregisterImage(i)));
  ec2
    .on(DeleteSnapshotCommand)
    .callsFake((i: DeleteSnapshotCommandInput) => w.call('DeleteSnapshot', () => w.deleteSnapshot(i)));
  ec2
    .on(DeleteLaunchTemplateVersionsCommand)
    .callsFake((i: DeleteLaunchTemplateVersionsCommandInput) =>
      w.call('DeleteLaunchTemplateVersions', () => w.deleteLaunchTemplateVersions(i)),
    );
  sns.on(PublishCommand).callsFake((i: PublishCommandInput) => w.call('Publish', () => w.publish(i)));
  autoScaling
    .on(DescribeAutoScalingGroupsCommand)
    .callsFake((i: DescribeAutoScalingGroupsCommandInput) =>
      w.call('DescribeAutoScalingGroups', () => w.describeAutoScalingGroups(i)),
    );
  autoScaling
    .on(DescribeWarmPoolCommand)
    .callsFake((i: DescribeWarmPoolCommandInput) => w.call('DescribeWarmPool', () => w.describeWarmPool(i)));
  autoScaling
    .on(SuspendProcessesCommand)
    .callsFake((i: SuspendProcessesCommandInput) => w.call('SuspendProcesses', () => w.suspendProcesses(i)));
  autoScaling
    .on(ResumeProcessesCommand)
    .callsFake((i: ResumeProcessesCommandInput) => w.call('ResumeProcesses', () => w.resumeProcesses(i)));
  autoScaling
    .on(TerminateInstanceInAutoScalingGroupCommand)
    .callsFake((i: TerminateInstanceInAutoScalingGroupCommandInput) =>
      w.call('TerminateInstanceInAutoScalingGroup', () => w.terminateInstanceInAutoScalingGroup(i)),
    );
  ssm
    .on(DescribeInstanceInformationCommand)
    .callsFake((i: DescribeInstanceInformationCommandInput) =>
      w.call('DescribeInstanceInformation', () => w.describeInstanceInformation(i)),
    );
  ssm
    .on(SendCommandCommand)
    .callsFake((i: SendCommandCommandInput) => w.call('SendCommand', () => w.sendCommand(i)));
  ssm
    .on(GetParameterCommand)
    .callsFake((i: GetParameterCommandInput) => w.call('GetParameter', () => w.getParameter(i)));
  ssm
    .on(ListCommandsCommand)
    .callsFake((i: ListCommandsCommandInput) => w.call('ListCommands', () => w.listCommands(i)));
  ssm
    .on(GetCommandInvocationCommand)
    .callsFake((i: GetCommandInvocationCommandInput) =>
      w.call('GetCommandInvocation', () => w.getCommandInvocation(i)),
    );
  // What the fleet sweeper reads.
  ec2
    .on(DescribeInstanceStatusCommand)
    .callsFake((i: DescribeInstanceStatusCommandInput) =>
      w.call('DescribeInstanceStatus', () => w.describeInstanceStatus(i)),
    );
  autoScaling
    .on(DescribeAutoScalingInstancesCommand)
    .callsFake((i: DescribeAutoScalingInstancesCommandInput) =>
      w.call('DescribeAutoScalingInstances', () => w.describeAutoScalingInstances(i)),
    );
  autoScaling
    .on(DescribeScalingActivitiesCommand)
    .callsFake((i: DescribeScalingActivitiesCommandInput) =>
      w.call('DescribeScalingActivities', () => w.describeScalingActivities(i)),
    );
  cloudWatch
    .on(GetMetricDataCommand)
    .callsFake((i: GetMetricDataCommandInput) => w.call('GetMetricData', () => w.getMetricData(i)));
  ssm
    .on(ListCommandInvocationsCommand)
    .callsFake((i: ListCommandInvocationsCommandInput) =>
      w.call('ListCommandInvocations', () => w.listCommandInvocations(i)),
    );
  scheduler
    .on(CreateScheduleCommand)
    .callsFake((i: CreateScheduleCommandInput) => w.call('CreateSchedule', () => w.createSchedule(i)));
  scheduler
    .on(DeleteScheduleCommand)
    .callsFake((i: DeleteScheduleCommandInput) => w.call('DeleteSchedule', () => w.deleteSchedule(i)));
  cloudWatch
    .on(DescribeAlarmsCommand)
    .callsFake((i: DescribeAlarmsCommandInput) => w.call('DescribeAlarms', () => w.describeAlarms(i)));
  eventBridge
    .on(PutEventsCommand)
    .callsFake((i: PutEventsCommandInput) => w.call('PutEvents', () => w.putEventsCall(i)));
  imageBuilder
    .on(GetImageCommand)
    .callsFake((i: GetImageCommandInput) => w.call('GetImage', () => w.getImage(i)));
  imageBuilder
    .on(ListImagePipelineImagesCommand)
    .callsFake((i: ListImagePipelineImagesCommandInput) =>
      w.call('ListImagePipelineImages', () => w.listImagePipelineImages(i)),
    );
  imageBuilder
    .on(StartImagePipelineExecutionCommand)
    .callsFake((i: StartImagePipelineExecutionCommandInput) =>
      w.call('StartImagePipelineExecution', () => w.startImagePipelineExecution(i)),
    );

  for (const name of otherTables) if (!w.tables.has(name)) w.tables.set(name, new Map());
  installDocumentTable(ddb, {
    tableName: ledger,
    items: w.table,
    otherTables: w.tables,
    wrap: (api, fn) => w.call(api, fn),
    unknownTable: (name) => awsError('ResourceNotFoundException', `fake dynamodb: unknown table ${name}`),
  });
};

/** Gives the clients their real `send` back (a contract suite then talks to moto server). */
export const restoreFakeAws = (): void => {
  for (const m of installed) m.restore();
  installed = [];
};
