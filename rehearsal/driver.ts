// First: the handlers below load middy, which `require` resolves only through this module's hook.
import './esm-packages';

import type { Clock } from '@sinonjs/fake-timers';
import type { Context } from 'aws-lambda';
import { Cron } from 'croner';

import * as alert from '../functions/alert/handler';
import * as applyConfig from '../functions/apply-config/handler';
import * as commandStatus from '../functions/command-status/handler';
import * as fleetSweeper from '../functions/fleet-sweeper/handler';
import * as gitlabWebhook from '../functions/gitlab-webhook/handler';
import * as housekeeper from '../functions/housekeeper/handler';
import * as imageState from '../functions/image-state/handler';
import * as managerRestart from '../functions/manager-restart/handler';
import * as reconciler from '../functions/reconciler/handler';
import * as rollback from '../functions/rollback/handler';
import * as rolloutStep from '../functions/rollout-step/handler';
import type { Rollout } from '../functions/shared/rollout/model';
import { CONFIG_ENV } from '../functions/shared/settings';
import * as stageCandidate from '../functions/stage-candidate/handler';
import * as startBake from '../functions/start-bake/handler';
import { context } from './context';
import { startVirtualClock, stopVirtualClock } from './clock';
import {
  ACCOUNT,
  type AwsEvent,
  currentInvocation,
  installFakeAws,
  type InvocationScope,
  MINUTE,
  REGION,
  World,
} from './fake-aws';
import { type CronSchedule, loadStack, type StackModel } from './router';

/**
 * Drives a scenario: delivers events to the real handlers through the template's rules, runs
 * one-time schedules, SSM command ends, group replacements and the reconciler on a virtual clock,
 * and retries a failed invocation as Lambda's async invoke does (twice, then its failure queue).
 */

interface HandlerModule {
  readonly handler: (event: unknown, context: Context) => Promise<unknown>;
  readonly resetSettings: () => void;
}

/** Functions the template routes events to that these scenarios do not run. */
const OBSERVED_ONLY = new Set(['redrive']);

const HANDLERS: Record<string, HandlerModule> = {
  'stage-candidate': stageCandidate,
  'rollout-step': rolloutStep,
  'command-status': commandStatus,
  rollback: rollback,
  'manager-restart': managerRestart,
  reconciler: reconciler,
  'apply-config': applyConfig,
  'image-state': imageState,
  'start-bake': startBake,
  'gitlab-webhook': gitlabWebhook,
  'fleet-sweeper': fleetSweeper,
  alert,
  housekeeper,
};

export const EXAMPLE_CONFIG = 'config/example.yaml';

export interface ScenarioOptions {
  readonly configPath?: string;
  readonly start: string;
  /** Deliver every routed event and schedule twice: one after the other, or interleaved. */
  readonly duplicate?: 'sequential' | 'concurrent';
  /** Drops the first routed event this matches (EventBridge lost it). */
  readonly drop?: (event: AwsEvent) => boolean;
  /** Run the reconciler on its schedule from the template. @default true */
  readonly reconciler?: boolean;
  /** Per delivery (routed event or schedule run, counted from 0): deliver it twice, and how. */
  readonly duplicateWhen?: (delivery: number) => 'sequential' | 'concurrent' | undefined;
  /** Drops every routed event this matches; `index` counts routed events from 0. */
  readonly dropWhen?: (event: AwsEvent, index: number) => boolean;
  /**
   * Per invocation of a function (counted from 0, retries included): the invocation dies right
   * after its Nth AWS call that took effect, and Lambda retries it as any function error.
   */
  readonly crashAfter?: (invocation: number) => number | undefined;
  /** Called before every step of `runUntilQuiet`, so after every delivered event: throw to stop. */
  readonly beforeStep?: (scenario: Scenario) => void;
  /**
   * Keep each function's parsed config between its invocations, as a warm Lambda container does
   * (the parse is most of an invocation's cost here). @default false - every invocation is a cold start
   */
  readonly warm?: boolean;
  /**
   * Run the template's cron schedules (bakes, drift checks, housekeeping) and rate schedules
   * (the sweeper) at their times, as Scheduler would. @default false - a test runs them by hand
   */
  readonly schedules?: boolean;
  /** Keep each invocation's log lines (the functions' JSON logs) on its record, not on stdout. */
  readonly captureLogs?: boolean;
}

/** A 5-field cron for croner from Scheduler's `cron(min hour dom month dow year)`. */
export const cronOfSchedule = (expression: string): string => {
  const fields = /^cron\((.*)\)$/.exec(expression)?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6) throw new Error(`not a Scheduler cron expression: ${expression}`);
  // Scheduler counts days of the week 1-7 from Sunday, croner 0-6.
  const dow = (fields[4] as string).replace(/\d/g, (d) => String((Number(d) + 6) % 7));
  return [...fields.slice(0, 4), dow].join(' ').replaceAll('?', '*');
};

