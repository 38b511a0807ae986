import { readdirSync } from 'node:fs';

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Import boundaries (issue 10). Each folder under functions/ but `shared` is one Lambda function,
 * bundled from its own folder and functions/shared; infra, scripts and cli are never bundled. rehearsal
 * is runtime code too (run by tsx, outside jest): it imports nothing from test/ and no test library.
 * Paths are matched as written (relative), so the regexes name folders after any number of `../`.
 */
const FUNCTIONS = readdirSync(new URL('./functions/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'shared')
  .map((d) => d.name);
const folderOf = (names) => `^(\\.\\./)+(functions/)?(${names.join('|')})(/|$)`;

/**
 * What infra may import from functions/: contract modules, which hold names, schemas and lists
 * and load no SDK or handler code into the synth. The runner config linter and renderer are pure
 * and run at synth to refuse a bad config.toml template before it is published.
 */
const INFRA_CONTRACTS = [
  'shared/names',
  'shared/config',
  'shared/fleet',
  'shared/schema-primitives',
  /** The schema library with its messages: the schemas infra parses the config with are its. */
  'shared/valibot',
  /** The slice protocol: the file name and `$env` references infra writes and settings.ts reads. */
  'shared/settings',
  'shared/events',
  'shared/ledger-schema',
  'shared/metric-names',
  'shared/rollout/settings',
  'shared/rollout/commands',
  'shared/runner-config/lint',
  'shared/runner-config/render',
  '[a-z-]+/api-operations',
];

const RUNTIME_ONLY = {
  regex: '^(\\.\\./)+(infra|scripts|cli|rehearsal)(/|$)',
  message:
    'Runtime code (functions/) is bundled into Lambda: it may not import infra/, scripts/, cli/ or rehearsal/.',
};

/**
 * valibot only through functions/shared/valibot.ts, whose messages never quote the refused value;
 * zod not at all (its schema construction was most of a small function's cold start, issue 12).
 */
const SCHEMAS_THROUGH_SHARED = {
  regex: '^(valibot|zod)(/|$)',
  allowTypeImports: true,
  message:
    "Import the schema library as `import * as v from '<path>/functions/shared/valibot'`: its messages never quote a refused value (a secret pasted in the wrong field), valibot's own do.",
};

const restrictImports = (patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

const boundaries = [
  {
    files: ['functions/shared/**/*.ts'],
    rules: restrictImports([
      {
        regex: folderOf(FUNCTIONS),
        message:
          'functions/shared is bundled into every function: it may not import a function folder. Move what both need into functions/shared.',
      },
      RUNTIME_ONLY,
      SCHEMAS_THROUGH_SHARED,
    ]),
  },
  { files: ['functions/shared/valibot.ts'], rules: restrictImports([RUNTIME_ONLY]) },
  ...FUNCTIONS.map((fn) => ({
    files: [`functions/${fn}/**/*.ts`],
    rules: restrictImports([
      {
        regex: folderOf(FUNCTIONS.filter((other) => other !== fn)),
        message:
          'A function imports only functions/shared and its own folder. Move what two functions share into functions/shared.',
      },
      RUNTIME_ONLY,
      SCHEMAS_THROUGH_SHARED,
    ]),
  })),
  {
    files: ['infra/**/*.ts'],
    rules: restrictImports([
      {
        regex: `^(\\.\\./)+functions/(?!(${INFRA_CONTRACTS.join('|')})$)`,
        message:
          'infra imports only contract modules of functions/ (see INFRA_CONTRACTS in eslint.config.mjs), so synth never loads handler or SDK code: move what infra needs into one.',
      },
      {
        regex: '^(\\.\\./)+functions/(?!shared/)[a-z-]+/settings$',
        allowTypeImports: true,
        message: "infra may import a function's settings only as a type (`import type`).",
      },
      SCHEMAS_THROUGH_SHARED,
    ]),
  },
  {
    files: ['cli/**/*.ts', 'scripts/**/*.ts', 'test/**/*.ts'],
    rules: restrictImports([SCHEMAS_THROUGH_SHARED]),
  },
  {
    files: ['rehearsal/**/*.ts'],
    rules: {
      // tsconfig declares jest's globals for the whole tree; outside jest they do not exist.
      'no-restricted-globals': [
        'error',
        ...['jest', 'expect', 'describe', 'it', 'beforeEach', 'afterEach', 'beforeAll', 'afterAll'].map(
          (name) => ({
            name,
            message: 'rehearsal/ runs outside jest: jest globals do not exist there.',
          }),
        ),
      ],
      ...restrictImports([
        {
          regex: '^(\\.\\./)+test(/|$)',
          message:
            'rehearsal/ runs outside jest (npm start, the installed package): it may not import test/. Move what both need into rehearsal/.',
        },
        {
          regex: '^(jest|@jest/.*|aws-sdk-client-mock(-jest)?|aws-cdk-lib/assertions)$',
          message:
            'rehearsal/ runs outside jest with the runtime dependencies only: no test library (its fakes are rehearsal/fast-stub.ts and rehearsal/clock.ts).',
        },
        SCHEMAS_THROUGH_SHARED,
      ]),
    },
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      'dist/',
      'coverage/',
      '.test-results/',
      '.bench/',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  ...boundaries,
  {
    // A ValiError carries the refused value in its issues, and the logger prints an error whole.
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='v'][callee.property.name=/^(parse|parser|assert)$/]",
          message:
            'Use v.safeParse and throw the formatted issues (formatIssues): a ValiError holds the refused value, which a log line would print.',
        },
        {
          selector: "CallExpression[callee.object.name='v'][callee.property.name='integer']",
          message:
            'Use v.safeInteger: past 2^53 a JSON number is no longer the one written (9007199254740993 parses as ...992), and v.integer accepts it.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
