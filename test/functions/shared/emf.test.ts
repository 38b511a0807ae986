import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { logMetrics as powertoolsLogMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import fc from 'fast-check';

import { logMetrics, Metrics, MetricUnit } from '../../../functions/shared/observability';
import { context } from '../../../rehearsal/context';
import { clearCapture, jsonLines } from '../../helpers/output';

/**
 * Our EMF writer replaces Powertools Metrics in the bundles (issue 12); Powertools stays the
 * oracle: for the same calls, both print the same EMF documents (timestamps aside) and throw the
 * same errors.
 */

type Step =
  | { kind: 'metric'; name: string; unit: MetricUnit; value: number }
  | { kind: 'repeat'; name: string; times: number }
  | { kind: 'many'; count: number }
  | { kind: 'dimension'; name: string; value: string }
  | { kind: 'wide'; count: number; asDefaults: boolean }
  | { kind: 'defaults'; dimensions: Record<string, string> }
  | { kind: 'single'; dimension?: [string, string]; name: string; unit: MetricUnit; value: number }
  | { kind: 'publish' };

/** What both writers share: the calls our code makes (Powertools' own types are wider). */
interface Writer {
  addMetric(name: string, unit: MetricUnit, value: number): unknown;
  addDimension(name: string, value: string): unknown;
  setDefaultDimensions(dimensions: Record<string, string>): unknown;
  singleMetric(): Writer;
  publishStoredMetrics(): unknown;
}

/** Names that also serve as dimension names, so key collisions come up. */
const metricName = fc.oneof(
  fc.constantFrom('Deferred', 'PermanentFailure', 'fleet', 'channel', '', 'x'.repeat(255), 'x'.repeat(256)),
  fc.integer({ min: 0, max: 140 }).map((n) => `M${n}`),
);
const dimensionName = fc.oneof(
  fc.constantFrom('service', 'fleet', 'channel', '', ' '),
  fc.integer({ min: 0, max: 34 }).map((n) => `d${n}`),
);
const dimensionValue = fc.constantFrom('a', 'jobs-docker', 'ops-chat', '', ' ');
const unit = fc.constantFrom(
  MetricUnit.Count,
  MetricUnit.Milliseconds,
  MetricUnit.CountPerSecond,
  MetricUnit.NoUnit,
);
const value = fc.oneof(fc.integer(), fc.double());

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('metric' as const), name: metricName, unit, value }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('repeat' as const),
      name: metricName,
      times: fc.integer({ min: 2, max: 130 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('many' as const), count: fc.integer({ min: 1, max: 130 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('wide' as const),
      count: fc.integer({ min: 1, max: 32 }),
      asDefaults: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('dimension' as const),
      name: dimensionName,
      value: dimensionValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('defaults' as const),
      dimensions: fc.dictionary(dimensionName, dimensionValue, { maxKeys: 30 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        kind: fc.constant('single' as const),
        dimension: fc.tuple(dimensionName, dimensionValue),
        name: metricName,
        unit,
        value,
      },
      { requiredKeys: ['kind', 'name', 'unit', 'value'] },
    ),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'publish' as const }) },
);

const apply = (writer: Writer, s: Step): void => {
  switch (s.kind) {
    case 'metric':
      writer.addMetric(s.name, s.unit, s.value);
      return;
    case 'repeat':
      for (let i = 0; i < s.times; i += 1) writer.addMetric(s.name, MetricUnit.Count, i);
      return;
    case 'many':
      for (let i = 0; i < s.count; i += 1) writer.addMetric(`Many${i}`, MetricUnit.Count, i);
      return;
    case 'dimension':
      writer.addDimension(s.name, s.value);
      return;
    case 'wide':
      if (s.asDefaults) {
        writer.setDefaultDimensions(
          Object.fromEntries(Array.from({ length: s.count }, (_, i) => [`d${i}`, 'a'])),
        );
      } else {
        for (let i = 0; i < s.count; i += 1) writer.addDimension(`d${i}`, 'a');
      }
      return;
    case 'defaults':
      writer.setDefaultDimensions(s.dimensions);
      return;
    case 'single': {
      const single = writer.singleMetric();
      if (s.dimension) single.addDimension(...s.dimension);
      single.addMetric(s.name, s.unit, s.value);
      return;
    }
    case 'publish':
      writer.publishStoredMetrics();
  }
};

