import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// ajv 6 (draft-07) comes with eslint: the schema is written for draft-07 so it can check it here.
import Ajv from 'ajv';
import { parse } from 'yaml';

import { generatedFiles, REFERENCE_FILE, SCHEMA_FILE } from '../../scripts/config-reference';

const ROOT = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/* eslint-disable @typescript-eslint/no-explicit-any -- these tests break the example one field at a time */
const example = (): Record<string, any> => parse(read('config/example.yaml')) as Record<string, any>;
const validate = new Ajv({ allErrors: true }).compile(JSON.parse(read(SCHEMA_FILE)) as object);

describe('config JSON Schema and reference', () => {
  it.each([SCHEMA_FILE, REFERENCE_FILE])('%s is current (npm run schema writes it)', (file) => {
    expect(read(file)).toBe(generatedFiles()[file]);
  });

  it('is what the example points editors at', () => {
    expect(read('config/example.yaml').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../schema/runner-autopilot.schema.json',
    );
  });

  it('validates config/example.yaml', () => {
    expect(validate(example())).toBe(true);
  });

  it.each<[string, (c: Record<string, any>) => void, string]>([
    ['an unknown key', (c) => (c.fleets[1].maxJobMinute = 60), 'should NOT have additional properties'],
    ['a wrong type', (c) => (c.sweepEveryMinutes = 'often'), 'should be integer'],
    [
      'a missing field',
      (c) => delete c.gitlab.runnerVersion,
      "should have required property 'runnerVersion'",
    ],
    [
      'an inline chat URL',
      (c) => (c.alerts = { chat: [{ kind: 'slack', name: 'ops', url: 'https://x' }] }),
      'should be object',
    ],
  ])('rejects %s', (_, breakIt, message) => {
    const config = example();
    breakIt(config);

    expect(validate(config)).toBe(false);
    expect(validate.errors?.map((e) => e.message)).toContain(message);
  });

  it('documents every key with its type, default and description', () => {
    const page = read(REFERENCE_FILE);

    expect(page).toContain(
      '| `amiRetentionDays` | integer 1-3650 | `30` | AMIs baked by this suite that nothing references are deregistered, with their snapshots, after this many days. |',
    );
    expect(page).toContain('**Paths are relative to the config file.**');
    expect(page).toMatch(
      /\| `url` \| \{ parameter \} or \{ secretsManager \} \| \*\*required\*\* \| The incoming webhook URL, a secret/,
    );
    expect(page.match(/^\| `\w+` \| [^|]+ \| [^|]+ \| \|$/gm) ?? []).toEqual([]);
  });
});
