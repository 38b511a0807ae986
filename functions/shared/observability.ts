import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { Metrics } from '@aws-lambda-powertools/metrics';

import { METRICS_NAMESPACE } from './metric-names';

/** Log level and event logging come from POWERTOOLS_LOG_LEVEL / POWERTOOLS_LOGGER_LOG_EVENT. */
export const makeLogger = (service: string): Logger =>
  new Logger({ serviceName: service, correlationIdSearchFn: search });

export const makeMetrics = (service: string): Metrics =>
  new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
