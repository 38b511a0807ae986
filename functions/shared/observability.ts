import { Logger } from '@aws-lambda-powertools/logger';
import type middy from '@middy/core';

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

/** CloudWatch's units, by Powertools' names (`MetricUnit.Count` is `'Count'`). */
export const MetricUnit = {
  Seconds: 'Seconds',
  Microseconds: 'Microseconds',
  Milliseconds: 'Milliseconds',
  Bytes: 'Bytes',
  Kilobytes: 'Kilobytes',
  Megabytes: 'Megabytes',
  Gigabytes: 'Gigabytes',
  Terabytes: 'Terabytes',
  Bits: 'Bits',
  Kilobits: 'Kilobits',
  Megabits: 'Megabits',
  Gigabits: 'Gigabits',
  Terabits: 'Terabits',
  Percent: 'Percent',
  Count: 'Count',
  BytesPerSecond: 'Bytes/Second',
  KilobytesPerSecond: 'Kilobytes/Second',
  MegabytesPerSecond: 'Megabytes/Second',
  GigabytesPerSecond: 'Gigabytes/Second',
  TerabytesPerSecond: 'Terabytes/Second',
  BitsPerSecond: 'Bits/Second',
  KilobitsPerSecond: 'Kilobits/Second',
  MegabitsPerSecond: 'Megabits/Second',
  GigabitsPerSecond: 'Gigabits/Second',
  TerabitsPerSecond: 'Terabits/Second',
  CountPerSecond: 'Count/Second',
  NoUnit: 'None',
} as const;
export type MetricUnit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** EMF: at most 100 metric definitions per document and 100 values per metric. */
const MAX_METRICS = 100;
const MAX_VALUES = 100;
/** EMF allows 30 dimensions in a set; Powertools stops at 29, `service` included, and so do we. */
const MAX_DIMENSIONS = 29;
const MAX_NAME_LENGTH = 255;

/** POWERTOOLS_METRICS_DISABLED as Powertools reads it: its booleans, or on in POWERTOOLS_DEV mode. */
const metricsDisabled = (): boolean => {
  const parse = (key: string): boolean => {
    const value = (process.env[key] ?? '').trim().toLowerCase();
    if (['1', 'y', 'yes', 't', 'true', 'on'].includes(value)) return true;
    if (['0', 'n', 'no', 'f', 'false', 'off'].includes(value)) return false;
    throw new Error(`Environment variable ${key} must be a boolean`);
  };
  if (process.env.POWERTOOLS_METRICS_DISABLED !== undefined) return parse('POWERTOOLS_METRICS_DISABLED');
  try {
    return parse('POWERTOOLS_DEV');
  } catch {
    return false;
  }
};

const blank = (value: string): boolean => value.trim().length === 0;

/** CloudWatch refuses an empty dimension value: the dimension is left out, and said so. */
const warnDropped = (name: string): void =>
  console.warn(
    `The dimension ${name} doesn't meet the requirements and won't be added. Ensure the dimension name and value are non empty strings`,
  );

const tooManyDimensions = (): RangeError =>
  new RangeError(`The number of metric dimensions must be lower than ${MAX_DIMENSIONS}`);

/**
 * A CloudWatch Embedded Metric Format writer with the part of Powertools Metrics' API this code
 * uses, printing what Powertools prints (test/functions/shared/emf.test.ts holds it to that):
 * Powertools Metrics costs 2-3 ms of every function's cold import (issue 12). A document per
 * flush on stdout, written straight to the stream: Lambda's patched `console` would prefix it.
 */
export class Metrics {
  readonly #namespace: string;
  readonly #single: boolean;
  readonly #disabled = metricsDisabled();
  #defaultDimensions: Record<string, string> = {};
  #dimensions: Record<string, string> = {};
  #stored = new Map<string, { unit: MetricUnit; values: number[] }>();

  constructor(options: {
    namespace: string;
    serviceName: string;
    defaultDimensions?: Record<string, string>;
    singleMetric?: boolean;
  }) {
    this.#namespace = options.namespace;
    this.#single = options.singleMetric ?? false;
    this.setDefaultDimensions({ service: options.serviceName, ...options.defaultDimensions });
  }

