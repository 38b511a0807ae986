import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DeleteCommandInput,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isDeepStrictEqual } from 'node:util';

export type Item = Record<string, unknown>;
/**
 * What the table needs of a stubbed DocumentClient: one fake per command. rehearsal/fast-stub.ts
 * offers it, and so does aws-sdk-client-mock's stub in unit tests that assert on calls.
 */
export interface DocumentClientStub {
  on(command: unknown): { callsFake<Input>(fake: (input: Input) => unknown): unknown };
}

/** The map key of an item (or key) of a table keyed by `pk` and `sk`. */
export const keyOf = (key: Item): string => `${String(key.pk)}\u0000${String(key.sk)}`;
export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
export const conditionFailed = (): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** DynamoDB's answer to a malformed request: an error named `ValidationException`, as the SDK raises it. */
export const validationError = (message: string): Error =>
  Object.assign(new Error(message), { name: 'ValidationException' });

const KEY_ATTRIBUTES = ['pk', 'sk'] as const;
const INDEXES: Readonly<Record<string, readonly [string, string]>> = { byWaiting: ['gsi1pk', 'gsi1sk'] };

// ---- expressions ---------------------------------------------------------------------------

type Token = { kind: 'name' | 'value' | 'word' | 'punct'; text: string };

const tokenize = (expression: string): Token[] => {
  const tokens: Token[] = [];
  const re = /\s*(?:(#\w+)|(:\w+)|([A-Za-z_]\w*)|(<>|<=|>=|[=<>(),.]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(expression);
    if (!m) throw validationError(`Invalid expression: syntax error near "${expression.slice(at)}"`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'value', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'word', text: m[3] });
    else tokens.push({ kind: 'punct', text: m[4]! });
  }
  return tokens;
};

/** A document path of `#name` placeholders (`#a.#b`), resolved to attribute names. */
type Path = readonly string[];
type Operand = { path: Path } | { value: unknown };
type Condition =
  | { op: 'or' | 'and'; left: Condition; right: Condition }
  | { op: 'not'; inner: Condition }
  | { op: 'exists' | 'not_exists'; path: Path }
  | { op: 'begins_with'; left: Operand; right: Operand }
  | { op: '=' | '<>' | '<' | '<=' | '>' | '>='; left: Operand; right: Operand };
type SetAction = { path: Path; value: Operand | { ifNotExists: Path; fallback: Operand } };

const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);

/**
 * Parses the expressions of one request against its placeholder maps, recording which
 * placeholders were used: DynamoDB refuses a request that declares one no expression reads.
 */
