import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { shellExports } from '../image-builder/shell';

/**
 * SSM Command documents in general: the shapes a parameter may take, and one builder of a one-step
 * bash document from the scripts in `image/ssm/`. The rollout's documents (infra/rollout/documents.ts)
 * and the fleet sweeper's (infra/health/sweeper.ts) are built with it.
 */

/** Where the scripts that SSM Run Command runs live; read at synth time. */
export const SSM_SCRIPT_DIR = join(__dirname, '..', '..', 'image', 'ssm');

/** SSM's longest execution timeout for a command (48 h); its default is 3600 s. */
export const MAX_EXECUTION_TIMEOUT_SECONDS = 172800;
/** SSM's size limit for a document's content. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

/**
 * Alternatives of a regex matching exactly the decimal integers from `low` to `high` (digit strings
 * of equal length, leading zeros included), using only syntax every regex flavour shares.
 */
const sameLengthRange = (low: string, high: string): string[] => {
  if (low === high) return [low];
  const digits = (a: number, b: number) => (a === b ? `${a}` : `[${a}-${b}]`);
  if (low.length === 1) return [digits(Number(low), Number(high))];
  const [lowHead, lowTail, highHead, highTail] = [low[0]!, low.slice(1), high[0]!, high.slice(1)];
  if (lowHead === highHead) return sameLengthRange(lowTail, highTail).map((p) => lowHead + p);
  const rest = low.length - 1;
  const parts: string[] = [];
  let from = Number(lowHead);
  let to = Number(highHead);
  if (!/^0*$/.test(lowTail)) {
    parts.push(...sameLengthRange(lowTail, '9'.repeat(rest)).map((p) => lowHead + p));
    from += 1;
  }
  const upper: string[] = [];
  if (!/^9*$/.test(highTail)) {
    upper.push(...sameLengthRange('0'.repeat(rest), highTail).map((p) => highHead + p));
    to -= 1;
  }
  if (from <= to) parts.push(`${digits(from, to)}[0-9]${rest === 1 ? '' : `{${rest}}`}`);
  return [...parts, ...upper];
};

/** An anchored regex matching exactly the integers `min`..`max` written without leading zeros. */
export const integerRangePattern = (min: number, max: number): string => {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || min > max)
    throw new Error(`invalid integer range ${min}..${max}: use whole numbers with 0 <= min <= max`);
  const parts: string[] = [];
  for (let start = min; start <= max;) {
    const end = Math.min(max, 10 ** String(start).length - 1);
    parts.push(...sameLengthRange(String(start), String(end)));
    start = end + 1;
  }
  return `^(${parts.join('|')})$`;
};

/**
 * Parameter values are pasted into the script inside single quotes (`export X='{{ P }}'`), so every
 * pattern is anchored and admits no quote, backslash, newline or `{`. These are the shapes allowed.
 */
export const PARAMETER_PATTERNS = {
  version: '^[0-9]{1,4}\\.[0-9]{1,4}\\.[0-9]{1,4}$',
  optionalVersion: '^([0-9]{1,4}\\.[0-9]{1,4}\\.[0-9]{1,4})?$',
  unixUser: '^[a-z_][a-z0-9_-]{0,31}$',
  /** Scheme, host, optional port and path: no user info, query or fragment (no token can hide in it). */
  httpsUrl: '^https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]{0,1024})?$',
  instanceId: '^i-([0-9a-f]{8}|[0-9a-f]{17})$',
  ipv4: '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$',
  /** Comma-separated Auto Scaling group names, at most 50. */
  groupNames: '^[A-Za-z0-9._-]{1,255}(,[A-Za-z0-9._-]{1,255}){0,49}$',
  /** A rollout candidate id: hex digits (`candidateIdFor`), or empty. */
  optionalCandidateId: '^([0-9a-f]{1,64})?$',
  /** A config name (fleet) as `functions/shared/schema-primitives.ts` `name`, or empty. */
  optionalName: '^([a-z][a-z0-9-]{0,30}[a-z0-9])?$',
  optionalRegion: '^([a-z]{2}(-[a-z]{1,16}){1,3}-[0-9]{1,2})?$',
  optionalImageRef: '^([A-Za-z0-9][A-Za-z0-9._/:@-]{0,254})?$',
  /** The runner's own metrics endpoint (`listen_address`) on this host only. */
  metricsUrl: '^http://(127\\.0\\.0\\.1|localhost|\\[::1\\]):[0-9]{1,5}/[A-Za-z0-9._/-]{0,256}$',
} as const;

/**
 * An anchored regex matching `names` joined by commas, each from `names`, at most as many as there
 * are (a repeat is harmless: the script runs a check once). Names are lowercase letters and dashes.
 */
export const nameListPattern = (names: readonly string[]): string => {
  if (names.length === 0 || names.some((n) => !/^[a-z]+(-[a-z]+)*$/.test(n)))
    throw new Error(`invalid names ${JSON.stringify(names)}: use lowercase words joined by dashes`);
  const one = `(${names.join('|')})`;
  return names.length === 1 ? `^${one}$` : `^${one}(,${one}){0,${names.length - 1}}$`;
};

/** One `String` parameter of a Command document, exported to the script as `env` (all of them). */
export interface ParameterSpec {
  readonly description: string;
  readonly allowedPattern: string;
  readonly default?: string;
  readonly env: readonly string[];
}

