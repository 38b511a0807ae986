import { registerHooks } from 'node:module';

/**
 * middy exports its modules under the `import` condition only, so `require` (tsx runs this
 * package's TypeScript as CommonJS) cannot resolve it. Lambda runs the functions bundled (esbuild
 * resolves it) and jest maps it (jest.config.js); here, when `require` cannot resolve it, a resolve
 * hook adds the `import` condition for middy's specifiers and Node's require(esm) loads them.
 */
const resolvable = (): boolean => {
  try {
    require.resolve('@middy/core');
    return true;
  } catch {
    return false;
  }
};

if (!resolvable()) {
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      specifier.startsWith('@middy/')
        ? nextResolve(specifier, { ...context, conditions: [...(context.conditions ?? []), 'import'] })
        : nextResolve(specifier, context),
  });
}
