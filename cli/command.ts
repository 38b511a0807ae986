import { parseArgs, type ParseArgsOptionDescriptor } from 'node:util';

/** Where a command reads and writes: the process's in `main.ts`, recorders in tests. */
export interface Io {
  /** Results: a ledger, an invoke's answer, findings. */
  readonly out: (line: string) => void;
  /** Everything else: the target, progress, errors. */
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Whether a person can answer a question on stdin. */
  readonly interactive: boolean;
  /** Asks on the terminal and returns the answer. */
  readonly ask: (question: string) => Promise<string>;
}

export type Option = ParseArgsOptionDescriptor & {
  readonly help: string;
  /** The value's placeholder in the help, for string options. */
  readonly value?: string;
};
export type Options = Readonly<Record<string, Option>>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h', help: 'print this help and exit' },
  debug: { type: 'boolean', help: 'print the stack of an error' },
} as const satisfies Options;

type ParseConfig<O extends Options> = {
  args: string[];
  options: O & typeof COMMON_OPTIONS;
  allowPositionals: true;
  strict: true;
};
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<ParseConfig<O>>>;

export interface Command<O extends Options = Options> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The positionals, as the usage line shows them (`<fleet>`). */
  readonly args: string;
  readonly options: O;
  /** More lines for `--help`. */
  readonly details?: readonly string[];
  /** Returns the exit code; throws {@link UsageError} or anything else (exit 1). */
  readonly run: (parsed: Parsed<O>, io: Io) => Promise<number>;
}

/** Keeps each command's option types through the command table. */
export const defineCommand = <O extends Options>(command: Command<O>): Command =>
  command as unknown as Command;

/** The command was called wrongly: the message, the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure fully described by its message (no stack worth showing): exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export const PROGRAM = 'runner-autopilot';

export const usageLine = (command: Command): string =>
  `usage: ${PROGRAM} ${command.name}${command.args ? ` ${command.args}` : ''} [options]`;

const optionLabel = (name: string, option: Option): string =>
  `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ` <${option.value ?? 'value'}>` : ''}`;

export const helpText = (command: Command): string => {
  const options = { ...command.options, ...COMMON_OPTIONS } as Options;
  const labels = Object.entries(options).map(([name, o]) => [optionLabel(name, o), o.help] as const);
  const width = Math.max(...labels.map(([label]) => label.length));
  return [
    usageLine(command),
    '',
    command.summary,
    ...(command.details?.length ? ['', ...command.details] : []),
    '',
    'options:',
    ...labels.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`),
  ].join('\n');
};

/** parseArgs's own messages are long and name no command: one short line instead. */
const describeParseError = (error: Error & { code?: string }): string => {
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return error.message.split('\n')[0]!.replace(/^Option /, 'option ');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    default:
      return error.message;
  }
};

export const parseCommandArgs = <O extends Options>(command: Command<O>, args: string[]): Parsed<O> => {
  try {
    return parseArgs<ParseConfig<O>>({
      args,
      options: { ...command.options, ...COMMON_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
      throw new UsageError(describeParseError(error as Error & { code: string }));
    throw error;
  }
};
