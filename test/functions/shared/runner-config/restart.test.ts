import { changesNeedingRestart, hasDrift } from '../../../../functions/shared/runner-config/restart';

const config = ({
  listen = ':9252',
  id = 1,
  token = 'glrt-a',
  idle = 2,
  max = 4,
  session = '',
  extra = '',
}: {
  listen?: string;
  id?: number;
  token?: string;
  idle?: number;
  max?: number;
  session?: string;
  extra?: string;
} = {}) => `concurrent = 4
listen_address = "${listen}"
${session}
[[runners]]
  name = "a"
  url = "https://gitlab.example.com"
  id = ${id}
  token = "${token}"
  executor = "instance"
  ${extra}
  [runners.autoscaler]
    plugin = "aws:latest"
    max_instances = ${max}
    [[runners.autoscaler.policy]]
      idle_count = ${idle}
`;

describe('changesNeedingRestart', () => {
  it.each([
    ['nothing changes', {}, []],
    ['a policy changes', { idle: 3 }, []],
    ['a runner key outside the autoscaler changes', { extra: 'limit = 2' }, []],
    ['the token changes while id is set', { token: 'glrt-b' }, []],
    ['listen_address changes', { listen: ':9253' }, ['listen_address']],
    [
      'the session server appears',
      { session: '[session_server]\nlisten_address = ":8093"' },
      ['session_server'],
    ],
    ['an autoscaler key changes', { max: 5 }, ['runners[0].autoscaler.max_instances']],
    [
      'the id changes',
      { id: 2 },
      [
        'runners[0] identity removed (url + id, or token when id = 0)',
        'runners[0] identity added or changed (url + id, or token when id = 0)',
      ],
    ],
  ])('%s', (_what, change, reasons) => {
    expect(changesNeedingRestart(config(), config(change))).toEqual(reasons);
  });

  it('needs a restart when the token changes and id is 0', () => {
    expect(changesNeedingRestart(config({ id: 0 }), config({ id: 0, token: 'glrt-b' }))).toHaveLength(2);
  });

  it('needs none when runners are only reordered', () => {
    const two = (first: string, second: string) =>
      `concurrent = 2\n[[runners]]\n  url = "u"\n  id = ${first}\n[[runners]]\n  url = "u"\n  id = ${second}\n`;

    expect(changesNeedingRestart(two('1', '2'), two('2', '1'))).toEqual([]);
  });

  it('throws on text that is not TOML', () => {
    expect(() => changesNeedingRestart(config(), 'a = ')).toThrow();
  });
});

describe('hasDrift', () => {
  it('ignores token fields', () => {
    const rotated = config({ token: 'glrt-rotated' }).replace(
      'executor',
      'token_obtained_at = 2026-01-01T00:00:00Z\n  token_expires_at = 2026-04-01T00:00:00Z\n  executor',
    );

    expect(hasDrift(config(), rotated)).toBe(false);
  });

  it('sees any other change', () => {
    expect(hasDrift(config(), config({ idle: 3 }))).toBe(true);
  });
});
