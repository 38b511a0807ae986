/**
 * One SDK client per container, built on first use; `reset` lets a test start from a fresh one.
 * Annotate each call `@__PURE__` (as the adapters do) and reach the client only inside functions
 * (`() => client.get()`, never `client.get` at the top level): esbuild keeps a top-level call or
 * property read it cannot prove pure, and with it the whole SDK client, in every bundle that
 * imports anything from the adapter module (an error class, a schedule name).
 */
export const memoClient = <C>(build: () => C): { readonly get: () => C; readonly reset: () => void } => {
  let client: C | undefined;
  return {
    get: () => (client ??= build()),
    reset: () => {
      client = undefined;
    },
  };
};
