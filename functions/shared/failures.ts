import type { Logger } from '@aws-lambda-powertools/logger';

import { TransientError } from './errors';

/** How many failures the thrown message names; all of them stay in its `cause`. */
const NAMED_FAILURES = 10;

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The failures of a run that goes on past them (one fleet, template or item at a time): each is
 * logged where it happens, and the run ends with one transient error naming them, so Lambda
 * retries it and the failure alarm sees it, after the rest of the work was done.
 */
export class Failures {
  private readonly named: string[] = [];
  private readonly errors: unknown[] = [];

  constructor(
    private readonly logger: Logger,
    /** The log message for each failure, e.g. `sweep step failed`. */
    private readonly logMessage: string,
  ) {}

  get count(): number {
    return this.named.length;
  }

  /** `what` names the step and its subject: `apply for fleet jobs`; `keys` are more log keys. */
  add(what: string, error: unknown, keys: Readonly<Record<string, unknown>> = {}): void {
    // The run fails and is retried, so each of its failures is transient (STYLE.md's error policy).
    this.logger.error(this.logMessage, { error, errorKind: 'transient', step: what, ...keys });
    this.addLogged(what, error);
  }

  /** A failure the caller logged already, with its own message and keys; named as by {@link add}. */
  addLogged(what: string, error: unknown): void {
    this.named.push(`${what}: ${messageOf(error)}`);
    this.errors.push(error);
  }

  /** Throws if anything failed: `<run> failed (n): <first ten>; <done>`. */
  throwIfAny(run: string, done: string): void {
    if (this.named.length === 0) return;
    throw new TransientError(
      `${run} failed (${this.named.length}): ${this.named.slice(0, NAMED_FAILURES).join('; ')}; ${done}`,
      { cause: new AggregateError(this.errors) },
    );
  }
}
