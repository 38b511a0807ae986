import { EXAMPLE, runCli } from '../run-cli';

/**
 * `plan --from` parsing (rehearsal/night-window.ts `parseTime`): `Date.parse` rolls an impossible
 * date over (`2026-02-30T10:00` would plan from 2026-03-02 10:00), so a date that does not exist is
 * a usage error (exit 2), like every other malformed --from.
 */

describe('plan --from', () => {
  it.each(['2026-02-30T10:00', '2026-02-31', '2026-04-31T00:00Z'])(
    'refuses %s, a date that does not exist, as a usage error',
    async (from) => {
      const r = await runCli(['plan', EXAMPLE, '--from', from, '--days', '1']);

      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toContain(`--from "${from}"`);
    },
  );

  it('still accepts a real date with an offset', async () => {
    const r = await runCli(['plan', EXAMPLE, '--from', '2026-12-11T18:00+01:00', '--days', '1']);

    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain('from Fri 2026-12-11 17:00 UTC');
  });
});