/** The EMF documents printed, each with its timestamp checked and then left out. */
const documents = (): Record<string, unknown>[] =>
  jsonLines().map(({ _aws, ...rest }) => {
    const { Timestamp, ...aws } = _aws as { Timestamp: number };
    expect(Math.abs(Timestamp - Date.now())).toBeLessThan(60_000);
    return { _aws: aws, ...rest };
  });

/** Each step's error message (or null), then every document printed, in order. */
const play = (make: () => Writer, steps: Step[]) => {
  clearCapture();
  let writer: Writer;
  try {
    writer = make();
  } catch (error) {
    return { created: (error as Error).message };
  }
  // The last flush, as the middleware does, is a step too: it can throw.
  const errors = [...steps, { kind: 'publish' } as const].map((s) => {
    try {
      apply(writer, s);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  });
  return { errors, documents: documents() };
};

const ours = (service: string) => () => new Metrics({ namespace: 'RunnerAutopilot', serviceName: service });
const theirs = (service: string) => () =>
  new PowertoolsMetrics({ namespace: 'RunnerAutopilot', serviceName: service }) as unknown as Writer;

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('our EMF writer against Powertools Metrics', () => {
  it('prints the same documents and throws the same errors for any sequence of calls', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('gitlab-webhook', 'alert'),
        fc.array(step, { maxLength: 60 }),
        (service, steps) => {
          expect(play(ours(service), steps)).toEqual(play(theirs(service), steps));
        },
      ),
      { numRuns: 300, verbose: true },
    );
  });

  it.each([
    ['true', 0],
    ['1', 0],
    ['false', 1],
    ['off', 1],
  ])('POWERTOOLS_METRICS_DISABLED=%s prints %i documents, like Powertools', (disabled, count) => {
    process.env.POWERTOOLS_METRICS_DISABLED = disabled;
    const steps: Step[] = [{ kind: 'metric', name: 'Deferred', unit: MetricUnit.Count, value: 1 }];

    const printed = play(ours('gitlab-webhook'), steps);

    expect(printed).toEqual(play(theirs('gitlab-webhook'), steps));
    expect(printed.documents).toHaveLength(count);
  });

  it('refuses a POWERTOOLS_METRICS_DISABLED that is not a boolean, like Powertools', () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'maybe';

    const printed = play(ours('gitlab-webhook'), []);

    expect(printed).toEqual({
      created: 'Environment variable POWERTOOLS_METRICS_DISABLED must be a boolean',
    });
    expect(printed).toEqual(play(theirs('gitlab-webhook'), []));
  });

  it('prints nothing in POWERTOOLS_DEV mode unless metrics are enabled, like Powertools', () => {
    process.env.POWERTOOLS_DEV = 'true';
    const steps: Step[] = [{ kind: 'metric', name: 'Deferred', unit: MetricUnit.Count, value: 1 }];

    const printed = play(ours('gitlab-webhook'), steps);

    expect(printed).toEqual(play(theirs('gitlab-webhook'), steps));
    expect(printed.documents).toEqual([]);
  });
});

describe('logMetrics', () => {
  /** A middy handler that adds a metric, then returns or throws; the documents it printed. */
  const invoke = async (metrics: Writer, middleware: middy.MiddlewareObj, fails: boolean) => {
    clearCapture();
    const handler = middy()
      .use(middleware)
      .handler(() => {
        metrics.addMetric('Deferred', MetricUnit.Count, 1);
        if (fails) throw new Error('boom');
        return Promise.resolve({ outcome: 'deferred' });
      });
    const result = await handler({}, context('gitlab-webhook')).catch((error: Error) => error.message);
    return { result, documents: documents() };
  };

  it.each([
    ['returns', false],
    ['throws', true],
  ])(
    'prints the invocation metrics when the handler %s, as Powertools middleware does',
    async (_how, fails) => {
      const our = ours('gitlab-webhook')();
      const their = theirs('gitlab-webhook')();

      const printed = await invoke(our, logMetrics(our), fails);

      expect(printed).toEqual(
        await invoke(their, powertoolsLogMetrics(their as unknown as PowertoolsMetrics), fails),
      );
      expect(printed.documents).toEqual([
        {
          _aws: {
            CloudWatchMetrics: [
              {
                Namespace: 'RunnerAutopilot',
                Dimensions: [['service']],
                Metrics: [{ Name: 'Deferred', Unit: 'Count' }],
              },
            ],
          },
          service: 'gitlab-webhook',
          Deferred: 1,
        },
      ]);
    },
  );
});
