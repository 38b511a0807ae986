// First, before any function's module: they build their loggers when they load, and a rehearsal
// reads their info lines (its timeline) and counts their metrics itself.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// Lambda's own variable; the driver sets the deploy-time ones per function.
process.env.AWS_REGION ??= 'us-east-2';

import { FINAL_STATES, type Rollout } from '../functions/shared/rollout/model';
import { loadConfig } from '../infra/load-config';
import { type Autoscalers, startAutoscalers } from './autoscaler';
import { endScenario, type Invocation, Scenario } from './driver';
import { ACCOUNT, type AwsEvent, type FakeInstance, MINUTE, REGION, seeded, type World } from './fake-aws';
import type {
  AlertSent,
  FleetFigures,
  InstanceSpan,
  RehearsalResult,
  RolloutTrack,
  TimelineEntry,
} from './result';
import type { Fault } from './faults';
import { type Seed, seedWorld } from './seed';
import { defaultJobs, type JobSpec } from './workload';

export interface RehearsalOptions {
  readonly configPath: string;
  readonly from: Date;
  readonly until: Date;
  /** GitLab pushes (to the first webhook rule's project and branch), at these times. */
  readonly pushes?: readonly Date[];
  readonly fail?: readonly Fault[];
  /** Alarms that fire 10 minutes into each promotion's bake period. */
  readonly alarms?: readonly string[];
  /** Share of routed events EventBridge loses (0-1). */
  readonly dropEvents?: number;
  /** Deliver every event and schedule twice (at least once, as EventBridge promises). */
  readonly duplicateEvents?: boolean;
  /** Share of AWS calls throttled (the SDK retries them). */
  readonly throttle?: number;
  readonly seed?: number;
  /** The jobs GitLab queues (`--jobs file.csv`, see `readJobsCsv`); @default the default daytime/nighttime curve */
  readonly jobs?: readonly JobSpec[];
  /** Called as the virtual clock moves: the share of the night played so far. */
  readonly onProgress?: (share: number, at: Date) => void;
}

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/** One rollout step as the logs put it: `fleet from -> to: note`. */
const step = (x: Record<string, unknown>): string | undefined => {
  const str = (k: string) => (typeof x[k] === 'string' ? x[k] : undefined);
  const [fleet, from, to, note] = [str('fleet') ?? str('pipeline'), str('from'), str('to'), str('note')];
  if (!from && !note) return undefined;
  const move = from && to ? (from === to ? `stays ${from}` : `${from} -> ${to}`) : undefined;
  return [fleet, move].filter(Boolean).join(' ') + (note ? `: ${note}` : '');
};

/**
 * What an invocation said at info and above, in its log lines' words: the message, then the
 * rollout steps it logged with their notes, or its reason. Metric lines are not words.
 */
const said = (inv: Invocation): string[] =>
  (inv.logs ?? []).flatMap((line) => {
    if (line.level === 'DEBUG' || typeof line.message !== 'string') return [];
    // Functions that move several rollouts log each move in a list (stage-candidate's `results`,
    // the reconciler's `advanced`).
    const listed = Object.values(line).flatMap((v) =>
      Array.isArray(v)
        ? v.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object')
        : [],
    );
    const steps = [step(line), ...listed.map(step)].filter((x): x is string => x !== undefined);
    const reason = typeof line.reason === 'string' ? line.reason : '';
    const pipeline = typeof line.pipeline === 'string' && reason ? `${line.pipeline}: ` : '';
    const why = steps.length > 0 ? steps.join('; ') : `${pipeline}${reason}`;
    return [why ? `${line.message} ${why}` : line.message];
  });

const roleOf = (
  world: World,
  instance: { tags: Record<string, string>; group?: string },
): InstanceSpan['role'] => {
  if (instance.tags['runner-autopilot:canary'] === 'true') return 'canary';
  return instance.group && world.groups.get(instance.group)?.runsRunner ? 'manager' : 'job';
};

