import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const RULE = '@typescript-eslint/no-restricted-imports';

type Case = readonly [what: string, filePath: string, code: string];
type Refused = readonly [what: string, filePath: string, code: string, message: RegExp];

const REFUSED: readonly Refused[] = [
  [
    'shared imports a function',
    'functions/shared/boundary-probe.ts',
    "export { handler } from '../alert/handler';",
    /functions\/shared is bundled into every function/,
  ],
  [
    'a shared subfolder imports a function',
    'functions/shared/rollout/boundary-probe.ts',
    "import { WebhookSettings } from '../../gitlab-webhook/settings';\nexport const s = WebhookSettings;",
    /functions\/shared is bundled into every function/,
  ],
  [
    'a function imports another function',
    'functions/alert/boundary-probe.ts',
    "export { handler } from '../redrive/handler';",
    /imports only functions\/shared and its own folder/,
  ],
  [
    'a function imports infra',
    'functions/alert/boundary-probe.ts',
    "export { LAMBDA_RUNTIME } from '../../infra/autopilot-function';",
    /may not import infra\/, scripts\/, cli\/ or rehearsal\//,
  ],
  [
    'shared imports scripts',
    'functions/shared/boundary-probe.ts',
    "export * from '../../scripts/rollout-table';",
    /may not import infra\/, scripts\/, cli\/ or rehearsal\//,
  ],
  [
    'a function imports the CLI',
    'functions/alert/boundary-probe.ts',
    "export { main } from '../../cli/main';",
    /may not import infra\/, scripts\/, cli\/ or rehearsal\//,
  ],
  [
    'a function imports the rehearsal engine',
    'functions/alert/boundary-probe.ts',
    "export { Scenario } from '../../rehearsal/driver';",
    /may not import infra\/, scripts\/, cli\/ or rehearsal\//,
  ],
  [
    "infra imports a function's runtime code",
    'infra/boundary-probe.ts',
    "export { postJson } from '../functions/alert/deliver';",
    /infra imports only contract modules/,
  ],
  [
    'infra imports shared runtime code',
    'infra/health/boundary-probe.ts',
    "export { getRollout } from '../../functions/shared/ledger';",
    /infra imports only contract modules/,
  ],
  [
    "infra imports a function's settings schema as a value",
    'infra/boundary-probe.ts',
    "import { AlertSettings } from '../functions/alert/settings';\nexport const s = AlertSettings;",
    /only as a type/,
  ],
  [
    'a function imports valibot around the shared messages',
    'functions/alert/boundary-probe.ts',
    "import * as v from 'valibot';\nexport const s = v.string();",
    /Import the schema library as `import \* as v from/,
  ],
  [
    'shared imports zod',
    'functions/shared/boundary-probe.ts',
    "import * as z from 'zod/mini';\nexport const s = z.string();",
    /Import the schema library as `import \* as v from/,
  ],
  [
    'infra imports valibot',
    'infra/boundary-probe.ts',
    "import * as v from 'valibot';\nexport const s = v.string();",
    /Import the schema library as `import \* as v from/,
  ],
  [
    'the rehearsal imports a test helper',
    'rehearsal/boundary-probe.ts',
    "export { fakeLedger } from '../test/functions/shared/rollout/fake-ledger';",
    /rehearsal\/ runs outside jest \(npm start, the installed package\): it may not import test\//,
  ],
  [
    'the rehearsal imports aws-sdk-client-mock',
    'rehearsal/boundary-probe.ts',
    "import { mockClient } from 'aws-sdk-client-mock';\nexport const m = mockClient;",
    /rehearsal\/ runs outside jest with the runtime dependencies only: no test library/,
  ],
  [
    "the rehearsal imports CDK's assertions",
    'rehearsal/boundary-probe.ts',
    "import { Template } from 'aws-cdk-lib/assertions';\nexport const t = Template;",
    /no test library/,
  ],
  [
    'a test imports valibot',
    'test/boundary-probe.test.ts',
    "import * as v from 'valibot';\nexport const s = v.string();",
    /Import the schema library as `import \* as v from/,
  ],
];

const ALLOWED: readonly Case[] = [
  [
    'shared imports shared',
    'functions/shared/rollout/boundary-probe.ts',
    "export { chunk } from '../chunk';",
  ],
  [
    'a function imports shared and its own folder',
    'functions/alert/boundary-probe.ts',
    "export { chunk } from '../shared/chunk';\nexport { AlertSettings } from './settings';",
  ],
  [
    'infra imports contracts',
    'infra/health/boundary-probe.ts',
    "export { CANARY_TAG } from '../../functions/shared/names';\nexport { LEDGER_SCHEMA } from '../../functions/shared/ledger-schema';\nexport { API_OPERATIONS } from '../../functions/alert/api-operations';",
  ],
  [
    "infra imports a function's settings as a type",
    'infra/boundary-probe.ts',
    "import type { AlertSettings } from '../functions/alert/settings';\nexport type S = AlertSettings;",
  ],
  [
    "a function imports valibot through shared/valibot, and valibot's types",
    'functions/alert/boundary-probe.ts',
    "import type { GenericSchema } from 'valibot';\nimport * as v from '../shared/valibot';\nexport const s: GenericSchema = v.string();",
  ],
  [
    'the rehearsal imports functions, infra and its own folder',
    'rehearsal/boundary-probe.ts',
    "export { buildApp } from '../infra/app';\nexport { handler } from '../functions/alert/handler';\nexport { FastStub } from './fast-stub';",
  ],
  [
    'a test imports the rehearsal',
    'test/boundary-probe.test.ts',
    "export { Scenario } from '../rehearsal/driver';",
  ],
];

