/**
 * What the rollout's SSM commands and infra agree on, in a module with no imports: the drain bound
 * the documents default to, and the statuses the command-status rule routes. infra may import it
 * without pulling the rollout's decision code into the synth.
 */

/**
 * The drain bound given to systemd (`TimeoutStopSec`): the longest job plus slack, so a job that
 * ends at its maximum timeout is never cut short; beyond it systemd kills and we alert.
 */
export const DRAIN_SLACK_SECONDS = 900;
export const drainBoundSeconds = (manager: { readonly maxJobMinutes: number }): number =>
  manager.maxJobMinutes * 60 + DRAIN_SLACK_SECONDS;

/**
 * Statuses of a whole command (ListCommands, `EC2 Command Status-change Notification`). The
 * details `DeliveryTimedOut`, `ExecutionTimedOut`, `Undeliverable` and `Terminated` belong to
 * invocations (their StatusDetails and invocation events), never to a command.
 */
export const COMMAND_STATUSES = [
  'Pending',
  'InProgress',
  'Success',
  'Cancelled',
  'Failed',
  'TimedOut',
  'Cancelling',
] as const;

/** The command statuses that end a command (ListCommands, `EC2 Command Status-change Notification`). */
export const FINAL_COMMAND_STATUSES = ['Success', 'Failed', 'TimedOut', 'Cancelled'] as const;
