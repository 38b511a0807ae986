/**
 * `npm run schema`: writes the config's JSON Schema and its reference page, both generated from
 * the valibot schema (a test fails while either is stale).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { generatedFiles } from './config-reference';

for (const [file, text] of Object.entries(generatedFiles())) {
  const path = join(__dirname, '..', file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${file}`);
}