  /** Adds a value; a name added again in the same document gets an array of its values. */
  addMetric(name: string, unit: MetricUnit, value: number): this {
    if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
      throw new RangeError(`The metric name should be between 1 and ${MAX_NAME_LENGTH} characters`);
    }
    if (this.#stored.size >= MAX_METRICS) this.publishStoredMetrics();
    const metric = this.#stored.get(name);
    if (metric && metric.unit !== unit) {
      throw new Error(
        `Metric "${name}" has already been added with unit "${metric.unit}", but we received unit "${unit}". Did you mean to use metric unit "${metric.unit}"?`,
      );
    }
    if (metric) metric.values.push(value);
    else this.#stored.set(name, { unit, values: [value] });
    if ((metric?.values.length ?? 1) === MAX_VALUES || this.#single) this.publishStoredMetrics();
    return this;
  }

  /** A dimension of the next document only, next to the default ones. */
  addDimension(name: string, value: string): this {
    if (blank(name) || blank(value)) {
      warnDropped(name);
      return this;
    }
    const names = new Set([...Object.keys(this.#defaultDimensions), ...Object.keys(this.#dimensions), name]);
    if (names.size > MAX_DIMENSIONS) throw tooManyDimensions();
    this.#dimensions[name] = value;
    return this;
  }

  /** Dimensions of every document from now on (`service` is one from the start). */
  setDefaultDimensions(dimensions: Record<string, string>): this {
    const kept = Object.fromEntries(
      Object.entries(dimensions).filter(([name, value]) => {
        if (!blank(name) && !blank(value)) return true;
        warnDropped(name);
        return false;
      }),
    );
    const names = new Set([
      ...Object.keys(this.#defaultDimensions),
      ...Object.keys(kept),
      ...Object.keys(this.#dimensions),
    ]);
    if (names.size > MAX_DIMENSIONS) throw tooManyDimensions();
    this.#defaultDimensions = { ...this.#defaultDimensions, ...kept };
    return this;
  }

  /** A writer that prints each metric as its own document, with this one's default dimensions. */
  singleMetric(): Metrics {
    return new Metrics({
      namespace: this.#namespace,
      serviceName: this.#defaultDimensions.service ?? '',
      defaultDimensions: this.#defaultDimensions,
      singleMetric: true,
    });
  }

  /** Prints the stored metrics as one document, if any, and forgets them and the added dimensions. */
  publishStoredMetrics(): this {
    try {
      if (!this.#disabled && this.#stored.size > 0)
        process.stdout.write(`${JSON.stringify(this.#document())}\n`);
    } finally {
      this.#stored = new Map();
      this.#dimensions = {};
    }
    return this;
  }

  #document(): Record<string, unknown> {
    const dimensions = { ...this.#defaultDimensions, ...this.#dimensions };
    // Metric values and dimension values are both members of the document's root.
    for (const name of this.#stored.keys()) {
      if (Object.hasOwn(dimensions, name)) {
        const source = Object.hasOwn(this.#dimensions, name) ? 'dimension' : 'default dimension';
        throw new Error(
          `EMF key collision on "${name}": registered as both a metric (number) and a ${source} (string)`,
        );
      }
    }
    const metrics = [...this.#stored].map(([Name, { unit }]) => ({ Name, Unit: unit }));
    const values = Object.fromEntries(
      [...this.#stored].map(([name, { values: all }]) => [name, all.length === 1 ? all[0] : all]),
    );
    return {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: this.#namespace,
            Dimensions: Object.keys(dimensions).length ? [Object.keys(dimensions)] : [],
            Metrics: metrics,
          },
        ],
      },
      ...dimensions,
      ...values,
    };
  }
}

/**
 * The middy middleware that prints the invocation's metrics when it ends, whether the handler
 * returned or threw. It returns nothing: middy takes a value returned by a middleware as the response.
 */
export const logMetrics = (metrics: Metrics): middy.MiddlewareObj => {
  const flush = (): void => {
    metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
};

export const makeMetrics = (service: string): Metrics =>
  new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