class Parser {
  private tokens: Token[] = [];
  private at = 0;
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    private readonly names: Record<string, string>,
    private readonly values: Record<string, unknown>,
  ) {}

  condition(expression: string): Condition {
    this.start(expression);
    const condition = this.or();
    this.end(expression);
    return condition;
  }

  /** `SET a = operand, b = if_not_exists(b, operand)`: the only update clause the adapters send. */
  update(expression: string): SetAction[] {
    this.start(expression);
    const clause = this.next();
    if (clause.kind !== 'word' || clause.text.toUpperCase() !== 'SET') {
      throw new Error(`fake dynamodb: unsupported update clause "${clause.text}" in "${expression}"`);
    }
    const actions: SetAction[] = [];
    do {
      const path = this.path();
      this.expect('=');
      const peeked = this.peek();
      if (peeked?.kind === 'word' && peeked.text === 'if_not_exists') {
        this.next();
        this.expect('(');
        const ifNotExists = this.path();
        this.expect(',');
        const fallback = this.operand();
        this.expect(')');
        actions.push({ path, value: { ifNotExists, fallback } });
      } else {
        actions.push({ path, value: this.operand() });
      }
    } while (this.accept(','));
    this.end(expression);
    return actions;
  }

  private start(expression: string): void {
    this.tokens = tokenize(expression);
    this.at = 0;
  }

  private end(expression: string): void {
    const rest = this.peek();
    if (rest) throw new Error(`fake dynamodb: unsupported "${rest.text}" in "${expression}"`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw validationError('Invalid expression: unexpected end of expression');
    return token;
  }

  private accept(text: string): boolean {
    const token = this.peek();
    if (token?.text !== text) return false;
    this.at++;
    return true;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text)
      throw validationError(`Invalid expression: expected "${text}", got "${token.text}"`);
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token?.kind !== 'word' || token.text.toUpperCase() !== word) return false;
    this.at++;
    return true;
  }

  private or(): Condition {
    let left = this.and();
    while (this.keyword('OR')) left = { op: 'or', left, right: this.and() };
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.keyword('AND')) left = { op: 'and', left, right: this.not() };
    return left;
  }

  private not(): Condition {
    return this.keyword('NOT') ? { op: 'not', inner: this.not() } : this.primary();
  }

  private primary(): Condition {
    if (this.accept('(')) {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    const token = this.peek();
    if (token?.kind === 'word') {
      this.next();
      this.expect('(');
      let condition: Condition;
      if (token.text === 'attribute_exists' || token.text === 'attribute_not_exists') {
        condition = { op: token.text === 'attribute_exists' ? 'exists' : 'not_exists', path: this.path() };
      } else if (token.text === 'begins_with') {
        const left = this.operand();
        this.expect(',');
        condition = { op: 'begins_with', left, right: this.operand() };
      } else {
        throw new Error(`fake dynamodb: unsupported function ${token.text}`);
      }
      this.expect(')');
      return condition;
    }
    const left = this.operand();
    const op = this.next().text;
    if (!COMPARATORS.has(op)) throw new Error(`fake dynamodb: unsupported operator "${op}"`);
    return { op: op as '=', left, right: this.operand() };
  }

  private operand(): Operand {
    const token = this.peek();
    if (token?.kind !== 'value') return { path: this.path() };
    this.next();
    if (!(token.text in this.values)) {
      throw validationError(
        `An expression attribute value used in expression is not defined; attribute value: ${token.text}`,
      );
    }
    this.usedValues.add(token.text);
    return { value: this.values[token.text] };
  }

  private path(): Path {
    const path: string[] = [];
    do {
      const token = this.next();
      // The adapters name every attribute through a placeholder: a bare name may be a reserved word.
      if (token.kind !== 'name') throw new Error(`fake dynamodb: unsupported path element "${token.text}"`);
      const name = this.names[token.text];
      if (name === undefined) {
        throw validationError(
          `An expression attribute name used in the document path is not defined; attribute name: ${token.text}`,
        );
      }
      this.usedNames.add(token.text);
      path.push(name);
    } while (this.accept('.'));
    return path;
  }
}

interface Expressions {
  ConditionExpression?: string;
  KeyConditionExpression?: string;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * Parses a request's expressions and applies DynamoDB's rules on its placeholder maps, on every
 * operation: a map given without an expression, an empty values map, and a declared placeholder
 * that no expression uses are all refused with a ValidationException.
 */
const parseRequest = (input: Expressions) => {
  const names = input.ExpressionAttributeNames;
  const values = input.ExpressionAttributeValues;
  const expressions = [input.ConditionExpression, input.KeyConditionExpression, input.UpdateExpression];
  if (expressions.every((e) => e === undefined)) {
    if (names) throw validationError('ExpressionAttributeNames can only be specified when using expressions');
    if (values)
      throw validationError('ExpressionAttributeValues can only be specified when using expressions');
  }
  if (values && Object.keys(values).length === 0) {
    throw validationError('ExpressionAttributeValues must not be empty');
  }
  const parser = new Parser(names ?? {}, values ?? {});
  const parsed = {
    condition:
      input.ConditionExpression === undefined ? undefined : parser.condition(input.ConditionExpression),
    keyCondition:
      input.KeyConditionExpression === undefined ? undefined : parser.condition(input.KeyConditionExpression),
    update: input.UpdateExpression === undefined ? undefined : parser.update(input.UpdateExpression),
  };
  const unusedNames = Object.keys(names ?? {}).filter((n) => !parser.usedNames.has(n));
  if (unusedNames.length) {
    throw validationError(
      `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
    );
  }
  const unusedValues = Object.keys(values ?? {}).filter((v) => !parser.usedValues.has(v));
  if (unusedValues.length) {
    throw validationError(
      `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
    );
  }
  return parsed;
};

const at = (item: Item | undefined, path: Path): unknown =>
  path.reduce<unknown>(
    (node, name) =>
      typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Item)[name] : undefined,
    item,
  );

