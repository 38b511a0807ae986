import { readFileSync } from 'node:fs';

import {
  activePolicy,
  autoscalerOf,
  type AutoscalerPolicy,
  idleSlotsWanted,
} from '../functions/fleet-sweeper/policy';
import type { SuiteConfig } from '../functions/shared/config';
import type { Fleet } from '../functions/shared/fleet';
import { readRunnerConfig } from '../functions/shared/runner-config/model';
import { parseValues, renderTemplate } from '../functions/shared/runner-config/render';
import { type FakeInstance, type Job, MINUTE, type World } from './fake-aws';
import type { JobSpec } from './workload';

/**
 * The fleeting autoscaler of each manager's runner, as gitlab-runner's taskscaler drives
 * fleeting-plugin-aws: per job group, it keeps the active policy's idle job slots
 * (`idle_count` counts slots, not instances: `capacity_per_instance` slots an instance), launches
 * into the group when jobs and idle slots need more, removes through the group an instance idle
 * longer than `idle_time` that the idle slots do not need, and retires an instance after
 * `max_use_count` jobs. The active policy is the last whose periods match. A job runs on a job
 * instance and counts on its manager (a drain waits for it); only a runner that is running takes
 * jobs, so during a drain or a replacement they wait.
 */

/** How one runner scales its job group. */
export interface GroupScaling {
  readonly capacityPerInstance: number;
  /** 0: no cap but the group's own maximum size. */
  readonly maxInstances: number;
  /** Jobs an instance takes before it is removed; 0: unlimited. */
  readonly maxUseCount: number;
  /** The runner's `limit` of concurrent jobs; 0: none. */
  readonly limit: number;
  /** In order: the last matching one applies. */
  readonly policies: readonly AutoscalerPolicy[];
}

/**
 * A manager without a config.toml of ours runs the runner's defaults: one job an instance
 * (`capacity_per_instance` 1), no instance cap but the group's, instances reused forever
 * (`max_use_count` 0), no policy, so nothing is kept idle and an instance goes when its job ends.
 */
export const RUNNER_DEFAULTS: GroupScaling = {
  capacityPerInstance: 1,
  maxInstances: 0,
  maxUseCount: 0,
  limit: 0,
  policies: [],
};

const whole = (v: number | undefined): number =>
  v !== undefined && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;

/**
 * How the runner whose `plugin_config.name` is `group` scales it, from a rendered config.toml
 * (read by the runner config model and the sweeper's policy reader); `undefined` when no runner
 * of the config scales that group.
 */
export const scalingOf = (configText: string, group: string): GroupScaling | undefined => {
  const autoscaler = autoscalerOf(configText, group);
  const runner = readRunnerConfig(configText).runners.find((r) => r.autoscaler?.pluginConfig?.name === group);
  if (!autoscaler || !runner) return undefined;
  return {
    capacityPerInstance: autoscaler.capacityPerInstance,
    maxInstances: whole(runner.autoscaler?.maxInstances),
    maxUseCount: whole(runner.autoscaler?.maxUseCount),
    limit: whole(runner.limit),
    policies: autoscaler.policies,
  };
};

/** The manager fleet's config.toml, rendered from its template and values (secrets as names). */
const renderedConfig = (manager: Fleet): string | undefined => {
  if (!manager.runnerConfig) return undefined;
  const { template, values } = manager.runnerConfig;
  const parsed = parseValues(JSON.parse(readFileSync(values, 'utf8')) as unknown, values);
  return renderTemplate(readFileSync(template, 'utf8'), parsed).text;
};

/** A jobs fleet as its manager's runner scales it. */
export interface JobFleetScaling {
  readonly fleet: string;
  readonly group: string;
  readonly manager: {
    readonly fleet: string;
    readonly group: string;
    /** The runner keeps its instances across restarts (state storage); otherwise a new runner removes them. */
    readonly keepsInstances: boolean;
  };
  /** Undefined when no runner of the manager's config.toml scales the group: its jobs wait. */
  readonly scaling?: GroupScaling;
}

