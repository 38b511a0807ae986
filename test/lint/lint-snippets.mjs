// Lints snippets as if each were a file at its path, with the repository's ESLint config, in a
// process of its own: jest's VM cannot load the ESM config (eslint.config.mjs) itself. Only the
// rule asked for runs, and without type information (a snippet's file need not exist, and the
// import rules read import paths only).
// argv: the rule id; stdin: [{ filePath, code }]; stdout: per snippet, its messages.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [rule] = process.argv.slice(2);
const snippets = JSON.parse(readFileSync(0, 'utf8'));
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === rule,
});
const found = [];
for (const { filePath, code } of snippets) {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  found.push(result.messages.map(({ ruleId, message }) => ({ ruleId, message })));
}
process.stdout.write(JSON.stringify(found));