/**
 * Every snippet linted by ESLint's own API with the repository's config (eslint.config.mjs), as if
 * it were a file at its path (the file need not exist): a violation here is one `npm run lint`
 * fails on. One child process for all: the type-aware setup is loaded once.
 */
const lint = (cases: readonly (Case | Refused)[], rule = RULE): string[][] => {
  const run = spawnSync(process.execPath, [join(__dirname, 'lint-snippets.mjs'), rule], {
    input: JSON.stringify(cases.map(([, filePath, code]) => ({ filePath, code: `${code}\n` }))),
    encoding: 'utf8',
    timeout: 50_000,
  });
  if (run.status !== 0) throw new Error(`lint-snippets failed: ${run.stderr}`);
  const found = JSON.parse(run.stdout) as { ruleId: string | null; message: string }[][];
  return found.map((messages) => messages.map((m) => `${m.ruleId}: ${m.message}`));
};

describe('import boundaries', () => {
  let refused: string[][];
  let allowed: string[][];

  beforeAll(() => {
    const found = lint([...REFUSED, ...ALLOWED]);
    refused = found.slice(0, REFUSED.length);
    allowed = found.slice(REFUSED.length);
  }, 60_000);

  it.each(REFUSED.map((c, i) => [...c, i] as const))('refuses: %s', (_what, _path, _code, message, i) => {
    expect(refused[i]).not.toHaveLength(0);
    expect(refused[i]!.join('\n')).toMatch(message);
  });

  it.each(ALLOWED.map((c, i) => [...c, i] as const))('allows: %s', (_what, _path, _code, i) => {
    expect(allowed[i]).toEqual([]);
  });
});

describe('jest globals in the rehearsal', () => {
  const FAKE_TIMERS = 'jest.useFakeTimers({ now: 0 });\nexport const now = Date.now();';

  it('refuses jest.useFakeTimers in rehearsal/ (it runs outside jest) and allows it in test/', () => {
    const [inRehearsal, inTest] = lint(
      [
        ['rehearsal', 'rehearsal/boundary-probe.ts', FAKE_TIMERS],
        ['test', 'test/boundary-probe.test.ts', FAKE_TIMERS],
      ],
      'no-restricted-globals',
    );

    expect(inRehearsal).toEqual([
      "no-restricted-globals: Unexpected use of 'jest'. rehearsal/ runs outside jest: jest globals do not exist there.",
    ]);
    expect(inTest).toEqual([]);
  }, 60_000);
});

describe('schema errors in functions', () => {
  const PARSE = "import * as v from '../shared/valibot';\nexport const n = v.parse(v.number(), 1);";
  const SAFE_PARSE = "import * as v from '../shared/valibot';\nexport const n = v.safeParse(v.number(), 1);";

  it('refuses v.parse in functions/ (its error holds the refused value) and allows v.safeParse', () => {
    const [parse, safeParse, inTest] = lint(
      [
        ['parse', 'functions/alert/boundary-probe.ts', PARSE],
        ['safeParse', 'functions/alert/boundary-probe.ts', SAFE_PARSE],
        [
          'a test',
          'test/boundary-probe.test.ts',
          PARSE.replace('../shared/valibot', '../functions/shared/valibot'),
        ],
      ],
      'no-restricted-syntax',
    );

    expect(parse).toEqual([
      expect.stringMatching(/^no-restricted-syntax: Use v\.safeParse and throw the formatted issues/),
    ]);
    expect(safeParse).toEqual([]);
    expect(inTest).toEqual([]);
  }, 60_000);

  it('refuses v.integer in functions/ (past 2^53 it accepts a number not the one written) and allows v.safeInteger', () => {
    const schema = (check: string) =>
      `import * as v from '../shared/valibot';\nexport const n = v.pipe(v.number(), v.${check}());`;
    const [integer, safeInteger] = lint(
      [
        ['integer', 'functions/alert/boundary-probe.ts', schema('integer')],
        ['safeInteger', 'functions/alert/boundary-probe.ts', schema('safeInteger')],
      ],
      'no-restricted-syntax',
    );

    expect(integer).toEqual([expect.stringMatching(/^no-restricted-syntax: Use v\.safeInteger: past 2\^53/)]);
    expect(safeInteger).toEqual([]);
  }, 60_000);
});
