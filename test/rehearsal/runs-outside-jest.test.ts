import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('the rehearsal engine', () => {
  // A child process under plain tsx: no jest globals, no moduleNameMapper for middy, no fake timers
  // of jest's. As a newcomer runs it: no AWS_* or Powertools variable from this shell, an empty
  // HOME (no ~/.aws) and no instance metadata probe.
  it('plays the example night outside jest and promotes the new images', () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('POWERTOOLS_')),
    );

    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'rehearsal/smoke.ts'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 90_000,
        env: {
          ...env,
          HOME: mkdtempSync(join(tmpdir(), 'rehearsal-home-')),
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^events handled: [1-9]\d*$/m);
    expect(run.stdout).toMatch(/^promotions: 2$/m);
    expect(run.stdout).toContain('promoted manager to launch template version 2');
    expect(run.stdout).toContain('promoted jobs-docker to launch template version 2');
  }, 100_000);
});