interface Due {
  readonly at: number;
  readonly service: string;
  readonly input: string;
  readonly label: string;
  readonly next: (after: number) => number | undefined;
}

const parseLogLine = (line: string): Record<string, unknown> => {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { message: line };
  }
};

let restoreOutput: (() => void) | undefined;

/**
 * Sends what an invocation writes (its logger's lines: info to stdout, warnings and errors to
 * stderr) to its record instead; output outside an invocation passes through.
 */
const captureOutput = (): void => {
  restoreOutput?.();
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write.bind(stream));
  restoreOutput = () => {
    streams.forEach((stream, n) => (stream.write = writes[n] as typeof stream.write));
    restoreOutput = undefined;
  };
  streams.forEach((stream, n) => {
    const realWrite = writes[n] as (...a: unknown[]) => boolean;
    stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      const scope = currentInvocation();
      if (!scope?.logs) return realWrite(chunk, ...rest);
      for (const line of String(chunk).split('\n')) if (line.trim()) scope.logs.push(line);
      return true;
    };
  });
};

/** Per handler module, the task root whose config it parsed last (warm scenarios only). */
const warmFor = new WeakMap<HandlerModule, string>();

export interface Invocation {
  readonly at: string;
  readonly service: string;
  readonly via: string;
  readonly attempt: number;
  readonly result: string;
  /** Its log lines, parsed, when the scenario captures them. */
  readonly logs?: readonly Record<string, unknown>[];
}

interface Pending {
  readonly at: number;
  readonly service: string;
  readonly payload: unknown;
  readonly attempt: number;
  readonly via: string;
}

const ASYNC_RETRIES = 2;

export class Scenario {
  readonly world = new World();
  readonly stack: StackModel;
  readonly invocations: Invocation[] = [];
  /** Events that exhausted Lambda's retries (the function's failure queue). */
  readonly failureQueue: Invocation[] = [];
  readonly permanentFailures: Invocation[] = [];
  readonly dropped: AwsEvent[] = [];
  /** Invocations that died right after an AWS call (see `crashAfter`). */
  readonly crashes: Invocation[] = [];
  readonly tableName: string;
  /** Synchronous invocations to make (a Function URL request), delivered before routed events. */
  readonly directInvocations: { service: string; payload: unknown; via: string }[] = [];
  private retries: Pending[] = [];
  private nextReconcile: number;
  private dropUsed = false;
  private routedCount = 0;
  private deliveryCount = 0;
  private invocationCount = 0;
  private readonly reconcileEvery: number;
  private readonly clock: Clock;
  private scheduled: Due[] = [];

  constructor(readonly options: ScenarioOptions) {
    this.stack = loadStack(options.configPath ?? EXAMPLE_CONFIG);
    this.tableName = String(this.stack.settings('rollout-step').ledgerTable);
    this.world.documents = this.stack.documents;
    this.clock = startVirtualClock(Date.parse(options.start));
    // The ledger first: it is `world.table`; the template's other tables get their own.
    installFakeAws(this.world, [this.tableName, ...this.stack.tables.filter((t) => t !== this.tableName)]);
    for (const topic of this.stack.topics) this.world.topics.add(topic);
    const rate = this.stack.rates.find((r) => r.service === 'reconciler');
    if (!rate) throw new Error('the template has no rate schedule for the reconciler');
    this.reconcileEvery = rate.everyMinutes * MINUTE;
    this.nextReconcile = Math.ceil((Date.now() + 1) / this.reconcileEvery) * this.reconcileEvery;
    if (options.schedules) this.scheduled = this.templateSchedules();
    if (options.captureLogs) captureOutput();
  }

  /** Every schedule of the template but the reconciler's (`reconcilesNow` runs it). */
  private templateSchedules(): Due[] {
    const now = Date.now();
    const crons = this.stack.crons.map((c: CronSchedule) => {
      const cron = new Cron(cronOfSchedule(c.expression), { timezone: c.timeZone, paused: true });
      const next = (after: number) => cron.nextRun(new Date(after))?.getTime();
      return { service: c.service, input: c.input, label: `schedule ${c.expression}`, next };
    });
    const rates = this.stack.rates
      .filter((r) => r.service !== 'reconciler')
      .map((r) => {
        const every = r.everyMinutes * MINUTE;
        const next = (after: number) => Math.floor(after / every) * every + every;
        return {
          service: r.service,
          input: r.input,
          label: `schedule rate(${r.everyMinutes} minutes)`,
          next,
        };
      });
    return [...crons, ...rates].flatMap((d) => {
      const at = d.next(now - 1);
      return at === undefined ? [] : [{ ...d, at }];
    });
  }

