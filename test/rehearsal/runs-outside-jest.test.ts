import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('npm start', () => {
  // What `npm start` runs, as a child process under plain tsx: no jest globals, no moduleNameMapper
  // for middy, no fake timers of jest's. As a newcomer runs it: no AWS_* or Powertools variable
  // from this shell, an empty HOME (no ~/.aws) and no instance metadata probe.
  it('rehearses the example night outside jest: timeline, summary, report and exit code 0', () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('POWERTOOLS_')),
    );
    const out = mkdtempSync(join(tmpdir(), 'rehearsal-'));
    const report = join(out, 'night.html');

    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'cli/main.ts',
        'rehearse',
        '--night',
        '2026-12-08',
        '--report',
        report,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 110_000,
        env: {
          ...env,
          HOME: mkdtempSync(join(tmpdir(), 'rehearsal-home-')),
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );

    // Progress only on stderr: no function's log line leaks out of the rehearsal.
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /^rehearsing .*config\/example\.yaml from 2026-12-08T18:00:00\.000Z to 2026-12-09T08:00:00\.000Z \(UTC\)\.\.\.$/,
      ),
      ...Array.from({ length: 10 }, (): unknown =>
        expect.stringMatching(/^ +\d+% {2}2026-12-0\dT\d\d:\d\d$/),
      ),
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Timeline \(UTC\):$/m);
    expect(run.stdout).toContain(
      'command-status   advanced jobs-docker canary-testing -> baking: default is now version 2; manager restart requested',
    );
    expect(run.stdout).toMatch(/^jobs-docker +1 +1 +1 +0 +0 +\d+$/m);
    expect(run.stdout).toContain('  jobs killed: 0 (must be 0) ok');
    expect(run.stdout).toContain(`Report (opens offline in any browser): ${report}`);
    expect(readFileSync(report, 'utf8')).toMatch(/^<!doctype html>/i);
  }, 120_000);
});
