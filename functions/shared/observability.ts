import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

import { METRICS_NAMESPACE } from './metric-names';

/**
 * The correlation id of a raw event at `path`: dotted field names (`requestContext.requestId`),
 * alternatives joined by `||` taken in turn (`id || scheduledTime`). Every path a function names
 * is of this form; Powertools' JMESPath search (`@aws-lambda-powertools/logger/correlationId`)
 * would add 23 KB of JMESPath to every bundle's cold start for it.
 */
export const correlationIdAt = (path: string, event: unknown): unknown => {
  const alternatives = path.split('||').map((alternative) => alternative.trim().split('.'));
  let value: unknown;
  for (const fields of alternatives) {
    value = fields.reduce<unknown>(
      (at, field) =>
        typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[field] : undefined,
      event,
    );
    // JMESPath's `||` passes over false-like values: null, '', false, an empty array or object.
    const empty = typeof value === 'object' && value !== null && Object.keys(value).length === 0;
    if (value !== undefined && value !== null && value !== '' && value !== false && !empty) return value;
  }
  return value;
};

/** Log level and event logging come from POWERTOOLS_LOG_LEVEL / POWERTOOLS_LOGGER_LOG_EVENT. */
export const makeLogger = (service: string): Logger =>
  new Logger({ serviceName: service, correlationIdSearchFn: correlationIdAt });

export const makeMetrics = (service: string): Metrics =>
  new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