  /** The setting a function receives (its config slice), parsed. */
  settings(service = 'rollout-step'): Record<string, unknown> {
    return this.stack.settings(service);
  }

  now(): string {
    return new Date(Date.now()).toISOString();
  }

  /** Moves the virtual clock to `time`, past a quiet stretch the scenario does not play. */
  setTime(time: number | Date): void {
    this.clock.setSystemTime(time);
  }

  // ---- events in

  /** Puts an event on our bus, as a producer (image-state, the CLI) would. */
  putOnOurBus(detailType: string, detail: Record<string, unknown>): void {
    this.world.outbox.push({
      bus: this.stack.busName,
      event: {
        version: '0',
        id: this.world.nextId('ev-in-', 8),
        'detail-type': detailType,
        source: 'runner-autopilot',
        account: ACCOUNT,
        time: this.now(),
        region: REGION,
        resources: [],
        detail,
      },
    });
  }

  imageReady(pipeline: string, amiId: string, build = 1): void {
    const recipe = `gitlab-runners-${pipeline}`;
    this.putOnOurBus('Image Ready', {
      pipeline,
      pipelineArn: `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image-pipeline/${recipe}`,
      imageArn: `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image/${recipe}/1.0.${build}/1`,
      imageVersion: `1.0.${build}/1`,
      amis: [{ region: REGION, imageId: amiId, accountId: ACCOUNT }],
    });
  }

  /**
   * Image Builder finishes a build of our `pipeline` with `amiId`: the image is AVAILABLE and its
   * state change goes to the default bus (where image-state takes it, unless dropped).
   */
  imageBuilt(pipeline: string, amiId: string, build = 1): string {
    return this.world.imageAvailable(`gitlab-runners-${pipeline}`, amiId, build).arn ?? '';
  }

  // ---- delivery

  private async invoke(service: string, payload: unknown, via: string, attempt = 0): Promise<void> {
    if (OBSERVED_ONLY.has(service)) {
      // These have their own tests; here it is enough that the template routes to them.
      this.invocations.push({ at: this.now(), service, via, attempt, result: 'routed (not run here)' });
      return;
    }
    const module = HANDLERS[service];
    if (!module) throw new Error(`no handler module for ${service}`);
    // As deployed: the config file beside the bundle, deploy-time names in the environment.
    delete process.env[CONFIG_ENV];
    const taskRoot = this.stack.taskRoot(service);
    process.env.LAMBDA_TASK_ROOT = taskRoot;
    for (const [name, value] of Object.entries(this.stack.environment(service)))
      if (name.startsWith('AUTOPILOT_')) process.env[name] = value;
    if (!this.options.warm || warmFor.get(module) !== taskRoot) module.resetSettings();
    if (this.options.warm) warmFor.set(module, taskRoot);
    else warmFor.delete(module);
    const record = (result: string): Invocation => {
      const inv = {
        at: this.now(),
        service,
        via,
        attempt,
        result,
        ...(this.options.captureLogs ? { logs: logs.map(parseLogLine) } : {}),
      };
      this.invocations.push(inv);
      return inv;
    };
    const crashAfter = this.options.crashAfter?.(this.invocationCount++);
    const logs: string[] = [];
    const scope: InvocationScope = {
      service,
      calls: 0,
      logs,
      ...(crashAfter === undefined ? {} : { crashAfter }),
    };
    try {
      const out = (await this.world.inInvocation(scope, () =>
        module.handler(structuredClone(payload), context(service)),
      )) as {
        outcome?: string;
        from?: string;
        to?: string;
        note?: string;
        reason?: string;
      };
      // A dead function returns nothing, whatever it would have: Lambda sees a function error.
      if (scope.crashedAfter) throw new Error('the invocation died');
      const summary = [out.outcome, out.from && `${out.from}->${out.to}`, out.note ?? out.reason]
        .filter(Boolean)
        .join(' ');
      const inv = record(summary);
      if (process.env.SCENARIO_TRACE) console.error(`${this.now()} ${service} [${via}] ${summary}`);
      if (out.outcome === 'rejected') this.permanentFailures.push(inv);
    } catch (error) {
      const inv = record(
        scope.crashedAfter
          ? `crashed after ${scope.crashedAfter}`
          : `error ${(error as Error).name}: ${(error as Error).message}`,
      );
      if (scope.crashedAfter) this.crashes.push(inv);
      if (process.env.SCENARIO_TRACE) console.error(`${this.now()} ${service} [${via}] ${inv.result}`);
      if (attempt < ASYNC_RETRIES) {
        // Lambda retries an async invocation after about 1, then 2 minutes.
        this.retries.push({
          at: Date.now() + (attempt + 1) * MINUTE,
          service,
          payload,
          attempt: attempt + 1,
          via,
        });
      } else {
        this.failureQueue.push(inv);
      }
    }
  }

