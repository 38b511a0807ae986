/**
 * `npm run runner-config:lint -- <template> [--values <file>] [--job-groups a,b]`: renders a
 * manager fleet's config.toml template offline (secrets as `secret:<parameter>` dummies, never
 * read) and lints it. Prints `file:line: severity rule: message`; exits 1 on any error, 2 on bad
 * usage, 0 otherwise (warnings are printed). Values default to `values.json` beside the template.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { formatFinding, lintRunnerConfig, type Finding } from '../functions/shared/runner-config/lint';
import { parseValues, renderTemplate, type Values } from '../functions/shared/runner-config/render';

/** A String parameter holds 4 KB; a larger template needs the Advanced tier. */
export const STANDARD_PARAMETER_BYTES = 4096;

const USAGE = 'usage: lint-runner-config <template> [--values <file>] [--job-groups a,b]';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const main = (argv: readonly string[], io: Io = { out: console.log, err: console.error }): number => {
  let template: string | undefined;
  let valuesFile: string | undefined;
  let jobGroups: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--values' || arg === '--job-groups') {
      const next = argv[++i];
      if (next === undefined) {
        io.err(`${arg} needs a value\n${USAGE}`);
        return 2;
      }
      if (arg === '--values') valuesFile = next;
      else jobGroups = next.split(',').filter(Boolean);
    } else if (!arg.startsWith('--') && template === undefined) template = arg;
    else {
      io.err(`unexpected argument ${arg}\n${USAGE}`);
      return 2;
    }
  }
  if (template === undefined) {
    io.err(USAGE);
    return 2;
  }

  let text: string;
  let values: Values = {};
  try {
    text = readFileSync(template, 'utf8');
    const file = valuesFile ?? join(dirname(template), 'values.json');
    if (valuesFile !== undefined || existsSync(file))
      values = parseValues(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 2;
  }

  const { text: rendered } = renderTemplate(text, values);
  const findings: Finding[] = lintRunnerConfig(rendered, jobGroups ? { jobGroups } : {});
  if (Buffer.byteLength(text) > STANDARD_PARAMETER_BYTES)
    findings.unshift({
      severity: 'warning',
      line: 1,
      rule: 'parameter-size',
      message: `the template is ${Buffer.byteLength(text)} bytes, over a standard parameter's ${STANDARD_PARAMETER_BYTES}: shorten it or publish it as an Advanced parameter`,
    });
  // In line order on stdout, errors and warnings alike; usage and file errors go to stderr.
  for (const f of findings) io.out(formatFinding(template, f));
  const errors = findings.filter((f) => f.severity === 'error').length;
  io.out(`${template}: ${errors} error(s), ${findings.length - errors} warning(s)`);
  return errors > 0 ? 1 : 0;
};

if (require.main === module) process.exitCode = main(process.argv.slice(2));
