import { EXAMPLE, EXAMPLE_TARGET, NO_CREDENTIALS, spawnCli } from './run-cli';

/** Each case is a real process without credentials: the SDK's own error must come out as one line. */
describe('runner-autopilot without AWS credentials', () => {
  it.each([
    ['bake', ['jobs']],
    ['rollback', ['jobs-docker', '--yes']],
    ['ledger', ['manager']],
    ['freeze', ['manager', '--until', '4h', '--reason', 'INC-42: registry outage']],
    ['unfreeze', ['all']],
  ])(
    '%s prints its target, then one line, and exits 1',
    (name, args) => {
      const result = spawnCli([name, ...args, '--config', EXAMPLE]);

      expect(result.err).toEqual([EXAMPLE_TARGET, NO_CREDENTIALS]);
      expect(result.out).toEqual([]);
      expect(result.code).toBe(1);
    },
    30_000,
  );

  it('invoke prints its target, its progress, then the error once, without the stack', () => {
    const result = spawnCli([
      'invoke',
      'start-bake',
      'events/scheduler/nightly-bake.json',
      '--config',
      EXAMPLE,
    ]);

    expect(result.err).toEqual([
      EXAMPLE_TARGET,
      'synthesizing gitlab-runners-autopilot in memory...',
      'bundling start-bake...',
      NO_CREDENTIALS,
    ]);
    expect(result.out).toEqual([]);
    expect(result.code).toBe(1);
  }, 90_000);
});