/** The webhook rule and secret a push goes to: checked before the night, not when the push is due. */
const pushTarget = (config: ReturnType<typeof loadConfig>) => {
  const rule = config.gitlab.webhook?.rules[0];
  const secret = config.gitlab.webhook?.secret;
  if (!rule || !secret) throw new Error('--push needs gitlab.webhook in the config, with a rule');
  return { rule, secret };
};

/** The state change CloudWatch would put for `alarm`, as far as a rule's pattern reads it. */
const alarmFires = (alarm: string): AwsEvent => ({
  version: '0',
  id: `rehearsal-alarm-${alarm}`,
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: ACCOUNT,
  time: new Date(0).toISOString(),
  region: REGION,
  resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm}`],
  detail: { alarmName: alarm, state: { value: 'ALARM' }, previousState: { value: 'OK' } },
});

/** A GitLab push of the first webhook rule's project, touching a path its rule watches. */
const pushRequest = (config: ReturnType<typeof loadConfig>, world: World, at: Date, n: number) => {
  const { rule, secret } = pushTarget(config);
  const token = 'parameter' in secret ? world.parameters.get(secret.parameter)?.value : 'rehearsal';
  const branch = rule.branches.find((b) => !b.includes('*')) ?? 'main';
  const path = (rule.paths[0] ?? 'README.md').replaceAll('**', 'rehearsal').replaceAll('*', 'x');
  const sha = (k: number) => (n * 2 + k).toString(16).padStart(40, '0');
  const body = {
    object_kind: 'push',
    before: sha(0),
    after: sha(1),
    ref: `refs/heads/${branch}`,
    checkout_sha: sha(1),
    project: { path_with_namespace: rule.project },
    commits: [{ id: sha(1), added: [], modified: [path], removed: [] }],
    total_commits_count: 1,
  };
  return {
    headers: {
      'content-type': 'application/json',
      'x-gitlab-token': token ?? '',
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-event-uuid': `rehearsal-push-${n}`,
      'user-agent': 'GitLab/18.6.2',
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: `rehearsal-push-${n}-${at.getTime()}`, http: { method: 'POST' } },
  };
};

/**
 * One night of the config's fleet: the stack synthesized from the config routes events to the
 * real handlers, which drive the embedded AWS on a virtual clock, while the template's schedules
 * bake, sweep and check drift, and the faults asked for happen.
 */
export const rehearse = async (options: RehearsalOptions): Promise<RehearsalResult> => {
  const config = loadConfig(options.configPath);
  const rng = seeded(options.seed ?? 7);
  const dropRate = options.dropEvents ?? 0;
  const from = options.from.getTime();
  const span = Math.max(options.until.getTime() - from, 1);
  let promotionsSeen = 0;
  // Each step: alarms for promotions new since the last one, and progress.
  const beforeStep = ({ world }: Scenario) => {
    const promotions = world.putEvents.filter((e) => e['detail-type'] === 'Candidate Promoted');
    const fresh = promotions.length - promotionsSeen;
    for (let n = 0; n < fresh; n++)
      for (const alarm of options.alarms ?? []) {
        world.at(Date.now() + 10 * MINUTE, `alarm ${alarm} fires`, () => world.setAlarm(alarm, 'ALARM'));
        world.at(Date.now() + 40 * MINUTE, `alarm ${alarm} clears`, () => world.setAlarm(alarm, 'OK'));
      }
    promotionsSeen = promotions.length;
    options.onProgress?.(Math.min((Date.now() - from) / span, 1), new Date(Date.now()));
  };
  const s = new Scenario({
    configPath: options.configPath,
    start: options.from.toISOString(),
    warm: true,
    schedules: true,
    captureLogs: true,
    beforeStep,
    ...(dropRate > 0 ? { dropWhen: () => rng() < dropRate } : {}),
    ...(options.duplicateEvents
      ? { duplicateWhen: (n: number) => (n % 2 === 0 ? 'sequential' : 'concurrent') }
      : {}),
  });
  try {
    if ((options.pushes ?? []).length > 0) pushTarget(config);
    // An alarm nothing routes would fire unseen: the night would read as if it held.
    for (const alarm of options.alarms ?? [])
      if (s.stack.route('default', alarmFires(alarm)).length === 0)
        throw new Error(
          `--alarm ${alarm}: no rule of the stack routes this alarm, so it would change nothing`,
        );
    const world = s.world;
    const seed = seedWorld(world, config, s.stack);
    const jobs = options.jobs ?? defaultJobs(config, options.from, options.until, options.seed ?? 7);
    const autoscalers = startAutoscalers(world, config, jobs, options.from, options.until);
    if (options.throttle) world.setThrottling(options.throttle, options.seed ?? 42);
    const fail = new Set(options.fail ?? []);
    if (fail.has('bake')) world.failBake = () => true;
    if (fail.has('canary')) world.neverOnline = (i) => i.tags['runner-autopilot:canary'] === 'true';
    if (fail.has('smoke')) {
      const failing = {
        kind: 'fail',
        output: 'CHECK docker: FAIL (docker info: permission denied)\nRESULT fail',
      } as const;
      world.scripts['smoke-jobs'] = () => failing;
      world.scripts['smoke-manager'] = () => failing;
    }
    // The new image's managers fail their health check; a manager back on a night-start AMI passes.
    const startAmis = new Set(seed.amis.values());
    if (fail.has('health'))
      world.scripts['manager-health'] = (_command, instance) =>
        instance && startAmis.has(instance.imageId)
          ? { kind: 'pass' }
          : { kind: 'fail', output: 'CHECK gitlab-runner: FAIL (not running)\nRESULT fail' };
    for (const [n, at] of (options.pushes ?? []).entries()) {
      world.at(at.getTime(), `GitLab push ${n + 1}`, () =>
        s.directInvocations.push({
          service: 'gitlab-webhook',
          payload: pushRequest(config, world, at, n),
          via: 'Function URL: Push Hook',
        }),
      );
    }
    await s.runUntilQuiet({
      endAt: options.until.getTime(),
      maxSteps: 200_000,
      maxMinutes: Math.ceil(span / MINUTE) + 1,
    });
    return resultOf(s, config, seed, options, autoscalers);
  } finally {
    endScenario();
  }
};

/** Whether a fault met what it breaks: one that never did leaves the night as if it was not asked. */
const cameIntoPlay = (world: World, seed: Seed, fault: Fault): boolean => {
  const ran = (key: string, on: (i: FakeInstance | undefined) => boolean = () => true) =>
    world.commands.some(
      (c) => c.documentName.endsWith(`-autopilot-${key}`) && on(world.instances.get(c.instanceId)),
    );
  const startAmis = new Set(seed.amis.values());
  switch (fault) {
    case 'bake':
      return world.bakes.length > 0;
    case 'canary':
      return [...world.instances.values()].some((i) => i.tags['runner-autopilot:canary'] === 'true');
    case 'smoke':
      return ran('smoke-jobs') || ran('smoke-manager');
    case 'health':
      return ran('manager-health', (i) => i !== undefined && !startAmis.has(i.imageId));
  }
};

const resultOf = (
  s: Scenario,
  config: ReturnType<typeof loadConfig>,
  seed: Seed,
  options: RehearsalOptions,
  autoscalers: Autoscalers,
): RehearsalResult => {
  const world = s.world;
  const timeline: TimelineEntry[] = s.invocations
    .filter((inv) => !inv.result.startsWith('routed (not run here)'))
    .map((inv) => ({
      at: inv.at,
      service: inv.service,
      via: inv.via,
      attempt: inv.attempt,
      outcome: inv.result,
      said: said(inv),
    }));
  const instances: InstanceSpan[] = [...world.instances.values()].map((i) => ({
    id: i.id,
    ...(i.group ? { group: i.group } : {}),
    role: roleOf(world, i),
    imageId: i.imageId,
    launchedAt: iso(i.launchedAt) ?? '',
    ...(i.endedAt === undefined ? {} : { endedAt: iso(i.endedAt) }),
    jobs: i.jobs.map((j) => ({
      id: j.id,
      startedAt: iso(j.startedAt) ?? '',
      endedAt: iso(j.killedAt ?? j.endsAt) ?? '',
      ...(j.killedAt === undefined ? {} : { killedAt: iso(j.killedAt) }),
    })),
  }));
  const rollouts: RolloutTrack[] = [...world.table.values()]
    .filter((i) => String(i.sk).startsWith('ROLLOUT#'))
    .map((i) => i as unknown as Rollout)
    .map((r) => ({
      fleet: r.fleet,
      fleets: r.fleets,
      kind: r.kind,
      candidateId: r.candidateId,
      states: r.history,
    }));

  const bus = (type: string) => world.putEvents.filter((e) => e['detail-type'] === type);
  const forFleet = (events: AwsEvent[], fleet: string) =>
    events.filter(
      (e) => e.detail.fleet === fleet || (e.detail.fleets as string[] | undefined)?.includes(fleet),
    ).length;
  const serves = (r: RolloutTrack, fleet: string) => r.fleet === fleet || r.fleets.includes(fleet);
  const fleets: FleetFigures[] = config.fleets.map((f) => {
    const members = [...world.instances.values()].filter((i) => i.group === f.autoScalingGroup);
    const startAmi = seed.amis.get(f.pipeline);
    return {
      fleet: f.name,
      bakes: world.bakes.filter((b) => b.pipelineArn.endsWith(`/${config.deployment}-${f.pipeline}`)).length,
      candidates: rollouts.filter((r) => r.kind === 'rollout' && serves(r, f.name)).length,
      promotions: forFleet(bus('Candidate Promoted'), f.name),
      rollbacks: rollouts.filter((r) => serves(r, f.name) && r.states.some((h) => h.state === 'rolled-back'))
        .length,
      drains: world.commands.filter(
        (c) => /-(drain|restart)-manager$/.test(c.documentName) && members.some((i) => i.id === c.instanceId),
      ).length,
      // Launched from a newer image than the fleet ran when the night began.
      replacements: members.filter((i) => i.imageId !== startAmi).length,
    };
  });
  // What the alert topic's subscribers (email) would have received.
  const alerts: AlertSent[] = world.published.map((p) => ({
    at: iso(p.at) ?? '',
    subject: p.subject ?? '',
    text: p.message,
  }));
  const apiCalls = Object.fromEntries(
    [...world.callsByService].map(([service, counts]) => [service, Object.fromEntries(counts)]),
  );
  const allJobs = [...world.instances.values()].flatMap((i) => i.jobs);
  const jobsKilled = new Set(allJobs.filter((j) => j.killedAt !== undefined).map((j) => j.id)).size;
  const mostManagers = Object.fromEntries(world.mostManagers);
  const rolloutsUnfinished = rollouts.filter((r) => {
    const last = r.states.at(-1)?.state;
    return last !== undefined && !FINAL_STATES.has(last);
  }).length;
  const safety = { jobsKilled, mostManagers, rolloutsUnfinished, violations: [...world.violations] };
  return {
    config: options.configPath,
    from: options.from.toISOString(),
    until: options.until.toISOString(),
    faults: [
      ...(options.fail ?? []).map(
        (f) => `--fail ${f}${cameIntoPlay(world, seed, f) ? '' : ' (never came into play)'}`,
      ),
      ...(options.alarms ?? []).map(
        (a) =>
          `--alarm ${a}${bus('Candidate Promoted').length > 0 ? '' : ' (never fired: nothing promoted)'}`,
      ),
      ...(options.dropEvents ? [`--drop-events ${options.dropEvents}`] : []),
      ...(options.duplicateEvents ? ['--duplicate-events'] : []),
      ...(options.throttle ? [`--throttle ${options.throttle}`] : []),
    ],
    timeline,
    instances,
    rollouts,
    fleets,
    alerts,
    apiCalls,
    jobs: autoscalers.figures(),
    safety,
    ok: jobsKilled === 0 && Object.values(mostManagers).every((n) => n <= 1) && world.violations.length === 0,
  };
};
