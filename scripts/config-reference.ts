import { toJsonSchema } from '@valibot/to-json-schema';

import { SuiteConfig } from '../functions/shared/config';

/**
 * The config's JSON Schema and its reference page, both generated from the valibot schema the
 * suite parses with, so an editor, the page and the parser never disagree. `npm run schema` writes
 * them.
 */

export const SCHEMA_FILE = 'schema/runner-autopilot.schema.json';
export const REFERENCE_FILE = 'docs/configuration.md';

/** A JSON Schema node as the converter writes it (draft-07), only the parts the reference reads. */
interface Node {
  type?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  items?: Node;
  properties?: Record<string, Node>;
  required?: string[];
  anyOf?: Node[];
  oneOf?: Node[];
}

/**
 * Draft-07, which every YAML editor's language server reads. `typeMode: 'input'` describes what a
 * user writes: a key with a default is optional there. Checks that no JSON Schema keyword says
 * (a cron's fields, the config's cross-references) are left to the parser; any other schema or
 * action the converter cannot write throws, so nothing is dropped unnoticed.
 */
export const configJsonSchema = (): Record<string, unknown> => {
  const { $schema, ...schema } = toJsonSchema(SuiteConfig, {
    target: 'draft-07',
    typeMode: 'input',
    // Trimming changes nothing a user writes: a JSON Schema has no word for it.
    ignoreActions: ['check', 'raw_check', 'trim'],
    overrideSchema: ({ valibotSchema, jsonSchema }) => {
      // A constant keeps its type beside it, for the editors that show the type only.
      if (valibotSchema.type === 'literal') {
        const type = typeof jsonSchema.const;
        return type === 'string' || type === 'boolean' ? { type, ...jsonSchema } : undefined;
      }
      // An object whose every key is optional needs no `required: []`.
      if (jsonSchema.required?.length !== 0) return undefined;
      const rest = { ...jsonSchema };
      delete rest.required;
      return rest;
    },
  });
  return {
    $schema,
    ...schema,
    title: 'runner-autopilot deployment config',
    description:
      'One file describes a deployment of runner-autopilot. Reference: docs/configuration.md. Paths in it are relative to the file.',
  };
};

/** The two generated files as `npm run schema` writes them, by path from the repository root. */
export const generatedFiles = (): Record<string, string> => {
  const schema = configJsonSchema();
  return {
    [SCHEMA_FILE]: `${JSON.stringify(schema, null, 2)}\n`,
    [REFERENCE_FILE]: configReference(schema),
  };
};

const variantsOf = (node: Node): Node[] | undefined => node.oneOf ?? node.anyOf;

/** The key whose constant value tells the variants of a union of objects apart. */
const discriminatorOf = (variants: readonly Node[]): string | undefined =>
  Object.keys(variants[0]?.properties ?? {}).find((key) =>
    variants.every((v) => v.properties?.[key]?.const !== undefined),
  );

const code = (value: unknown): string =>
  `\`${typeof value === 'string' && value !== '' ? value : JSON.stringify(value)}\``;

/** A safe integer's own bound is no bound a user could mean. */
const bound = (n: number | undefined): number | undefined =>
  n === undefined || Math.abs(n) >= Number.MAX_SAFE_INTEGER ? undefined : n;

const range = (node: Node): string => {
  const [min, max] = [bound(node.minimum), bound(node.maximum)];
  if (min !== undefined && max !== undefined) return ` ${min}-${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  return max !== undefined ? ` ≤ ${max}` : '';
};

const typeOf = (node: Node): string => {
  const variants = variantsOf(node);
  if (variants) {
    const key = discriminatorOf(variants);
    if (key)
      return `object by \`${key}\`: ${variants.map((v) => code(v.properties![key]!.const)).join(', ')}`;
    return variants
      .map((v) => (v.properties ? `{ ${Object.keys(v.properties).join(', ')} }` : typeOf(v)))
      .join(' or ');
  }
  if (node.const !== undefined) return code(node.const);
  if (node.enum) return node.enum.map(code).join(', ');
  if (node.type === 'array')
    return `list of ${typeOf(node.items ?? {})}${node.minItems ? ` (at least ${node.minItems})` : ''}`;
  if (node.type === 'string') return node.format ? `string (${node.format})` : 'string';
  if (node.type === 'integer' || node.type === 'number') return `${node.type}${range(node)}`;
  return node.type ?? 'any';
};

/** The objects below a key that get a section of their own. */
const objectsOf = (node: Node, path: string): { path: string; node: Node; note?: string }[] => {
  if (node.type === 'array' && node.items) return objectsOf(node.items, `${path}[]`);
  const variants = variantsOf(node);
  if (variants) {
    const key = discriminatorOf(variants);
    // A union without a discriminator (a secret reference) is small enough for its type column.
    return key
      ? variants.map((v) => ({ path, node: v, note: `${key}: ${String(v.properties![key]!.const)}` }))
      : [];
  }
  return node.type === 'object' && node.properties ? [{ path, node }] : [];
};

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

const section = (path: string, node: Node, note?: string): string[] => {
  const required = new Set(node.required ?? []);
  const rows = Object.entries(node.properties ?? {}).map(([key, child]) => {
    const dflt =
      child.default !== undefined ? code(child.default) : required.has(key) ? '**required**' : 'optional';
    return `| \`${key}\` | ${cell(typeOf(child))} | ${cell(dflt)} | ${cell(child.description ?? '')} |`;
  });
  const children = Object.entries(node.properties ?? {}).flatMap(([key, child]) =>
    objectsOf(child, path ? `${path}.${key}` : key),
  );
  return [
    `## ${path ? `\`${path}\`` : 'Top level'}${note ? ` (${note})` : ''}`,
    '',
    ...(node.description ? [node.description, ''] : []),
    '| key | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    ...children.flatMap((c) => section(c.path, c.node, c.note)),
  ];
};

/** The reference page: every key with its type, default and description, one section per object. */
export const configReference = (schema: Record<string, unknown> = configJsonSchema()): string =>
  [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run schema` from functions/shared/config.ts: edit the schema, not this page. -->',
    '',
    'A deployment is one YAML file; `config/example.yaml` shows every section with comments.',
    '`runner-autopilot check --config <file>` validates it offline. Editors that use the YAML language',
    'server complete and check it when the file starts with',
    '`# yaml-language-server: $schema=<path to>/schema/runner-autopilot.schema.json`.',
    '',
    '**Paths are relative to the config file.** `fleets[].runnerConfig.template` and `.values` name',
    'files next to the YAML file: with `deploy/prod.yaml` and `template: manager/config.toml.tmpl`, the',
    'template is `deploy/manager/config.toml.tmpl`. A missing file names its field and fleet.',
    '',
    '**Times** are 5-field cron expressions (minute hour day-of-month month day-of-week) read in an',
    'IANA time zone. A window lists the minutes inside it: `* 1-4 * * *` is 01:00-04:59 every day.',
    '',
    '**Secrets** are never written in the config: a secret is `{ parameter: /path }` (a SecureString',
    'parameter) or `{ secretsManager: name }`. Store one with',
    "`aws ssm put-parameter --type SecureString --name /runner-autopilot/<name> --value '<secret>'`.",
    '',
    ...section('', schema),
  ]
    .join('\n')
    .replace(/\n+$/, '\n');
