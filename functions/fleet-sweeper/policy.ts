import { Cron } from 'croner';
import { parse } from 'smol-toml';

import { durationMs } from '../shared/runner-config/lint';

/**
 * The autoscaler of one job group as its manager's config.toml sets it, and the idle capacity the
 * active policy keeps on purpose (DESIGN.md, "Idle capacity kept on purpose"). Pure.
 */

export interface AutoscalerPolicy {
  /** Cron periods in which the policy is active; `["* * * * *"]` when the config leaves it out. */
  readonly periods: readonly string[];
  /** IANA zone of `periods`; the runner's own default is the system zone, UTC on our managers. */
  readonly timezone: string;
  /** Idle job slots (not instances) to keep. */
  readonly idleCount: number;
  /** `idle_time` in minutes, when set. */
  readonly idleTimeMinutes?: number;
  readonly scaleFactor: number;
  /** 0: no cap. */
  readonly scaleFactorLimit: number;
}

export interface GroupAutoscaler {
  /** The `[[runners]]` entry whose `plugin_config.name` is the group. */
  readonly runner: string;
  readonly capacityPerInstance: number;
  readonly policies: readonly AutoscalerPolicy[];
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;

/**
 * The autoscaler of the runner whose `[runners.autoscaler.plugin_config] name` is `group`, from a
 * rendered config.toml. `undefined` when no runner scales that group; throws when the text is not
 * TOML (the caller reports the policy as unknown). `capacity_per_instance` defaults to 1 (the
 * reference calls the default unconfirmed, "probably 1").
 */
export const autoscalerOf = (configText: string, group: string): GroupAutoscaler | undefined => {
  const config = parse(configText) as Table;
  const runners = Array.isArray(config.runners) ? config.runners.filter(isTable) : [];
  for (const [index, runner] of runners.entries()) {
    const autoscaler = isTable(runner.autoscaler) ? runner.autoscaler : undefined;
    const plugin = autoscaler && isTable(autoscaler.plugin_config) ? autoscaler.plugin_config : undefined;
    if (!autoscaler || plugin?.name !== group) continue;
    const raw = Array.isArray(autoscaler.policy) ? autoscaler.policy.filter(isTable) : [];
    return {
      runner: typeof runner.name === 'string' ? runner.name : `runner ${index + 1}`,
      capacityPerInstance: Math.max(1, Math.floor(num(autoscaler.capacity_per_instance, 1))),
      policies: raw.map((p) => {
        const idle = typeof p.idle_time === 'string' ? durationMs(p.idle_time) : undefined;
        return {
          periods:
            Array.isArray(p.periods) && p.periods.length > 0
              ? p.periods.filter((x): x is string => typeof x === 'string')
              : ['* * * * *'],
          timezone: typeof p.timezone === 'string' && p.timezone !== '' ? p.timezone : 'UTC',
          idleCount: Math.floor(num(p.idle_count, 0)),
          ...(idle === undefined ? {} : { idleTimeMinutes: idle / 60_000 }),
          scaleFactor: num(p.scale_factor, 0),
          scaleFactorLimit: Math.floor(num(p.scale_factor_limit, 0)),
        };
      }),
    };
  }
  return undefined;
};

const matches = (policy: AutoscalerPolicy, minute: Date): boolean =>
  policy.periods.some((p) => {
    try {
      return new Cron(p, { timezone: policy.timezone, paused: true }).match(minute);
    } catch {
      return false;
    }
  });

/**
 * The policy in force at `at`: the last one whose periods match (the runner's rule), or
 * `undefined` when none does (the runner then keeps nothing idle, as far as the reference says).
 */
export const activePolicy = (
  policies: readonly AutoscalerPolicy[],
  at: Date,
): AutoscalerPolicy | undefined => {
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  return [...policies].reverse().find((p) => matches(p, minute));
};

/**
 * Idle job slots the policy keeps: max(`idle_count`, `scale_factor` x in-use slots), the
 * scale-factor part capped by `scale_factor_limit` when that is set.
 */
export const idleSlotsWanted = (policy: AutoscalerPolicy | undefined, inUseSlots: number): number => {
  if (!policy) return 0;
  const scaled = policy.scaleFactor * Math.max(0, inUseSlots);
  const capped = policy.scaleFactorLimit > 0 ? Math.min(scaled, policy.scaleFactorLimit) : scaled;
  return Math.max(policy.idleCount, Math.ceil(capped));
};

/**
 * Instances kept idle on purpose: the idle slots the policy wants, less the spare slots of busy
 * instances, divided by `capacity_per_instance` and rounded up. `busyJobs` holds, per busy
 * instance, the jobs it runs (at most the capacity; unknown counts count as full, which keeps
 * more instances and so never calls kept capacity idle).
 */
export const keptIdleInstances = (
  policy: AutoscalerPolicy | undefined,
  capacityPerInstance: number,
  busyJobs: readonly number[],
): number => {
  const capacity = Math.max(1, capacityPerInstance);
  const inUse = busyJobs.reduce((n, jobs) => n + Math.min(capacity, Math.max(1, jobs)), 0);
  const spare = busyJobs.length * capacity - inUse;
  const wanted = idleSlotsWanted(policy, inUse);
  return Math.ceil(Math.max(0, wanted - spare) / capacity);
};