  private async invokeDelivered(service: string, payload: unknown, via: string): Promise<void> {
    const duplicate = this.options.duplicate ?? this.options.duplicateWhen?.(this.deliveryCount++);
    if (duplicate === 'concurrent') {
      await Promise.all([
        this.invoke(service, payload, via),
        this.invoke(service, payload, `${via} (again)`),
      ]);
    } else {
      await this.invoke(service, payload, via);
      if (duplicate === 'sequential') await this.invoke(service, payload, `${via} (again)`);
    }
  }

  /** Routes one event with the template's rules (or drops it, once, when asked to). */
  async deliver(bus: string, event: AwsEvent): Promise<void> {
    if (!this.dropUsed && this.options.drop?.(event)) {
      this.dropUsed = true;
      this.dropped.push(event);
      return;
    }
    if (this.options.dropWhen?.(event, this.routedCount++)) {
      this.dropped.push(event);
      return;
    }
    for (const { service, rule } of this.stack.route(bus, event)) {
      await this.invokeDelivered(service, event, `${rule}: ${event['detail-type']}`);
    }
  }

  // ---- the clock

  private liveRollouts(): Rollout[] {
    return [...this.world.table.values()].filter((i) => i.gsi1pk === 'WAITING') as unknown as Rollout[];
  }

  /**
   * The template's reconciler schedule runs always: a night with its schedules runs it so (it
   * announces a lost image again); other scenarios skip its quiet ticks while no rollout lives.
   */
  private reconcilesNow(): boolean {
    return this.options.schedules === true || this.liveRollouts().length > 0;
  }

  /**
   * Delivers what is due, then moves the clock to the next due thing (schedule, retry, timed change,
   * reconciler tick while a rollout is live), until nothing is left or `until` holds.
   */
  async runUntilQuiet(
    options: { until?: () => boolean; maxSteps?: number; maxMinutes?: number; endAt?: number } = {},
  ): Promise<void> {
    const maxSteps = options.maxSteps ?? 3000;
    const deadline = Date.now() + (options.maxMinutes ?? 4 * 24 * 60) * MINUTE;
    for (let step = 0; step < maxSteps; step++) {
      this.world.checkInvariants();
      this.options.beforeStep?.(this);
      if (options.until?.()) return;
      const direct = this.directInvocations.shift();
      if (direct) {
        await this.invoke(direct.service, direct.payload, direct.via);
        continue;
      }
      const event = this.world.outbox.shift();
      if (event) {
        await this.deliver(event.bus, event.event);
        continue;
      }
      const now = Date.now();
      const retry = this.retries.find((r) => r.at <= now);
      if (retry) {
        this.retries = this.retries.filter((r) => r !== retry);
        await this.invoke(retry.service, retry.payload, `retry: ${retry.via}`, retry.attempt);
        continue;
      }
      const schedule = this.world.takeDueSchedule();
      if (schedule) {
        await this.invokeDelivered(
          this.stack.serviceOfArn(schedule.targetArn),
          JSON.parse(schedule.input),
          `schedule ${schedule.name}`,
        );
        continue;
      }
      if (this.world.fireDueTimers().length > 0) continue;
      const run = this.scheduled.find((d) => d.at <= now);
      if (run) {
        this.scheduled = this.scheduled.flatMap((d) => {
          if (d !== run) return [d];
          const at = d.next(run.at);
          return at === undefined ? [] : [{ ...d, at }];
        });
        const time = new Date(run.at).toISOString().replace('.000Z', 'Z');
        await this.invokeDelivered(
          run.service,
          JSON.parse(run.input.replaceAll('<aws.scheduler.scheduled-time>', time)),
          run.label,
        );
        continue;
      }
      if (this.options.reconciler !== false && this.nextReconcile <= now) {
        this.nextReconcile += this.reconcileEvery;
        if (this.reconcilesNow()) await this.invokeDelivered('reconciler', {}, 'reconciler schedule');
        continue;
      }
      const live = this.reconcilesNow() && this.options.reconciler !== false;
      const candidates = [
        this.world.nextTimerAt(),
        this.world.nextScheduleAt(),
        ...this.retries.map((r) => r.at),
        live ? this.nextReconcile : undefined,
        ...this.scheduled.map((d) => d.at),
      ].filter((t): t is number => t !== undefined);
      if (candidates.length === 0) return;
      const next = Math.max(Math.min(...candidates), now);
      if (options.endAt !== undefined && next > options.endAt) {
        this.clock.setSystemTime(Math.max(options.endAt, now));
        return;
      }
      if (next > deadline) throw new Error(`scenario still busy after its time bound\n${this.report()}`);
      this.clock.setSystemTime(next);
    }
    throw new Error(`scenario did not settle in ${maxSteps} steps\n${this.report()}`);
  }

