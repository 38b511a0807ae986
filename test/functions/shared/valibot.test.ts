import fc from 'fast-check';

import { formatIssues } from '../../../functions/shared/issues';
import { SecretRef } from '../../../functions/shared/schema-primitives';
import * as v from '../../../functions/shared/valibot';

/**
 * The messages every schema speaks with (`functions/shared/valibot.ts`): what was expected and the
 * type received, never the value, which can be a secret pasted into the wrong field.
 */

const Probe = v.strictObject({
  pipeline: v.pipe(v.string(), v.regex(/^[a-z]{2,8}$/)),
  kind: v.picklist(['push', 'tag_push']),
  source: v.literal('runner-autopilot'),
  count: v.pipe(v.number(), v.integer(), v.minValue(0)),
  tags: v.pipe(v.array(v.string()), v.maxLength(2)),
  note: v.optional(v.pipe(v.string(), v.maxLength(4))),
});

const messagesFor = (value: unknown): string => {
  const result = v.safeParse(Probe, value);
  return result.success ? '' : formatIssues(result.issues);
};

describe('schema messages', () => {
  it('never quote a refused value, whichever field it lands in', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/);
    fc.assert(
      fc.property(
        secret,
        fc.constantFrom('pipeline', 'kind', 'source', 'note', 'tags', 'count'),
        (token, field) => {
          const value = {
            pipeline: 'ok',
            kind: 'push',
            source: 'runner-autopilot',
            count: 1,
            tags: [],
            [field]: field === 'tags' ? [token, token, token] : token,
          };
          const messages = messagesFor(value);

          expect(messages).not.toBe('');
          expect(messages).not.toContain(token);
        },
      ),
    );
  });

  it('name what was expected and the type received', () => {
    expect(
      messagesFor({ pipeline: 'ok', kind: 'push', source: 'runner-autopilot', count: '1', tags: [] }),
    ).toBe('  - count: Invalid type: expected number, received string');
    expect(
      messagesFor({ pipeline: 'ok', kind: 'pull', source: 'runner-autopilot', count: 1, tags: [] }),
    ).toBe('  - kind: Invalid type: expected ("push" | "tag_push"), received string');
    expect(
      messagesFor({ pipeline: 'OK', kind: 'push', source: 'runner-autopilot', count: 1.5, tags: null }),
    ).toBe(
      [
        '  - pipeline: Invalid regex: expected /^[a-z]{2,8}$/',
        '  - count: Invalid integer',
        '  - tags: Invalid type: expected Array, received null',
      ].join('\n'),
    );
  });

  it('say a key is required or unknown at its path, naming the key meant', () => {
    expect(
      messagesFor({ pipelne: 'ok', kind: 'push', source: 'runner-autopilot', count: 1, tags: [], nte: 'x' }),
    ).toBe(
      [
        '  - pipeline: required',
        '  - pipelne: unknown key "pipelne": did you mean "pipeline"?; unknown key "nte": did you mean "note"?',
      ].join('\n'),
    );
    expect(messagesFor({ kind: 'push', source: 'runner-autopilot', count: 1, tags: [], extra: 'x' })).toBe(
      [
        '  - pipeline: required',
        '  - extra: unknown key "extra"; the keys here are pipeline, kind, source, count, tags, note',
      ].join('\n'),
    );
  });

  it("leave a schema's own message as written", () => {
    const result = v.safeParse(SecretRef, 'glpat-0123456789abcdef');

    expect(result.success).toBe(false);
    expect(formatIssues(result.issues ?? [])).toMatch(
      /^ {2}- \(root\): is a secret, so it is never written in the config/,
    );
    expect(formatIssues(result.issues ?? [])).not.toContain('glpat-0123456789abcdef');
  });
});

describe('objects and records', () => {
  it.each([
    ['an object', v.object({ a: v.optional(v.string(), 'x') })],
    ['a strict object', v.strictObject({ a: v.optional(v.string(), 'x') })],
    ['a loose object', v.looseObject({ a: v.optional(v.string(), 'x') })],
    ['a record', v.record(v.string(), v.string())],
  ])('%s refuses an array, as a type issue', (_what, schema) => {
    const result = v.safeParse(schema, []);

    expect(formatIssues(result.issues ?? [])).toBe(
      '  - (root): Invalid type: expected Object, received array',
    );
    expect(v.safeParse(schema, {}).success).toBe(true);
  });
});

describe('dateTime', () => {
  it.each(['2026-01-31T02:00:00Z', '2026-01-31T02:00Z', '2024-02-29T23:59:59.123Z'])('takes %s', (text) => {
    expect(v.is(v.dateTime(), text)).toBe(true);
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2026-01-31 02:00:00Z',
    '2026-01-31T02:00:00',
    '2026-01-31T03:00:00+01:00',
    '2026-13-01T00:00:00Z',
  ])('refuses %s without an offset allowed', (text) => {
    expect(v.is(v.dateTime(), text)).toBe(false);
  });

  it('takes an offset of hours and minutes only when allowed', () => {
    expect(v.is(v.dateTime({ offset: true }), '2026-01-31T03:00:00+01:00')).toBe(true);
    expect(v.is(v.dateTime({ offset: true }), '2026-01-31T03:00:00+01')).toBe(false);
  });
});
