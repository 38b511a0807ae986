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

  it('say a key is required or unknown at its path', () => {
    expect(messagesFor({ kind: 'push', source: 'runner-autopilot', count: 1, tags: [], extra: 'x' })).toBe(
      ['  - pipeline: required', '  - extra: unknown key'].join('\n'),
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
