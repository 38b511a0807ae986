import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { formatFinding, lintRunnerConfig, type Finding } from '../../functions/shared/runner-config/lint';
import { parseValues, renderTemplate, type Values } from '../../functions/shared/runner-config/render';
import { defineCommand, UsageError } from '../command';

/** A String parameter holds 4 KB; a larger template needs the Advanced tier. */
export const STANDARD_PARAMETER_BYTES = 4096;

export const lintRunnerConfigCommand = defineCommand({
  name: 'lint-runner-config',
  summary: "renders a manager fleet's config.toml template offline and lints it",
  args: '<template>',
  options: {
    values: {
      type: 'string',
      value: 'file',
      help: 'the values file (default: values.json beside the template)',
    },
    'job-groups': {
      type: 'string',
      value: 'a,b',
      help: "the fleet's job groups, to check the runners against",
    },
  },
  details: [
    'Secrets stay `secret:<parameter>` dummies and are never read. Prints',
    '`file:line: severity rule: message`; exits 1 on any error, 2 on bad usage or an unreadable',
    'file, 0 otherwise (warnings are printed).',
  ],
  run: ({ values: options, positionals }, io) => {
    const [given, extra] = positionals;
    if (given === undefined) throw new UsageError('name the template to lint');
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const template = resolve(io.cwd, given);
    const jobGroups = options['job-groups']?.split(',').filter(Boolean);

    let text: string;
    let values: Values = {};
    try {
      text = readFileSync(template, 'utf8');
      const file =
        options.values === undefined
          ? join(dirname(template), 'values.json')
          : resolve(io.cwd, options.values);
      if (options.values !== undefined || existsSync(file))
        values = parseValues(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
    } catch (error) {
      io.err(error instanceof Error ? error.message : String(error));
      return Promise.resolve(2);
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
    for (const f of findings) io.out(formatFinding(given, f));
    const errors = findings.filter((f) => f.severity === 'error').length;
    io.out(`${given}: ${errors} error(s), ${findings.length - errors} warning(s)`);
    return Promise.resolve(errors > 0 ? 1 : 0);
  },
});
