import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { search } from '@aws-lambda-powertools/logger/correlationId';
import fc from 'fast-check';

import { correlationIdAt } from '../../../functions/shared/observability';

const FUNCTIONS = join(__dirname, '../../../functions');

/** The correlation id path of every handler that names one. */
const handlerPaths = readdirSync(FUNCTIONS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'shared')
  .flatMap((d) => {
    const source = readFileSync(join(FUNCTIONS, d.name, 'handler.ts'), 'utf8');
    const path = /correlationIdPath: '([^']*)'/.exec(source)?.[1];
    return path === undefined ? [] : [[d.name, path] as const];
  });

/** The grammar correlationIdAt reads: dotted names, alternatives joined by `||`. */
const GRAMMAR = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*( \|\| [A-Za-z_]\w*(\.[A-Za-z_]\w*)*)*$/;

describe('correlationIdAt', () => {
  it('finds the handlers that name a path', () => {
    expect(handlerPaths.map(([name]) => name)).toEqual(
      expect.arrayContaining(['gitlab-webhook', 'rollout-step', 'apply-config', 'fleet-sweeper']),
    );
  });

  it.each(handlerPaths)('%s names a path it reads (%s)', (_name, path) => {
    expect(path).toMatch(GRAMMAR);
  });

  it.each([
    ['id', { id: 'e-1' }, 'e-1'],
    ['requestContext.requestId', { requestContext: { requestId: 'r-1' } }, 'r-1'],
    ['id || scheduledTime', { scheduledTime: '2026-12-04T03:00:00Z' }, '2026-12-04T03:00:00Z'],
    ['id || scheduledTime', { id: 'e-2', scheduledTime: 'later' }, 'e-2'],
    ['requestContext.requestId', { requestContext: 'flat' }, undefined],
    ['id', null, undefined],
  ])('%s of %j is %j', (path, event, expected) => {
    expect(correlationIdAt(path, event)).toEqual(expected);
  });

  it("agrees with Powertools' JMESPath search on every handler's path, whatever the event", () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant({}),
      fc.constant([]),
    );
    const event = fc.record(
      {
        id: leaf,
        scheduledTime: leaf,
        candidateId: leaf,
        requestContext: fc.oneof(fc.record({ requestId: leaf }, { requiredKeys: [] }), leaf),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(event, fc.constantFrom(...handlerPaths.map(([, path]) => path)), (data, path) => {
        expect(correlationIdAt(path, data) ?? null).toEqual(search(path, data) ?? null);
      }),
    );
  });
});
