/**
 * Line numbers for a TOML document: smol-toml gives values but no positions, so this scans the
 * source for table headers (`[a.b]`, `[[a.b]]`) and `key =` lines in order and records where each
 * path (array-of-tables elements by index: `['runners', 1, 'docker']`) is defined. It assumes a
 * document that already parsed; keys inside inline tables map to their parent key's line.
 */

export type TomlPath = readonly (string | number)[];

export interface LineMap {
  /** The line (1-based) that defines `path`, else its nearest defined parent's, else 1. */
  lineOf(path: TomlPath): number;
  /** Whether `path` is defined on a line of its own (a header or a `key =` line). */
  has(path: TomlPath): boolean;
}

const id = (path: TomlPath): string => JSON.stringify(path);

const BARE = /[A-Za-z0-9_-]/;

/** Reads a dotted key starting at `from`; returns its segments and the index after it. */
const readKey = (line: string, from: number): { segments: string[]; end: number } => {
  const segments: string[] = [];
  let i = from;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    const c = line[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += c === '"' && line[j] === '\\' ? 2 : 1;
      const raw = line.slice(i, j + 1);
      segments.push(c === '"' ? (JSON.parse(raw) as string) : raw.slice(1, -1));
      i = j + 1;
    } else {
      const start = i;
      while (i < line.length && BARE.test(line[i]!)) i++;
      segments.push(line.slice(start, i));
    }
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] !== '.') return { segments, end: i };
    i++;
  }
};

/** Scanner state carried across lines: an open multi-line string and the bracket depth. */
interface ValueState {
  quote: '"""' | "'''" | undefined;
  depth: number;
}

/** Advances `state` over `text` (part of a value), stopping at a comment. */
const scanValue = (text: string, state: ValueState): void => {
  let i = 0;
  while (i < text.length) {
    if (state.quote) {
      if (state.quote === '"""' && text[i] === '\\') {
        i += 2;
        continue;
      }
      if (text.startsWith(state.quote, i)) {
        i += 3;
        while (text[i] === state.quote[0]) i++; // up to two quotes may end the content
        state.quote = undefined;
        continue;
      }
      i++;
      continue;
    }
    const c = text[i];
    if (c === '#') return;
    if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      state.quote = text.startsWith('"""', i) ? '"""' : "'''";
      i += 3;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c === '"' && text[j] === '\\' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (c === '[' || c === '{') state.depth++;
    if (c === ']' || c === '}') state.depth--;
    i++;
  }
};

export const mapLines = (text: string): LineMap => {
  const lines = new Map<string, number>();
  const arrays = new Map<string, number>();
  const record = (path: TomlPath, line: number) => {
    for (let n = 1; n <= path.length; n++) {
      const key = id(path.slice(0, n));
      if (!lines.has(key)) lines.set(key, line);
    }
  };
  /** Resolves header segments to a concrete path: an array of tables stands for its last element. */
  const resolve = (segments: readonly string[]): (string | number)[] => {
    const path: (string | number)[] = [];
    for (const s of segments) {
      path.push(s);
      const count = arrays.get(id(path));
      if (count !== undefined) path.push(count - 1);
    }
    return path;
  };

  let table: (string | number)[] = [];
  const state: ValueState = { quote: undefined, depth: 0 };
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    if (state.quote || state.depth > 0) {
      scanValue(raw, state);
      return;
    }
    const trimmed = raw.trimStart();
    const start = raw.length - trimmed.length;
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (trimmed.startsWith('[[')) {
      const { segments } = readKey(raw, start + 2);
      const parent = resolve(segments.slice(0, -1));
      const arrayPath = [...parent, segments[segments.length - 1]!];
      const count = arrays.get(id(arrayPath)) ?? 0;
      arrays.set(id(arrayPath), count + 1);
      table = [...arrayPath, count];
      record(table, lineNo);
      return;
    }
    if (trimmed.startsWith('[')) {
      table = resolve(readKey(raw, start + 1).segments);
      record(table, lineNo);
      return;
    }
    const { segments, end } = readKey(raw, start);
    record([...table, ...segments], lineNo);
    if (raw[end] === '=') scanValue(raw.slice(end + 1), state);
  });

  return {
    has: (path) => lines.has(id(path)),
    lineOf: (path) => {
      for (let n = path.length; n > 0; n--) {
        const line = lines.get(id(path.slice(0, n)));
        if (line !== undefined) return line;
      }
      return 1;
    },
  };
};
