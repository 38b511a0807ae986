import { createHash } from 'node:crypto';

import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';

import { clientConfig } from './client-config';
import { memoClient } from './memo-client';

const client = /* @__PURE__ */ memoClient(() => new SchedulerClient(clientConfig));
const scheduler = (): SchedulerClient => client.get();
export const resetSchedulerClient = (): void => client.reset();

/** Schedule and group names: 1-64 characters of `[0-9a-zA-Z-_.]`. */
const NAME = /^[0-9a-zA-Z_.-]{1,64}$/;
const NAME_MAX = 64;
/** Hex characters of the SHA-256 kept when a name is hashed (64 bits). */
const HASH_CHARS = 16;
/**
 * The target's delivery retries, stated rather than left implicit: Scheduler's own defaults (185
 * attempts over at most 24 h). They cover delivery only; Lambda's async retries cover the function.
 */
const RETRY_POLICY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

const isNamed = (error: unknown, ...names: string[]): boolean =>
  error instanceof Error && names.includes(error.name);

const assertName = (name: string, what: string): void => {
  if (!NAME.test(name)) {
    throw new Error(
      `${what} ${JSON.stringify(name)} is not valid: use 1-64 characters of [0-9a-zA-Z-_.] (scheduleName() builds one)`,
    );
  }
};

/**
 * A valid, deterministic schedule name from `parts` joined with `-`. When the join is already
 * valid (1-64 characters of `[0-9a-zA-Z-_.]`) it is the name; otherwise the name is a readable,
 * sanitised prefix plus 16 hex characters of the join's SHA-256, 64 characters at most. The same
 * parts always give the same name. Parts are joined as they are, so `['a-b', 'c']` and
 * `['a', 'b-c']` give the same name: keep the parts positional (kind, id, step).
 */
export const scheduleName = (parts: string[]): string => {
  const joined = parts.join('-');
  if (NAME.test(joined)) return joined;
  const hash = createHash('sha256').update(joined).digest('hex').slice(0, HASH_CHARS);
  const prefix = joined
    .replace(/[^0-9a-zA-Z_.-]+/g, '_')
    .slice(0, NAME_MAX - HASH_CHARS - 1)
    .replace(/[-_.]+$/, '');
  return prefix === '' ? hash : `${prefix}-${hash}`;
};

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC; Scheduler fires within the minute (60-second precision). */
export const atExpression = (at: Date): string => {
  if (Number.isNaN(at.getTime())) throw new Error('at is an invalid Date');
  return `at(${at.toISOString().slice(0, 19)})`;
};

/**
 * Creates a one-time schedule (`at(...)` in UTC, no flexible window) that invokes `targetArn`
 * with `input` as JSON and deletes itself after it ran (`ActionAfterCompletion: DELETE`; the
 * default keeps it forever). Names are unique per group, and CreateSchedule answers an existing
 * name with `ConflictException`: that returns `{ created: false }`, so a retried call creates
 * nothing twice. The existing schedule is left as it is, even if its time or input differ: a
 * different run needs a different name. Once a schedule ran and deleted itself, its name is free
 * again; the target must still be idempotent. The role must let Scheduler invoke the target (and
 * send to the dead-letter queue, when one is given).
 */
export const scheduleOnce = async (input: {
  name: string;
  groupName?: string;
  at: Date;
  targetArn: string;
  roleArn: string;
  input: object;
  deadLetterArn?: string;
  description?: string;
}): Promise<{ created: boolean }> => {
  assertName(input.name, 'schedule name');
  if (input.groupName !== undefined) assertName(input.groupName, 'schedule group name');
  const expression = atExpression(input.at);
  try {
    await scheduler().send(
      new CreateScheduleCommand({
        Name: input.name,
        GroupName: input.groupName,
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Description: input.description,
        Target: {
          Arn: input.targetArn,
          RoleArn: input.roleArn,
          Input: JSON.stringify(input.input),
          RetryPolicy: RETRY_POLICY,
          ...(input.deadLetterArn === undefined ? {} : { DeadLetterConfig: { Arn: input.deadLetterArn } }),
        },
      }),
    );
    return { created: true };
  } catch (error) {
    if (isNamed(error, 'ConflictException')) return { created: false };
    throw error;
  }
};

/** Deletes a schedule; one already gone (`ResourceNotFoundException`, e.g. it ran) is done. */
export const deleteSchedule = async (name: string, groupName?: string): Promise<void> => {
  assertName(name, 'schedule name');
  try {
    await scheduler().send(new DeleteScheduleCommand({ Name: name, GroupName: groupName }));
  } catch (error) {
    if (!isNamed(error, 'ResourceNotFoundException')) throw error;
  }
};