const resolve = (operand: Operand, item: Item | undefined): unknown =>
  'path' in operand ? at(item, operand.path) : operand.value;

/** Strings compare by their UTF-8 bytes, as DynamoDB orders and compares them. */
export const compareBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const compare = (op: string, a: unknown, b: unknown): boolean => {
  if (op === '=') return a !== undefined && isDeepStrictEqual(a, b);
  if (op === '<>') return a !== undefined && b !== undefined && !isDeepStrictEqual(a, b);
  // Ordering compares two strings or two numbers; anything else is simply false.
  if (a === undefined || b === undefined || typeof a !== typeof b) return false;
  if (typeof a !== 'string' && typeof a !== 'number') return false;
  const order = typeof a === 'string' ? compareBytes(a, b as string) : a - (b as number);
  switch (op) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
};

const holds = (condition: Condition | undefined, item: Item | undefined): boolean => {
  if (!condition) return true;
  switch (condition.op) {
    case 'or':
      return holds(condition.left, item) || holds(condition.right, item);
    case 'and':
      return holds(condition.left, item) && holds(condition.right, item);
    case 'not':
      return !holds(condition.inner, item);
    case 'exists':
      return at(item, condition.path) !== undefined;
    case 'not_exists':
      return at(item, condition.path) === undefined;
    case 'begins_with': {
      const [a, b] = [resolve(condition.left, item), resolve(condition.right, item)];
      return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
    }
    default:
      return compare(condition.op, resolve(condition.left, item), resolve(condition.right, item));
  }
};

/**
 * Applies SET actions to a copy of `item`. Every operand reads the item as it was before the
 * update; a nested path needs its parent map to exist, and no two paths may overlap.
 */
const applySet = (item: Item, actions: SetAction[]): Item => {
  const next = clone(item);
  actions.forEach((action, i) => {
    if (action.path.length === 1 && (KEY_ATTRIBUTES as readonly string[]).includes(action.path[0]!)) {
      throw validationError(
        `One or more parameter values were invalid: Cannot update attribute ${action.path[0]}. This attribute is part of the key`,
      );
    }
    const overlaps = actions
      .slice(i + 1)
      .some((other) => action.path.every((n, j) => other.path[j] === undefined || other.path[j] === n));
    if (overlaps)
      throw validationError('Invalid UpdateExpression: Two document paths overlap with each other');
    const value =
      'ifNotExists' in action.value
        ? (at(item, action.value.ifNotExists) ?? resolve(action.value.fallback, item))
        : resolve(action.value, item);
    const parent = at(next, action.path.slice(0, -1));
    if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) {
      throw validationError('The document path provided in the update expression is invalid for update');
    }
    (parent as Item)[action.path[action.path.length - 1]!] = clone(value);
  });
  return next;
};

const checkKey = (key: Item | undefined): Item => {
  for (const name of KEY_ATTRIBUTES) {
    if (typeof key?.[name] !== 'string' || key[name] === '') {
      throw validationError(`One or more parameter values were invalid: Missing the key ${name} in the item`);
    }
  }
  return key!;
};

