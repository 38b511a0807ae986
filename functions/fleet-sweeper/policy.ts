import { durationMs, readRunnerConfig } from '../shared/runner-config/model';
import { matchesPeriods } from '../shared/windows';

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

const num = (v: number | undefined, fallback: number): number =>
  v !== undefined && Number.isFinite(v) && v >= 0 ? v : fallback;

/**
 * The autoscaler of the runner whose `[runners.autoscaler.plugin_config] name` is `group`, from a
 * rendered config.toml. `undefined` when no runner scales that group; throws when the text is not
 * TOML (the caller reports the policy as unknown). `capacity_per_instance` defaults to 1 (the
 * reference calls the default unconfirmed, "probably 1").
 */
export const autoscalerOf = (configText: string, group: string): GroupAutoscaler | undefined => {
  const { runners } = readRunnerConfig(configText);
  for (const [position, runner] of runners.entries()) {
    const autoscaler = runner.autoscaler;
    if (!autoscaler || autoscaler.pluginConfig?.name !== group) continue;
    return {
      runner: runner.name ?? `runner ${position + 1}`,
      capacityPerInstance: Math.max(1, Math.floor(num(autoscaler.capacityPerInstance, 1))),
      policies: autoscaler.policies.map((p) => {
        const idle = p.idleTime === undefined ? undefined : durationMs(p.idleTime);
        return {
          periods: p.periods?.length ? p.periods : ['* * * * *'],
          timezone: p.timezone || 'UTC',
          idleCount: Math.floor(num(p.idleCount, 0)),
          ...(idle === undefined ? {} : { idleTimeMinutes: idle / 60_000 }),
          scaleFactor: num(p.scaleFactor, 0),
          scaleFactorLimit: Math.floor(num(p.scaleFactorLimit, 0)),
        };
      }),
    };
  }
  return undefined;
};

/**
 * The policy in force at `at`: the last one whose periods match (the runner's rule), or
 * `undefined` when none does (the runner then keeps nothing idle, as far as the reference says).
 */
export const activePolicy = (policies: readonly AutoscalerPolicy[], at: Date): AutoscalerPolicy | undefined =>
  [...policies].reverse().find((p) => matchesPeriods(p.periods, p.timezone, at));

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
