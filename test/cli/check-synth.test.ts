import { join } from 'node:path';

import { EXAMPLE, ROOT, runCli } from './run-cli';

describe('check', () => {
  it('validates a config given as its argument and says what it understood', async () => {
    const result = await runCli(['check', EXAMPLE]);

    expect(result.code).toBe(0);
    const text = result.out.join('\n');
    expect(text).toMatch(new RegExp(`^${EXAMPLE}: deployment gitlab-runners in `));
    expect(text).toContain('pipelines:');
    expect(text).toMatch(/feeds manager/);
    expect(text).toMatch(/maintenance: .*next from/);
  });

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
