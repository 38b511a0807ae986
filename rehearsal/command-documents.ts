import type { CommandDocumentContent } from '../infra/ssm/documents';

/**
 * AWS's SendCommand checks, which moto lacks (test/contract/divergences.ts,
 * `ssm-send-command-unchecked`): the document must exist, and every parameter sent must be one the
 * document declares, given as one value that matches its `allowedPattern` (and `allowedValues`);
 * a parameter without a default must be sent. AWS answers `InvalidDocument` or
 * `InvalidParameters`.
 */

/** Command documents by name, as a synthesized template holds them. */
export type CommandDocuments = ReadonlyMap<string, CommandDocumentContent>;

interface DocumentResource {
  readonly Properties: { readonly Name: string; readonly Content: CommandDocumentContent };
}

/** The `AWS::SSM::Document` resources of a template's `Resources` section, by name. */
export const documentsOfResources = (resources: Record<string, unknown>): CommandDocuments =>
  new Map(
    Object.values(resources)
      .filter((r) => (r as { Type?: string }).Type === 'AWS::SSM::Document')
      .map((r) => (r as DocumentResource).Properties)
      .map((p) => [p.Name, p.Content] as const),
  );

/** Why SSM refuses this SendCommand, as the error it answers with, or `undefined` when it accepts it. */
export const sendCommandRefusal = (
  documents: CommandDocuments,
  documentName: string,
  parameters: Readonly<Record<string, readonly string[]>>,
): { name: 'InvalidDocument' | 'InvalidParameters'; message: string } | undefined => {
  const doc = documents.get(documentName);
  if (!doc) return { name: 'InvalidDocument', message: `Document ${documentName} does not exist.` };
  const problems: string[] = [];
  for (const [name, values] of Object.entries(parameters)) {
    // Our documents use allowedPattern only; AWS checks allowedValues too, so the fake does.
    const declared: { allowedPattern: string; allowedValues?: readonly string[] } | undefined =
      doc.parameters[name];
    if (!declared) {
      problems.push(`${name} is not a parameter of the document`);
      continue;
    }
    if (values.length !== 1) {
      problems.push(`${name} of type String takes one value, got ${values.length}`);
      continue;
    }
    const value = values[0]!;
    if (!new RegExp(declared.allowedPattern).test(value))
      problems.push(`${name}="${value}" does not match allowedPattern ${declared.allowedPattern}`);
    if (declared.allowedValues && !declared.allowedValues.includes(value))
      problems.push(`${name}="${value}" is not one of allowedValues`);
  }
  for (const [name, declared] of Object.entries(doc.parameters)) {
    if (declared.default === undefined && !(name in parameters))
      problems.push(`required parameter ${name} is missing`);
  }
  return problems.length === 0
    ? undefined
    : {
        name: 'InvalidParameters',
        message: `Invalid parameters for ${documentName}: ${problems.join('; ')}`,
      };
};
