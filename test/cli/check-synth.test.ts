import { join } from 'node:path';

import { EXAMPLE, ROOT, runCli } from './run-cli';

describe('check', () => {
  it('validates a config given as its argument and lists what each stack makes', async () => {
    const result = await runCli(['check', EXAMPLE]);

    expect(result.code).toBe(0);
    expect(result.out).toEqual([
      `${EXAMPLE}: valid`,
      expect.stringMatching(/^ {2}gitlab-runners-images: \d+ resources$/),
      expect.stringMatching(/^ {2}gitlab-runners-autopilot: \d+ resources$/),
    ]);
  }, 60_000);

  it('asks for a config file rather than checking the example', async () => {
    const result = await runCli(['check']);

    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      'check: no config file given: pass --config <file> or set RUNNER_AUTOPILOT_CONFIG',
    ]);
  });

  it('names a config file that does not exist', async () => {
    const result = await runCli(['check', 'deploy/prod.yaml']);

    expect(result.code).toBe(1);
    expect(result.err).toEqual([`config file not found: ${join(ROOT, 'deploy', 'prod.yaml')}`]);
  });
});

describe('synth', () => {
  it('names a config file that does not exist before bundling anything', async () => {
    const result = await runCli(['synth', '--config', 'deploy/prod.yaml']);

    expect(result.code).toBe(1);
    expect(result.err).toEqual([`config file not found: ${join(ROOT, 'deploy', 'prod.yaml')}`]);
  });
});
