/** One SDK client per container, built on first use; `reset` lets a test start from a fresh one. */
export const memoClient = <C>(build: () => C): { readonly get: () => C; readonly reset: () => void } => {
  let client: C | undefined;
  return {
    get: () => (client ??= build()),
    reset: () => {
      client = undefined;
    },
  };
};
