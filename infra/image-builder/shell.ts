/** POSIX shell single-quoting: every byte is literal inside '…', and a ' becomes '\'' . */
export const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

const envName = /^[A-Z_][A-Z0-9_]*$/;

/** `export NAME='value'` lines, in the given order, for the head of a generated script. */
export const shellExports = (vars: Readonly<Record<string, string>>): string =>
  Object.entries(vars)
    .map(([name, value]) => {
      if (!envName.test(name))
        throw new Error(`invalid environment variable name "${name}": use uppercase letters, digits and _`);
      return `export ${name}=${shellQuote(value)}\n`;
    })
    .join('');
