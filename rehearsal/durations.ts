/**
 * How long the rehearsal's embedded AWS takes for what the real one does at its own pace. The
 * world's defaults (rehearsal/fake-aws.ts) and `plan`'s estimates of the times after a bake
 * (cli/plan/plan.ts) both read them here, so a plan says what a rehearsal plays.
 */
export const SIMULATED_MINUTES = {
  /** An Image Builder build from its start to AVAILABLE: build, test and distribute. */
  bake: 55,
  /** An instance from its launch to Online in SSM. */
  boot: 3,
  /** A command that runs to its end (a smoke test, a health check). */
  command: 2,
  /** A group's replacement launch after TerminateInstanceInAutoScalingGroup. */
  replacement: 1,
} as const;