  /**
   * One run, now, of a cron schedule of the template (a nightly drift check), with Scheduler's
   * `<aws.scheduler.scheduled-time>` set to the current time.
   */
  async runCronSchedule(matching: (input: Record<string, unknown>) => boolean): Promise<void> {
    const cron = this.stack.crons.find((c) => matching(JSON.parse(c.input) as Record<string, unknown>));
    if (!cron)
      throw new Error(`no cron schedule of the template matches\n${JSON.stringify(this.stack.crons)}`);
    const input = cron.input.replaceAll('<aws.scheduler.scheduled-time>', this.now().replace('.000Z', 'Z'));
    await this.invokeDelivered(cron.service, JSON.parse(input), `schedule ${cron.id} ${cron.expression}`);
  }

  /**
   * One run, now, of a rate schedule of the template (the sweeper's), with Scheduler's
   * `<aws.scheduler.scheduled-time>` set to the current time.
   */
  async runRateSchedule(service: string): Promise<void> {
    const rate = this.stack.rates.find((r) => r.service === service);
    if (!rate) throw new Error(`the template has no rate schedule for ${service}`);
    const input = rate.input.replaceAll('<aws.scheduler.scheduled-time>', this.now().replace('.000Z', 'Z'));
    await this.invokeDelivered(service, JSON.parse(input), `schedule rate(${rate.everyMinutes} minutes)`);
  }

  /** One run of the reconciler now, as its schedule would (it also runs with no live rollout). */
  async reconcileNow(): Promise<void> {
    await this.invokeDelivered('reconciler', {}, 'reconciler schedule');
  }

  // ---- reading the outcome

  rollouts(fleet: string): Rollout[] {
    return [...this.world.table.values()]
      .filter((i) => i.pk === `FLEET#${fleet}` && String(i.sk).startsWith('ROLLOUT#'))
      .map((i) => i as unknown as Rollout)
      .sort((a, b) => (a.history[0]?.at ?? '').localeCompare(b.history[0]?.at ?? ''));
  }

  /** The fleet's only (or latest) rollout of a candidate image. */
  rollout(fleet: string): Rollout {
    const r = this.rollouts(fleet)
      .filter((x) => x.kind === 'rollout')
      .at(-1);
    if (!r) throw new Error(`no rollout for fleet ${fleet}\n${this.report()}`);
    return r;
  }

  /** The fleet's ledger history, one `state: note` line per step (restarts marked). */
  historyOf(fleet: string, kind?: Rollout['kind']): string[] {
    return this.rollouts(fleet)
      .filter((r) => kind === undefined || r.kind === kind)
      .flatMap((r) =>
        r.history.map((h) => `${r.kind === 'rollout' ? '' : `(${r.kind}) `}${h.state}: ${h.note}`),
      );
  }

  /** Our bus events of one detail type, with their detail. */
  busEvents(detailType: string): Record<string, unknown>[] {
    return this.world.putEvents.filter((e) => e['detail-type'] === detailType).map((e) => e.detail);
  }

  /** Everything that happened, for a failing scenario's message. */
  report(): string {
    const fleets = [
      ...new Set([...this.world.table.values()].map((i) => String(i.pk).replace('FLEET#', ''))),
    ];
    return [
      '--- invocations',
      ...this.invocations.map((i) => `${i.at} ${i.service}#${i.attempt} [${i.via}] ${i.result}`),
      '--- ledger',
      ...fleets.flatMap((f) => [`[${f}]`, ...this.historyOf(f).map((l) => `  ${l}`)]),
      '--- violations',
      ...this.world.violations,
      ...(this.dropped.length
        ? [
            '--- dropped',
            ...this.dropped.map((e) => `${e.time} ${e['detail-type']} ${JSON.stringify(e.detail)}`),
          ]
        : []),
    ].join('\n');
  }
}

/** Restores the real clock after a scenario. */
export const endScenario = (): void => {
  stopVirtualClock();
  restoreOutput?.();
};