/** Each jobs fleet of `config` with its manager and how the manager's config.toml scales its group. */
export const jobFleetsOf = (config: SuiteConfig): JobFleetScaling[] =>
  config.fleets.flatMap((fleet) => {
    const manager = config.fleets.find((f) => f.name === fleet.manager && f.role === 'manager');
    if (fleet.role !== 'jobs' || !manager) return [];
    const text = renderedConfig(manager);
    let scaling: GroupScaling | undefined;
    try {
      scaling = text === undefined ? RUNNER_DEFAULTS : scalingOf(text, fleet.autoScalingGroup);
    } catch (error) {
      throw new Error(
        `fleet ${manager.name}: its rendered config.toml cannot be read: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return [
      {
        fleet: fleet.name,
        group: fleet.autoScalingGroup,
        manager: {
          fleet: manager.name,
          group: manager.autoScalingGroup,
          keepsInstances: manager.runnerStateStorage,
        },
        ...(scaling ? { scaling } : {}),
      },
    ];
  });

interface Waiting {
  readonly spec: JobSpec;
  readonly since: number;
}

interface GroupState {
  readonly fleet: JobFleetScaling;
  readonly queue: Waiting[];
  /** Per instance the runner launched (or found), the runner session that owns it. */
  readonly sessions: Map<string, number>;
  /** The image `$Default` held when the rehearsal began. */
  readonly firstImage: string;
}

interface ManagerState {
  readonly group: string;
  readonly keepsInstances: boolean;
  /** The runner process: a new one starts on a new manager, or when a runner starts again. */
  session: number;
  /** The manager whose runner ran at the last look, if it ran. */
  runningOn?: string;
}

export interface JobFigures {
  /** Jobs a job instance took. */
  readonly started: number;
  /** Jobs that ended, by the night's end, none killed. */
  readonly finished: number;
  /** Jobs GitLab queued that no instance took yet. */
  readonly waitingAtEnd: number;
}

/** The runners' autoscalers over one world, taking `jobs`. */
export class Autoscalers {
  private readonly groups: GroupState[];
  private readonly managers = new Map<string, ManagerState>();
  private readonly started: Job[] = [];

  constructor(
    private readonly world: World,
    fleets: readonly JobFleetScaling[],
    jobs: readonly JobSpec[],
    private readonly night: { readonly from: number; readonly until: number },
  ) {
    this.groups = fleets.map((fleet) => ({
      fleet,
      queue: [],
      sessions: new Map(),
      firstImage: this.defaultImage(fleet.group),
    }));
    for (const { manager } of fleets)
      if (!this.managers.has(manager.fleet))
        this.managers.set(manager.fleet, {
          group: manager.group,
          keepsInstances: manager.keepsInstances,
          session: 0,
        });
    const names = fleets.map((f) => f.fleet);
    jobs.forEach((spec, n) => {
      const fleet = spec.fleet ?? names[n % names.length];
      const state = this.groups.find((g) => g.fleet.fleet === fleet);
      if (!state)
        throw new Error(
          `${spec.origin ?? `job ${n + 1}`}: fleet "${fleet ?? ''}" is not a jobs fleet of the config: use one of ${names.join(', ') || '(none)'}`,
        );
      const at = spec.start.getTime();
      if (at < night.from || at >= night.until) return;
      world.at(spec.start.getTime(), `job for ${fleet} queued`, () => {
        state.queue.push({ spec, since: world.now() });
        this.tick();
      });
    });
  }

  /** Looks at the fleets every minute from now to the night's end, as the runner's own loop does. */
  start(): void {
    const look = () => {
      this.tick();
      const next = this.world.now() + MINUTE;
      if (next <= this.night.until) this.world.at(next, 'autoscalers look', look);
    };
    look();
  }

  /** One pass over every job group: retire, hand out waiting jobs, scale up, scale down. */
  tick(): void {
    const running = new Map<string, FakeInstance | undefined>();
    for (const [fleet, manager] of this.managers) {
      const runner = this.world
        .groupInstances(manager.group)
        .find((i) => i.state === 'running' && i.runner === 'running');
      if (runner && runner.id !== manager.runningOn) manager.session += 1;
      manager.runningOn = runner?.id;
      running.set(fleet, runner);
    }
    for (const state of this.groups) {
      const manager = this.managers.get(state.fleet.manager.fleet)!;
      const runner = running.get(state.fleet.manager.fleet);
      this.adopt(state, manager);
      // No runner process, or one that drains, or none that scales the group: nobody takes a job.
      if (runner && state.fleet.scaling) this.scale(state, state.fleet.scaling, manager, runner);
    }
  }

  /** Job figures now (at the night's end, once it ended). */
  figures(): JobFigures {
    const at = Math.min(this.world.now(), this.night.until);
    return {
      started: this.started.length,
      finished: this.started.filter((j) => j.killedAt === undefined && j.endsAt <= at).length,
      waitingAtEnd: this.groups.reduce((n, g) => n + g.queue.length, 0),
    };
  }

  /** Instances of the fleet's group launched on another image than the group's at the start. */
  launchedOnNewImage(fleet: string): number {
    const state = this.groups.find((g) => g.fleet.fleet === fleet);
    if (!state) return 0;
    return [...state.sessions.keys()].filter((id) => this.world.instance(id).imageId !== state.firstImage)
      .length;
  }

  private defaultImage(group: string): string {
    const g = this.world.group(group);
    const lt = [...this.world.launchTemplates.values()].find(
      (t) => t.id === g.launchTemplate.id || t.name === g.launchTemplate.name,
    );
    return lt?.versions.find((v) => v.number === lt.defaultVersion)?.imageId ?? '';
  }

  /**
   * Tracks what the group holds: instances others launched belong to the current runner, and a
   * new runner without state storage owns nothing from before (it removes those instances).
   */
  private adopt(state: GroupState, manager: ManagerState): void {
    for (const i of this.live(state))
      if (!state.sessions.has(i.id) || manager.keepsInstances) state.sessions.set(i.id, manager.session);
  }

  private live(state: GroupState): FakeInstance[] {
    return this.world
      .groupInstances(state.fleet.group)
      .filter((i) => i.state === 'pending' || i.state === 'running');
  }

  private retired(state: GroupState, { maxUseCount }: GroupScaling, manager: ManagerState, i: FakeInstance) {
    return state.sessions.get(i.id) !== manager.session || (maxUseCount > 0 && i.jobs.length >= maxUseCount);
  }

  /** The instance's last busy moment: when it came online, or its last job ended. */
  private busyUntil(i: FakeInstance): number {
    return Math.max(i.onlineAt ?? i.launchedAt, ...i.jobs.map((j) => j.killedAt ?? j.endsAt));
  }

  private scale(state: GroupState, scaling: GroupScaling, manager: ManagerState, runner: FakeInstance): void {
    const world = this.world;
    const { capacityPerInstance: capacity, maxInstances, limit, policies } = scaling;
    const now = world.now();
    const busy = (i: FakeInstance) => world.runningJobs(i.id).length;

    // Retired instances (used up, or a former runner's) go once their jobs ended, never before.
    for (const i of this.live(state))
      if (this.retired(state, scaling, manager, i) && busy(i) === 0) this.remove(i);

    const usable = () => this.live(state).filter((i) => !this.retired(state, scaling, manager, i));
    const runningJobs = () => this.live(state).reduce((n, i) => n + busy(i), 0);
    for (const i of usable()) {
      while (state.queue.length > 0 && world.isOnline(i.id) && busy(i) < capacity) {
        if (limit > 0 && runningJobs() >= limit) break;
        if (this.retired(state, scaling, manager, i)) break;
        const { spec } = state.queue.shift()!;
        const job = world.startJob(i.id, spec.minutes);
        // The manager's runner supervises the job: a drain of the manager waits for it.
        runner.jobs.push(job);
        this.started.push(job);
      }
    }

    const instances = usable();
    const inUse = instances.reduce((n, i) => n + Math.min(capacity, busy(i)), 0);
    let free = instances.length * capacity - inUse;
    const policy = activePolicy(policies, new Date(now));
    const demand =
      limit > 0 ? Math.min(state.queue.length, Math.max(0, limit - runningJobs())) : state.queue.length;
    const wanted = idleSlotsWanted(policy, inUse) + demand;

    const group = world.group(state.fleet.group);
    const cap = Math.min(maxInstances > 0 ? maxInstances : Infinity, group.maxSize);
    const room = Math.max(0, cap - this.live(state).length);
    const launches = Math.min(room, Math.ceil(Math.max(0, wanted - free) / capacity));
    // The plugin raises the desired capacity; a group whose Launch is suspended launches nothing.
    if (!group.suspendedProcesses.includes('Launch'))
      for (let n = 0; n < launches; n++) {
        group.desiredCapacity += 1;
        state.sessions.set(world.launchIntoGroup(group).id, manager.session);
      }

    // No idle_time: surplus instances go as soon as they are idle (the reference gives no default).
    const idleTime = (policy?.idleTimeMinutes ?? 0) * MINUTE;
    const idle = instances
      .filter((i) => world.isOnline(i.id) && busy(i) === 0 && now - this.busyUntil(i) >= idleTime)
      .sort((a, b) => this.busyUntil(a) - this.busyUntil(b));
    for (const i of idle) {
      if (free - capacity < wanted) break;
      free -= capacity;
      this.remove(i);
    }
  }

  /** Removes an idle instance through its group, which lowers its desired capacity (the plugin's Decrease). */
  private remove(i: FakeInstance): void {
    this.world.terminateInstanceInAutoScalingGroup({
      InstanceId: i.id,
      ShouldDecrementDesiredCapacity: true,
    });
  }
}

/** Starts the config's runners' autoscalers on `world`, taking the `jobs` queued from `from` to `until`. */
export const startAutoscalers = (
  world: World,
  config: SuiteConfig,
  jobs: readonly JobSpec[],
  from: Date,
  until: Date,
): Autoscalers => {
  const autoscalers = new Autoscalers(world, jobFleetsOf(config), jobs, {
    from: from.getTime(),
    until: until.getTime(),
  });
  autoscalers.start();
  return autoscalers;
};
