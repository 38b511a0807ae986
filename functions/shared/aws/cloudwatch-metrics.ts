import { type MetricDataQuery, paginateGetMetricData } from '@aws-sdk/client-cloudwatch';

import { TransientError } from '../errors';
import { cloudWatch } from './cloudwatch-client';
import { chunk } from '../chunk';

/**
 * Reading metrics (GetMetricData). Kept apart from `cloudwatch.ts` (alarm states) so a function
 * that only reads metrics bundles only this.
 */

/** GetMetricData takes at most 500 queries per call. */
export const GET_METRIC_DATA_MAX_QUERIES = 500;

export interface MetricStatQuery {
  /** The caller's name for this query's series in the result (any string, unique per call). */
  readonly key: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Average`, `Maximum`, `Sum`, ... */
  readonly stat: string;
  /** A multiple of 60 (basic EC2 monitoring publishes every 300 s). */
  readonly periodSeconds: number;
}

export interface MetricSeries {
  /** Newest first, as GetMetricData returns them by default. */
  readonly timestamps: Date[];
  readonly values: number[];
}

const toQuery = (q: MetricStatQuery, id: string): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: q.namespace,
      MetricName: q.metricName,
      Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
    },
    Period: q.periodSeconds,
    Stat: q.stat,
  },
  ReturnData: true,
});

/**
 * The datapoints of each query between `start` and `end`, keyed by the query's `key`: 500 queries
 * per call (the API's limit; ids are generated), every page of each call. A query with no data has
 * an empty series. A result whose `StatusCode` is `InternalError` or `Forbidden` throws
 * {@link TransientError}: a partial answer must not read as "no activity". Duplicate keys throw
 * before any call.
 */
export const getMetricData = async (
  queries: readonly MetricStatQuery[],
  window: { start: Date; end: Date },
): Promise<Map<string, MetricSeries>> => {
  const keys = new Set(queries.map((q) => q.key));
  if (keys.size !== queries.length) throw new Error('getMetricData: every query needs its own key');
  const series = new Map<string, MetricSeries>(queries.map((q) => [q.key, { timestamps: [], values: [] }]));
  for (const batch of chunk(queries, GET_METRIC_DATA_MAX_QUERIES)) {
    const byId = new Map(batch.map((q, i) => [`m${i}`, q.key]));
    for await (const page of paginateGetMetricData(
      { client: cloudWatch() },
      {
        MetricDataQueries: batch.map((q, i) => toQuery(q, `m${i}`)),
        StartTime: window.start,
        EndTime: window.end,
      },
    )) {
      for (const result of page.MetricDataResults ?? []) {
        const key = result.Id === undefined ? undefined : byId.get(result.Id);
        if (key === undefined) continue;
        if (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden') {
          throw new TransientError(
            `GetMetricData answered ${result.StatusCode} for ${key}: ${(result.Messages ?? []).map((m) => m.Value).join('; ')}`,
          );
        }
        const target = series.get(key)!;
        target.timestamps.push(...(result.Timestamps ?? []));
        target.values.push(...(result.Values ?? []));
      }
    }
  }
  return series;
};
