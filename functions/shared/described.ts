import * as v from './valibot';

/**
 * How a key's reference text is attached. The suite config's schema carries the texts: its JSON
 * Schema and docs/configuration.md are generated from them. The fleet schema the functions parse
 * their slices with leaves them out, and parses the same: a description is one more pipe per key,
 * built at every rollout function's cold start for nothing.
 */
export type Doc = <S extends v.GenericSchema>(schema: S, text: string) => S;
/** The cast is sound: a description changes no input or output, only what the JSON Schema says. */
export const described: Doc = (schema, text) =>
  v.pipe(schema, v.description(text)) as unknown as typeof schema;