const refuseReturnValues = (api: string, returnValues: string | undefined, allowed: string[]): void => {
  if (returnValues !== undefined && returnValues !== 'NONE' && !allowed.includes(returnValues)) {
    throw new Error(`fake dynamodb: ${api} ReturnValues ${returnValues} is not supported`);
  }
};

// ---- the table -----------------------------------------------------------------------------

export interface DocumentTableOptions {
  /** The only table name the fake answers to. */
  tableName: string;
  /** The items, keyed by `keyOf`; a fresh map unless the caller owns one. */
  items?: Map<string, Item>;
  /** More tables (of the same key schema) the fake answers to, by name, with their items. */
  otherTables?: ReadonlyMap<string, Map<string, Item>>;
  /** Items per Query page (pages carry `LastEvaluatedKey`); one page holding everything if unset. */
  pageSize?: number;
  /** Runs every call, named after its DynamoDB API (`dynamodb:PutItem`, ...), e.g. to throttle it. */
  wrap?: (api: string, fn: () => unknown) => unknown;
  /** The error a call to another table fails with; DynamoDB's ResourceNotFoundException if unset. */
  unknownTable?: (name: string | undefined) => Error;
  /** Runs before a Put's condition is checked; it may throw to fail the Put before any write. */
  beforePut?: (input: PutCommandInput) => void;
}

/**
 * In-memory DynamoDB tables (`tableName`, and `otherTables` by name; keys `pk`/`sk`, sparse index `byWaiting` on `gsi1pk`/`gsi1sk`, as
 * infra/rollout/ledger-table.ts builds it) behind the stubbed DocumentClient `ddb`: Put, Get,
 * Delete, Update (SET, with `if_not_exists` and nested map paths) and Query, with condition and key
 * expressions (comparisons, `attribute_exists`, `attribute_not_exists`, `begins_with`, AND, OR,
 * NOT, parentheses). It keeps AWS's request rules where moto is laxer (test/contract/divergences.ts):
 * placeholders declared but unused are refused on every operation. A failed condition throws
 * ConditionalCheckFailedException; an expression it cannot read throws, so none passes unread.
 * Items are cloned in and out, so a caller never shares an object with the table.
 */
