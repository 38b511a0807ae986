import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';

import { PermanentError } from './errors';
import { formatIssues, type SchemaIssue } from './issues';
import { outcomeMetric, PERMANENT_FAILURE_METRIC, TRANSIENT_FAILURE_METRIC } from './metric-names';
import { logMetrics, makeLogger, makeMetrics, type Metrics, MetricUnit } from './observability';
import type { StandardSchemaV1 } from './standard-schema';

/** What a function's `run` returns: `outcome` names the decision, the rest are its counts and ids. */
export interface Outcome {
  readonly outcome: string;
  readonly [key: string]: unknown;
}

export interface HttpOutcome extends Outcome {
  readonly statusCode: number;
  /** Response headers (e.g. `allow` on a 405); never part of the body. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a run for an event resolves with when its input is refused for good. */
export interface Rejected extends Outcome {
  readonly outcome: 'rejected';
  readonly reason: string;
}

export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface RunTools {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly context: Context;
  /** The clock, injected so decisions never read it themselves. */
  readonly now: () => Date;
}

/**
 * What a function's `run.ts` is given: the factory's tools, the function's config slice, and the
 * ports through which it reaches AWS (wired to the adapters by `handler.ts`, to fakes by tests).
 */
export interface RunDeps<Settings, Ports> extends RunTools {
  readonly settings: Settings;
  readonly ports: Ports;
}

export interface HandlerSpec<S extends StandardSchemaV1, R extends Outcome> {
  /** Service name in logs and metrics: the function's folder name. */
  readonly name: string;
  readonly schema: S;
  /** JMESPath of the correlation id in the raw event (Powertools `correlationPaths`). */
  readonly correlationIdPath?: string;
  /** The raw event holds a secret (a webhook token header): never log it, whatever POWERTOOLS_LOGGER_LOG_EVENT says. */
  readonly sensitiveInput?: boolean;
  /**
   * Outcomes logged at debug instead of info: answers anyone on the internet can provoke (a 401),
   * so a flood of them costs no log ingestion. Their metric is still counted.
   */
  readonly quietOutcomes?: readonly string[];
  readonly run: (input: StandardSchemaV1.InferOutput<S>, tools: RunTools) => Promise<R>;
}

type Parsed<T> = { success: true; data: T } | { success: false; error: Error };

interface Responder<R extends Outcome, Out> {
  readonly ok: (outcome: R) => Out;
  readonly rejected: (error: PermanentError) => Out;
  readonly failed: (error: unknown) => Out;
}

/** The parser middleware puts the schema's issues in the error's `cause`. */
const describeIssues = (error: Error): string =>
  Array.isArray(error.cause) && error.cause.length
    ? formatIssues(error.cause as SchemaIssue[], 'inline')
    : error.message;

const build = <S extends StandardSchemaV1, R extends Outcome, Out>(
  spec: HandlerSpec<S, R>,
  respond: Responder<R, Out>,
): MiddyfiedHandler<unknown, Out> => {
  const logger = makeLogger(spec.name);
  const metrics = makeMetrics(spec.name);

  const reject = (error: PermanentError): Out => {
    logger.error('rejected', { error, errorKind: 'permanent' });
    metrics.addMetric(PERMANENT_FAILURE_METRIC, MetricUnit.Count, 1);
    return respond.rejected(error);
  };

  const body = async (parsed: Parsed<StandardSchemaV1.InferOutput<S>>, context: Context): Promise<Out> => {
    if (!parsed.success) {
      return reject(new PermanentError(`input does not match its schema: ${describeIssues(parsed.error)}`));
    }
    try {
      const outcome = await spec.run(parsed.data, { logger, metrics, context, now: () => new Date() });
      if (spec.quietOutcomes?.includes(outcome.outcome)) logger.debug(outcome.outcome, { ...outcome });
      else logger.info(outcome.outcome, { ...outcome });
      metrics.addMetric(outcomeMetric(outcome.outcome), MetricUnit.Count, 1);
      return respond.ok(outcome);
    } catch (error) {
      if (error instanceof PermanentError) return reject(error);
      logger.error('failed', { error, errorKind: 'transient' });
      metrics.addMetric(TRANSIENT_FAILURE_METRIC, MetricUnit.Count, 1);
      return respond.failed(error);
    }
  };

  return middy<unknown, Out>()
    .use(
      injectLambdaContext(logger, {
        resetKeys: true,
        ...(spec.sensitiveInput ? { logEvent: false } : {}),
        ...(spec.correlationIdPath ? { correlationIdPath: spec.correlationIdPath } : {}),
      }),
    )
    .use(logMetrics(metrics))
    .use(parser({ schema: spec.schema, safeParse: true }) as middy.MiddlewareObj)
    .handler(body as unknown as (event: unknown, context: Context) => Promise<Out>);
};

/**
 * Builds every event-driven function (EventBridge rule, Scheduler, direct invoke). A permanent
 * error resolves with {@link Rejected} so Lambda does not retry it; anything else is rethrown so
 * Lambda's async retries and then the failure destination take over.
 */
export const makeHandler = <S extends StandardSchemaV1, R extends Outcome>(spec: HandlerSpec<S, R>) =>
  build<S, R, R | Rejected>(spec, {
    ok: (outcome) => outcome,
    rejected: (error) => ({ outcome: 'rejected', reason: error.message }),
    failed: (error) => {
      throw error;
    },
  });

const json = (
  statusCode: number,
  body: object,
  headers: Readonly<Record<string, string>> = {},
): FunctionUrlResult => ({
  statusCode,
  headers: { ...headers, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * Builds an HTTP function behind a Function URL: permanent errors answer with their 4xx status,
 * transient ones with 503 so the caller retries; nothing is thrown.
 */
export const makeHttpHandler = <S extends StandardSchemaV1, R extends HttpOutcome>(spec: HandlerSpec<S, R>) =>
  build<S, R, FunctionUrlResult>(spec, {
    ok: ({ statusCode, headers, ...body }) => json(statusCode, body, headers),
    rejected: (error) => json(error.statusCode, { outcome: 'rejected', reason: error.message }),
    failed: () => json(503, { outcome: 'failed', reason: 'temporary failure, retry later' }),
  });
