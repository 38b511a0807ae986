import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { main } from '../../cli/main';

export const ROOT = join(__dirname, '..', '..');
export const EXAMPLE = join(ROOT, 'config', 'example.yaml');

/** What the CLI prints for the example config before it acts. */
export const EXAMPLE_TARGET =
  'target: deployment gitlab-runners, account of your credentials (the config names none), region us-east-2, bus gitlab-runners-autopilot';

export const NO_CREDENTIALS = 'no AWS credentials found: set AWS_PROFILE or run `aws sso login`';

/** The CLI in this process, with recorded output and a terminal that answers `answers` in turn. */
export const runCli = async (
  argv: string[],
  { env = {}, interactive = false, answers = [] as string[] } = {},
) => {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const code = await main(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { ...env },
    cwd: ROOT,
    interactive,
    ask: (question) => {
      questions.push(question);
      return Promise.resolve(answers.shift() ?? '');
    },
  });
  return { code, out, err, questions };
};

/**
 * The CLI as a process, as an operator without credentials runs it: no AWS_* variable from this
 * shell, an empty HOME (no ~/.aws), and no instance metadata probe; a region other than the
 * config's, which the CLI must not follow.
 */
export const spawnCli = (args: string[]) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'cli/main.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...env,
      HOME: mkdtempSync(join(tmpdir(), 'cli-home-')),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
    },
  });
  const lines = (text: string) => text.split('\n').filter(Boolean);
  return { code: result.status, out: lines(result.stdout), err: lines(result.stderr) };
};