export const installDocumentTable = (ddb: DocumentClientStub, options: DocumentTableOptions) => {
  const { tableName, pageSize = Infinity, beforePut } = options;
  const items = options.items ?? new Map<string, Item>();
  const wrap = options.wrap ?? ((_api: string, fn: () => unknown) => fn());
  const itemsOf = (name: string | undefined): Map<string, Item> => {
    if (name === tableName) return items;
    const other = name === undefined ? undefined : options.otherTables?.get(name);
    if (other) return other;
    throw (
      options.unknownTable?.(name) ??
      new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} })
    );
  };

  ddb.on(PutCommand).callsFake((input: PutCommandInput) =>
    wrap('dynamodb:PutItem', () => {
      const table = itemsOf(input.TableName);
      refuseReturnValues('PutItem', input.ReturnValues, []);
      const item = checkKey(input.Item);
      const { condition } = parseRequest(input);
      beforePut?.(input);
      if (!holds(condition, table.get(keyOf(item)))) throw conditionFailed();
      table.set(keyOf(item), clone(item));
      return {};
    }),
  );
  ddb.on(GetCommand).callsFake((input: GetCommandInput) =>
    wrap('dynamodb:GetItem', () => {
      const table = itemsOf(input.TableName);
      if (input.ProjectionExpression !== undefined) throw new Error('fake dynamodb: no ProjectionExpression');
      parseRequest(input);
      const item = table.get(keyOf(checkKey(input.Key)));
      return item ? { Item: clone(item) } : {};
    }),
  );
  ddb.on(DeleteCommand).callsFake((input: DeleteCommandInput) =>
    wrap('dynamodb:DeleteItem', () => {
      const table = itemsOf(input.TableName);
      refuseReturnValues('DeleteItem', input.ReturnValues, ['ALL_OLD']);
      const key = keyOf(checkKey(input.Key));
      const { condition } = parseRequest(input);
      const old = table.get(key);
      if (!holds(condition, old)) throw conditionFailed();
      table.delete(key);
      return input.ReturnValues === 'ALL_OLD' && old ? { Attributes: clone(old) } : {};
    }),
  );
  ddb.on(UpdateCommand).callsFake((input: UpdateCommandInput) =>
    wrap('dynamodb:UpdateItem', () => {
      const table = itemsOf(input.TableName);
      refuseReturnValues('UpdateItem', input.ReturnValues, ['ALL_NEW', 'ALL_OLD']);
      const key = checkKey(input.Key);
      if (input.UpdateExpression === undefined)
        throw new Error('fake dynamodb: UpdateItem needs an UpdateExpression');
      const { condition, update } = parseRequest(input);
      const old = table.get(keyOf(key));
      if (!holds(condition, old)) throw conditionFailed();
      const next = applySet(old ?? { pk: key.pk, sk: key.sk }, update ?? []);
      table.set(keyOf(key), next);
      if (input.ReturnValues === 'ALL_NEW') return { Attributes: clone(next) };
      if (input.ReturnValues === 'ALL_OLD' && old) return { Attributes: clone(old) };
      return {};
    }),
  );
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) =>
    wrap('dynamodb:Query', () => {
      const table = itemsOf(input.TableName);
      if (input.FilterExpression !== undefined || input.ProjectionExpression !== undefined) {
        throw new Error('fake dynamodb: Query supports a key condition only');
      }
      if (input.KeyConditionExpression === undefined) {
        throw validationError(
          'Either the KeyConditions or KeyConditionExpression parameter must be specified',
        );
      }
      const index = input.IndexName === undefined ? undefined : INDEXES[input.IndexName];
      if (input.IndexName !== undefined && !index) {
        throw validationError(`The table does not have the specified index: ${input.IndexName}`);
      }
      if (index && input.ConsistentRead) {
        throw validationError('Consistent reads are not supported on global secondary indexes');
      }
      const { keyCondition } = parseRequest(input);
      const [hash, range] = index ?? KEY_ATTRIBUTES;
      // Index order: by the range key, then (for an index, whose keys may repeat) the table's keys.
      const position = (item: Item): string[] => [String(item[range]), String(item.pk), String(item.sk)];
      const before = (a: Item, b: Item): number => {
        const [x, y] = [position(a), position(b)];
        return x.map((v, i) => compareBytes(v, y[i]!)).find((c) => c !== 0) ?? 0;
      };
      const matching = [...table.values()]
        .filter((item) => item[hash] !== undefined && item[range] !== undefined)
        .filter((item) => holds(keyCondition, item))
        .sort(before);
      const startKey = input.ExclusiveStartKey;
      // After the start key's position, whether or not that item still exists.
      const start = startKey ? matching.filter((item) => before(item, startKey) <= 0).length : 0;
      const page = matching.slice(start, start + pageSize);
      const last = page[page.length - 1];
      const more = start + pageSize < matching.length;
      return {
        Items: page.map(clone),
        Count: page.length,
        ...(more && last
          ? {
              LastEvaluatedKey: {
                pk: last.pk,
                sk: last.sk,
                ...(index ? { [hash]: last[hash], [range]: last[range] } : {}),
              },
            }
          : {}),
      };
    }),
  );

  return {
    items,
    /** The stored item under `pk`/`sk`, as the table holds it (not a copy). */
    raw: (pk: string, sk: string): Item | undefined => items.get(keyOf({ pk, sk })),
    /** Stores a copy of `item` directly, as an earlier writer would have (no call on the stub). */
    seed: (item: Item): void => {
      items.set(keyOf(item), clone(item));
    },
  };
};
