import { parse, stringify } from 'yaml';

import { shellExports } from './shell';

/**
 * The subset of the Image Builder (AWSTOE) component document, schemaVersion 1.0, that we use:
 * phases `build`, `validate` and `test`, each a list of `ExecuteBash` steps.
 */
export type PhaseName = 'build' | 'validate' | 'test';

export interface ExecuteBashStep {
  readonly name: string;
  readonly action: 'ExecuteBash';
  readonly inputs: { readonly commands: readonly string[] };
}

export interface Phase {
  readonly name: PhaseName;
  readonly steps: readonly ExecuteBashStep[];
}

export interface ComponentDocument {
  readonly schemaVersion: '1.0';
  readonly name: string;
  readonly description: string;
  readonly phases: readonly Phase[];
}

/** CloudFormation's limit for a component's inline `data`. */
export const MAX_COMPONENT_DATA = 16000;

const stepName = /^[A-Za-z][A-Za-z0-9]{0,127}$/;

/**
 * One step running `script` (the text of a `.sh` file) after `set -euo pipefail`, the exports
 * from `env` and the text of `preludes` (shared helpers), all inline: an instance has no copy of
 * our repository.
 */
export const bashStep = (
  name: string,
  script: string,
  env: Readonly<Record<string, string>> = {},
  preludes: readonly string[] = [],
): ExecuteBashStep => {
  if (!stepName.test(name))
    throw new Error(`invalid step name "${name}": use letters and digits, starting with a letter`);
  const command = ['set -euo pipefail', shellExports(env), ...preludes, script].join('\n');
  // AWSTOE expands {{ … }} in inputs; a literal one in a script would be mangled or fail the build.
  if (command.includes('{{'))
    throw new Error(`step "${name}" contains "{{", which Image Builder would expand: rewrite it without`);
  return { name, action: 'ExecuteBash', inputs: { commands: [command] } };
};

export const serializeDocument = (doc: ComponentDocument): string => {
  const data = stringify(doc, { lineWidth: 0 });
  if (data.length > MAX_COMPONENT_DATA)
    throw new Error(
      `component "${doc.name}" is ${data.length} characters, over Image Builder's ${MAX_COMPONENT_DATA}: split it into more components`,
    );
  return data;
};

export const parseDocument = (data: string): ComponentDocument => parse(data) as ComponentDocument;
