// bash -n on every instance script, and shellcheck where it is installed (Debian package).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.sh') ? [join(dir, e.name)] : [],
  );
const scripts = [...walk(join(root, 'image')), join(root, '.ci', 'run')];

let failed = false;
for (const script of scripts) {
  const syntax = spawnSync('bash', ['-n', script], { stdio: 'inherit' });
  if (syntax.status !== 0) failed = true;
}
const shellcheck = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' });
if (shellcheck.error) {
  console.warn('shellcheck is not installed (apt-get install shellcheck): only bash -n was run');
} else {
  const run = spawnSync('shellcheck', ['-x', ...scripts], { stdio: 'inherit', cwd: root });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
