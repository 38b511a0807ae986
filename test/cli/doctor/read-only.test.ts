import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { ROOT } from '../run-cli';

/**
 * `doctor` runs with read-only credentials and must never change anything: every SDK command it
 * imports is a Describe, List, Get or iam:SimulatePrincipalPolicy, and every adapter function it
 * takes from the functions' own adapters is a read.
 */

const DOCTOR = join(ROOT, 'cli', 'doctor');

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/** `import { a, type B, c as d } from 'module'` as [module, names] (types left out). */
const imports = (source: string): [string, string[]][] =>
  [...source.matchAll(/import\s+(?!type\s)\{([^}]*)\}\s+from\s+'([^']+)'/g)].map((m) => [
    m[2] ?? '',
    (m[1] ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n && !n.startsWith('type '))
      .map((n) => n.split(/\s+as\s+/)[0] ?? n),
  ]);

const READ_COMMAND = /^(paginate)?(Describe|List|Get|SimulatePrincipalPolicy)\w*(Command)?$|Client$/;
/** Reads, constants, and the adapters' client plumbing (which sends nothing by itself). */
const READ_ADAPTER = /^(describe|list|get|find|online|paginate)\w*$|^[A-Z_]+$|^(clientConfig|memoClient)$/;
const ADAPTERS = /functions\/shared\/(aws\/|ledger$)/;

describe('doctor is read-only', () => {
  const files = sources(DOCTOR);

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s imports only reads', (_name, file) => {
    const writes = imports(readFileSync(file, 'utf8')).flatMap(([module, names]) =>
      module.startsWith('@aws-sdk/')
        ? names.filter((n) => !READ_COMMAND.test(n)).map((n) => `${n} from ${module}`)
        : ADAPTERS.test(module)
          ? names.filter((n) => !READ_ADAPTER.test(n)).map((n) => `${n} from ${module}`)
          : [],
    );
    expect(writes).toEqual([]);
  });

  it('would catch a write', () => {
    const [[, names] = ['', []]] = imports(
      "import { DescribeAutoScalingGroupsCommand, SuspendProcessesCommand } from '@aws-sdk/client-auto-scaling';",
    );
    expect(names.filter((n) => !READ_COMMAND.test(n))).toEqual(['SuspendProcessesCommand']);
    expect(['suspendProcesses', 'getLease'].filter((n) => !READ_ADAPTER.test(n))).toEqual([
      'suspendProcesses',
    ]);
  });
});
