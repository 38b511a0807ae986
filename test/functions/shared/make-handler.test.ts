import * as v from '../../../functions/shared/valibot';

import { PermanentError, TransientError } from '../../../functions/shared/errors';
import { makeHandler, makeHttpHandler } from '../../../functions/shared/make-handler';
import { outcomeMetric } from '../../../functions/shared/metric-names';
import { context } from '../../../rehearsal/context';
import { logEntries, metricNames, output } from '../../helpers/output';

const Input = v.object({ id: v.string(), kind: v.picklist(['ok', 'permanent', 'transient']) });

const spec = {
  name: 'probe',
  schema: Input,
  correlationIdPath: 'id',
  run: async ({ kind }: v.InferOutput<typeof Input>) => {
    await Promise.resolve();
    if (kind === 'permanent') throw new PermanentError('never valid', { statusCode: 422 });
    if (kind === 'transient') throw new TransientError('try again', { cause: new Error('throttled') });
    return { outcome: 'done', statusCode: 200, itemCount: 1 };
  },
};

describe('makeHandler', () => {
  const handler = makeHandler(spec);

  it('returns the run outcome and logs one info line with it and the correlation id', async () => {
    const result = await handler({ id: 'evt-1', kind: 'ok' }, context());

    expect(result).toEqual({ outcome: 'done', statusCode: 200, itemCount: 1 });
    const infos = logEntries().filter((l) => l.level === 'INFO');
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({
      message: 'done',
      itemCount: 1,
      correlation_id: 'evt-1',
      service: 'probe',
    });
  });

  it('counts each outcome as a PascalCase metric', async () => {
    await handler({ id: 'evt-9', kind: 'ok' }, context());

    expect(metricNames()).toEqual(['Done']);
    expect(outcomeMetric('image-ready')).toBe('ImageReady');
    expect(outcomeMetric('no-match')).toBe('NoMatch');
  });

  it('resolves a schema failure as rejected, logs it as permanent and counts it', async () => {
    const result = await handler({ id: 'evt-2', kind: 'bogus', secretValue: 'hunter2' }, context());

    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('kind') });
    expect(logEntries()).toContainEqual(expect.objectContaining({ level: 'ERROR', errorKind: 'permanent' }));
    expect(metricNames()).toContain('PermanentFailure');
    expect(output()).not.toContain('hunter2');
  });

  it('resolves a PermanentError from run as rejected without retry', async () => {
    const result = await handler({ id: 'evt-3', kind: 'permanent' }, context());

    expect(result).toEqual({ outcome: 'rejected', reason: 'never valid' });
    expect(metricNames()).toContain('PermanentFailure');
  });

  it('rethrows a transient error so Lambda retries, keeping its cause, and counts it', async () => {
    const result = handler({ id: 'evt-4', kind: 'transient' }, context());

    await expect(result).rejects.toThrow(TransientError);
    await expect(result).rejects.toHaveProperty('cause.message', 'throttled');
    expect(logEntries()).toContainEqual(expect.objectContaining({ level: 'ERROR', errorKind: 'transient' }));
    expect(metricNames()).toContain('TransientFailure');
  });

  it('does not leak per-invocation keys into the next invocation', async () => {
    await handler({ id: 'evt-5', kind: 'ok' }, context());
    await handler({ id: 'evt-6', kind: 'ok' }, context());

    const ids = logEntries()
      .filter((l) => l.level === 'INFO')
      .map((l) => l.correlation_id);
    expect(ids).toEqual(['evt-5', 'evt-6']);
  });
});

describe('sensitive input', () => {
  const previous = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
  beforeEach(() => {
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    else process.env.POWERTOOLS_LOGGER_LOG_EVENT = previous;
  });

  it('never logs the raw event of a sensitive function, even with event logging on', async () => {
    const handler = makeHandler({ ...spec, sensitiveInput: true });

    await handler({ id: 'evt-7', kind: 'ok', token: 'glpat-secret' }, context());

    expect(output()).not.toContain('glpat-secret');
  });

  it('logs the raw event of other functions when event logging is on (the guard above is real)', async () => {
    const handler = makeHandler(spec);

    await handler({ id: 'evt-8', kind: 'ok', token: 'visible-value' }, context());

    expect(output()).toContain('visible-value');
  });
});

describe('makeHttpHandler', () => {
  const handler = makeHttpHandler(spec);

  it('answers the outcome as JSON with its status code', async () => {
    const result = await handler({ id: 'r1', kind: 'ok' }, context());

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ outcome: 'done', itemCount: 1 });
  });

  it('answers a permanent error with its 4xx status', async () => {
    const result = await handler({ id: 'r2', kind: 'permanent' }, context());

    expect(result.statusCode).toBe(422);
    expect(JSON.parse(result.body)).toEqual({ outcome: 'rejected', reason: 'never valid' });
  });

  it("puts an outcome's headers in the response, not in its body", async () => {
    const withHeaders = makeHttpHandler({
      ...spec,
      run: async () => {
        await Promise.resolve();
        return { outcome: 'method-not-allowed', statusCode: 405, headers: { allow: 'POST' } };
      },
    });

    const result = await withHeaders({ id: 'r4', kind: 'ok' }, context());

    expect(result).toEqual({
      statusCode: 405,
      headers: { allow: 'POST', 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'method-not-allowed' }),
    });
  });

  it('logs a quiet outcome at debug only, and still counts it', async () => {
    const quiet = makeHttpHandler({ ...spec, quietOutcomes: ['done'] });

    await quiet({ id: 'r5', kind: 'ok' }, context());

    expect(logEntries().map((l) => [l.level, l.message])).toEqual([['DEBUG', 'done']]);
    expect(metricNames()).toEqual(['Done']);
  });

  it('answers a malformed event with 400', async () => {
    const result = await handler({ nope: true }, context());

    expect(result.statusCode).toBe(400);
  });

  it('answers a transient error with 503 so the caller retries, without throwing', async () => {
    const result = await handler({ id: 'r3', kind: 'transient' }, context());

    expect(result.statusCode).toBe(503);
    expect(metricNames()).toContain('TransientFailure');
  });
});
