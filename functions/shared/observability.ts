import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Namespace of every metric the suite publishes; alarms in infra use the same constant. */
export const METRICS_NAMESPACE = 'RunnerAutopilot';

/** Log level and event logging come from POWERTOOLS_LOG_LEVEL / POWERTOOLS_LOGGER_LOG_EVENT. */
export const makeLogger = (service: string): Logger =>
  new Logger({ serviceName: service, correlationIdSearchFn: search });

export const makeMetrics = (service: string): Metrics =>
  new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