export interface DocumentSpec {
  /** Name suffix: `<deployment>-autopilot-<key>`. */
  readonly key: string;
  /** The step's name (letters only). */
  readonly stepName: string;
  readonly description: string;
  readonly scripts: readonly string[];
  readonly parameters: Readonly<Record<string, ParameterSpec>>;
  /**
   * The shortest execution timeout a caller may choose: what the script needs for the least it may
   * be asked (the shortest drain bound). Each caller sends what its own values need on top.
   */
  readonly minTimeoutSeconds: number;
  readonly defaultTimeoutSeconds: number;
  /**
   * Non-shell files the scripts need (`runner_config.py`), by the variable that receives each text:
   * `NAME=$(cat <<'…'` … `)` before the scripts, since an instance has no copy of this repository.
   */
  readonly embedded?: Readonly<Record<string, string>>;
}

/** The here-document delimiter of an embedded file; a file may not contain it on a line. */
export const EMBED_DELIMITER = 'RUNNER_AUTOPILOT_EMBEDDED_FILE';

/** The parameter of the step's timeout, as in AWS-RunShellScript. */
export const TIMEOUT_PARAMETER = 'executionTimeout';

export interface CommandParameter {
  readonly type: 'String';
  readonly description: string;
  readonly allowedPattern: string;
  readonly default?: string;
}

/** The subset of the SSM Command document schema 2.2 that we use: one `aws:runShellScript` step. */
export interface CommandDocumentContent {
  readonly schemaVersion: '2.2';
  readonly description: string;
  readonly parameters: Readonly<Record<string, CommandParameter>>;
  readonly mainSteps: readonly [
    {
      readonly action: 'aws:runShellScript';
      readonly name: string;
      readonly precondition: { readonly StringEquals: readonly ['platformType', 'Linux'] };
      readonly inputs: { readonly timeoutSeconds: string; readonly runCommand: readonly string[] };
    },
  ];
}

const readScript = (file: string): string => readFileSync(join(SSM_SCRIPT_DIR, file), 'utf8');

const parameterName = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/**
 * The document of `spec`: `#!/bin/bash` (SSM's runShellScript writes the lines to a file and runs
 * it, so the shebang picks bash), then `set -euo pipefail`, one `export NAME='{{ Parameter }}'` line
 * per parameter, and the scripts (helpers first) inline: an instance has no copy of this repository.
 */
export const commandDocument = (spec: DocumentSpec): CommandDocumentContent => {
  // Not `exports`: compiled to CommonJS for the package, that name would shadow the module's own.
  const exported: Record<string, string> = {};
  const parameters: Record<string, CommandParameter> = {};
  for (const [name, p] of Object.entries(spec.parameters)) {
    if (!parameterName.test(name) || name === TIMEOUT_PARAMETER)
      throw new Error(`invalid parameter name "${name}" in document ${spec.key}: use letters and digits`);
    // Anchored, and blind to the quote that would end `export X='…'` (the tests probe every pattern).
    if (
      !p.allowedPattern.startsWith('^') ||
      !p.allowedPattern.endsWith('$') ||
      new RegExp(p.allowedPattern).test("'")
    )
      throw new Error(
        `parameter ${name} of document ${spec.key} needs an anchored allowedPattern (^…$) that admits no quote`,
      );
    if (p.default !== undefined && !new RegExp(p.allowedPattern).test(p.default))
      throw new Error(`default "${p.default}" of parameter ${name} does not match its own allowedPattern`);
    parameters[name] = {
      type: 'String',
      description: p.description,
      allowedPattern: p.allowedPattern,
      ...(p.default === undefined ? {} : { default: p.default }),
    };
    for (const env of p.env) exported[env] = `{{ ${name} }}`;
  }
  if (
    spec.minTimeoutSeconds > spec.defaultTimeoutSeconds ||
    spec.defaultTimeoutSeconds > MAX_EXECUTION_TIMEOUT_SECONDS
  )
    throw new Error(
      `document ${spec.key}: execution timeout ${spec.minTimeoutSeconds}..${spec.defaultTimeoutSeconds} s must end by ${MAX_EXECUTION_TIMEOUT_SECONDS} s`,
    );
  parameters[TIMEOUT_PARAMETER] = {
    type: 'String',
    description: `(Optional) Seconds the command may run before SSM fails it: ${spec.minTimeoutSeconds} to ${MAX_EXECUTION_TIMEOUT_SECONDS}.`,
    allowedPattern: integerRangePattern(spec.minTimeoutSeconds, MAX_EXECUTION_TIMEOUT_SECONDS),
    default: String(spec.defaultTimeoutSeconds),
  };
  const embedded = Object.entries(spec.embedded ?? {}).map(([variable, file]) => {
    const text = readScript(file);
    if (!/^[A-Z][A-Z0-9_]*$/.test(variable) || text.split('\n').includes(EMBED_DELIMITER))
      throw new Error(`cannot embed ${file} as ${variable} in document ${spec.key}`);
    return `${variable}=$(cat <<'${EMBED_DELIMITER}'\n${text.replace(/\n$/, '')}\n${EMBED_DELIMITER}\n)`;
  });
  const body = [...embedded, ...spec.scripts.map(readScript)];
  const files = [...Object.values(spec.embedded ?? {}), ...spec.scripts];
  // SSM expands {{ … }} everywhere in the step: a literal one in a script would be mangled.
  body.forEach((text, i) => {
    if (text.includes('{{'))
      throw new Error(`${files[i]} contains "{{", which SSM would expand: rewrite it without`);
  });
  const script = ['#!/bin/bash', 'set -euo pipefail', shellExports(exported), ...body].join('\n');
  return {
    schemaVersion: '2.2',
    description: spec.description,
    parameters,
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: spec.stepName,
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: {
          timeoutSeconds: `{{ ${TIMEOUT_PARAMETER} }}`,
          runCommand: script.replace(/\n$/, '').split('\n'),
        },
      },
    ],
  };
};

/** `<deployment>-autopilot-<key>`, the name of one of our Command documents. */
export const commandDocumentName = (deployment: string, key: string): string =>
  `${deployment}-autopilot-${key}`;
