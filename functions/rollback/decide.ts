import type { Fleet } from '../shared/fleet';
import type { RollbackInput } from './schema';

/**
 * The fleets a rollback concerns and why. `source` decides which states it may roll back from
 * (a request may also roll back a finished rollout, an alarm may not: see `rollbackTarget`).
 */
export interface RollbackDecision {
  readonly source: 'alarm' | 'request';
  /** Empty for an alarm that left ALARM, or one no fleet rolls back on. */
  readonly fleets: readonly string[];
  readonly reason: string;
}

export const decideRollback = (event: RollbackInput, fleets: readonly Fleet[]): RollbackDecision => {
  if (event.source !== 'aws.cloudwatch')
    return { source: 'request', fleets: [event.detail.fleet], reason: event.detail.reason };
  const { alarmName, state } = event.detail;
  return {
    source: 'alarm',
    fleets:
      state.value === 'ALARM'
        ? fleets.filter((f) => f.rollbackAlarms.includes(alarmName)).map((f) => f.name)
        : [],
    reason: `alarm ${alarmName} is ${state.value}`,
  };
};
