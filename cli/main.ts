#!/usr/bin/env node
/**
 * `runner-autopilot <command>`: one entry for the operator's commands (`--help` lists them).
 * Exit codes: 0 done, 1 failed (one line; the stack with --debug), 2 called wrongly (the line and
 * the usage).
 */
import { createInterface } from 'node:readline/promises';
import { inspect } from 'node:util';

import { describeAwsError } from './aws-errors';
import {
  CliError,
  type Command,
  helpText,
  type Io,
  parseCommandArgs,
  PROGRAM,
  UsageError,
  usageLine,
} from './command';
import { COMMANDS } from './commands';

const programHelp = (): string => {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `usage: ${PROGRAM} <command> [options]`,
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `${PROGRAM} <command> --help describes a command and its options.`,
  ].join('\n');
};

/** The error's message alone: an AWS error as its one line with what to do, any other as written. */
const describe = (error: unknown): string =>
  error instanceof CliError
    ? error.message
    : (describeAwsError(error) ?? (error instanceof Error ? error.message : String(error)));

const runCommand = async (command: Command, args: string[], io: Io): Promise<number> => {
  let debug = args.includes('--debug');
  try {
    const parsed = parseCommandArgs(command, args);
    debug = parsed.values.debug === true;
    if (parsed.values.help) {
      io.out(helpText(command));
      return 0;
    }
    return await command.run(parsed, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${PROGRAM} ${command.name}: ${error.message}`);
      io.err(usageLine(command));
      return 2;
    }
    io.err(describe(error));
    // The line above already says what a CliError says: its stack adds only where it came from.
    if (debug) io.err(inspect(error instanceof CliError && error.cause ? error.cause : error, { depth: 5 }));
    return 1;
  }
};

export const main = async (argv: readonly string[], io: Io): Promise<number> => {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(programHelp());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(name === undefined ? 'name a command' : `unknown command '${name}'`);
    io.err(programHelp());
    return 2;
  }
  return runCommand(command, args, io);
};

const processIo = (): Io => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
  interactive: process.stdin.isTTY === true,
  ask: async (question) => {
    const terminal = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await terminal.question(question);
    } finally {
      terminal.close();
    }
  },
});

if (require.main === module)
  void main(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
