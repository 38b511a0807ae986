import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export type Item = Record<string, unknown>;
export type DocumentClientMock = AwsClientStub<DynamoDBDocumentClient>;

/** The map key of an item (or key) of a table keyed by `pk` and `sk`. */
export const keyOf = (key: Item): string => `${String(key.pk)}\u0000${String(key.sk)}`;
export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
export const conditionFailed = (): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/**
 * Evaluates the condition and key expressions the ledger sends: terms `attribute_not_exists(#a)`,
 * `attribute_exists(#a)`, `begins_with(#a, :v)`, `#a <op> :v` (=, <>, <, <=, >, >=) joined by AND
 * and OR (AND binding tighter, as in DynamoDB; no parentheses). Anything else throws, so a new
 * expression cannot pass unread.
 */
export const evaluate = (
  expression: string | undefined,
  item: Item | undefined,
  names: Record<string, string> = {},
  values: Record<string, unknown> = {},
): boolean => {
  if (expression === undefined) return true;
  const attr = (alias: string) => {
    const name = names[alias];
    if (!name) throw new Error(`fake dynamodb: undefined name ${alias}`);
    return item?.[name];
  };
  const value = (alias: string) => {
    if (!(alias in values)) throw new Error(`fake dynamodb: undefined value ${alias}`);
    return values[alias];
  };
  const term = (t: string): boolean => {
    let m: RegExpExecArray | null;
    if ((m = /^attribute_not_exists\((#\w+)\)$/.exec(t))) return attr(m[1]!) === undefined;
    if ((m = /^attribute_exists\((#\w+)\)$/.exec(t))) return attr(m[1]!) !== undefined;
    if ((m = /^begins_with\((#\w+), ?(:\w+)\)$/.exec(t))) {
      const a = attr(m[1]!);
      return typeof a === 'string' && a.startsWith(value(m[2]!) as string);
    }
    if ((m = /^(#\w+) (=|<>|<=|>=|<|>) (:\w+)$/.exec(t))) {
      const a = attr(m[1]!);
      const v = value(m[3]!);
      if (a === undefined || typeof a !== typeof v) return false;
      const [x, y] = [a as string | number, v as string | number];
      switch (m[2]) {
        case '=':
          return x === y;
        case '<>':
          return x !== y;
        case '<':
          return x < y;
        case '<=':
          return x <= y;
        case '>':
          return x > y;
        default:
          return x >= y;
      }
    }
    throw new Error(`fake dynamodb: unsupported expression term "${t}"`);
  };
  return expression.split(' OR ').some((any) => any.split(' AND ').every(term));
};

export interface DocumentTableOptions {
  /** The only table name the fake answers to. */
  tableName: string;
  /** The items, keyed by `keyOf`; a fresh map unless the caller owns one. */
  items?: Map<string, Item>;
  /** Items per Query page (pages carry `LastEvaluatedKey`); one page holding everything if unset. */
  pageSize?: number;
  /** Runs every call, named after its DynamoDB API (`dynamodb:PutItem`, ...), e.g. to throttle it. */
  wrap?: (api: string, fn: () => unknown) => unknown;
  /** The error a call to another table fails with; a plain Error if unset. */
  unknownTable?: (name: string | undefined) => Error;
  /** Runs before a Put's condition is checked; it may throw to fail the Put before any write. */
  beforePut?: (input: PutCommandInput) => void;
}

/**
 * An in-memory DynamoDB table behind the mocked DocumentClient `ddb`: Put/Get/Delete with
 * condition expressions (a failed condition throws ConditionalCheckFailedException), and Query on
 * the table or the sparse `byWaiting` index (`gsi1pk`/`gsi1sk`) with a key condition. Items are
 * cloned in and out, so a caller never shares an object with the table.
 */
export const installDocumentTable = (ddb: DocumentClientMock, options: DocumentTableOptions) => {
  const { tableName, pageSize = Infinity, beforePut } = options;
  const items = options.items ?? new Map<string, Item>();
  const wrap = options.wrap ?? ((_api: string, fn: () => unknown) => fn());
  const checkTable = (name: string | undefined) => {
    if (name === tableName) return;
    throw options.unknownTable?.(name) ?? new Error(`fake dynamodb: unknown table ${name}`);
  };

  ddb.on(PutCommand).callsFake((input: PutCommandInput) =>
    wrap('dynamodb:PutItem', () => {
      checkTable(input.TableName);
      const item = input.Item ?? {};
      beforePut?.(input);
      if (
        !evaluate(
          input.ConditionExpression,
          items.get(keyOf(item)),
          input.ExpressionAttributeNames,
          input.ExpressionAttributeValues,
        )
      ) {
        throw conditionFailed();
      }
      items.set(keyOf(item), clone(item));
      return {};
    }),
  );
  ddb.on(GetCommand).callsFake((input: GetCommandInput) =>
    wrap('dynamodb:GetItem', () => {
      checkTable(input.TableName);
      const item = items.get(keyOf(input.Key ?? {}));
      return item ? { Item: clone(item) } : {};
    }),
  );
  ddb.on(DeleteCommand).callsFake((input: DeleteCommandInput) =>
    wrap('dynamodb:DeleteItem', () => {
      checkTable(input.TableName);
      const key = keyOf(input.Key ?? {});
      if (
        !evaluate(
          input.ConditionExpression,
          items.get(key),
          input.ExpressionAttributeNames,
          input.ExpressionAttributeValues,
        )
      ) {
        throw conditionFailed();
      }
      items.delete(key);
      return {};
    }),
  );
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) =>
    wrap('dynamodb:Query', () => {
      checkTable(input.TableName);
      if (input.IndexName !== undefined && input.IndexName !== 'byWaiting') {
        throw new Error(`fake dynamodb: unknown index ${input.IndexName}`);
      }
      const [hash, range] = input.IndexName ? ['gsi1pk', 'gsi1sk'] : ['pk', 'sk'];
      const matching = [...items.values()]
        .filter((item) => item[hash] !== undefined && item[range] !== undefined)
        .filter((item) =>
          evaluate(
            input.KeyConditionExpression,
            item,
            input.ExpressionAttributeNames,
            input.ExpressionAttributeValues,
          ),
        )
        .sort((a, b) => String(a[range]).localeCompare(String(b[range])));
      const start = input.ExclusiveStartKey
        ? matching.findIndex((item) => keyOf(item) === keyOf(input.ExclusiveStartKey ?? {})) + 1
        : 0;
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
                ...(input.IndexName ? { gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk } : {}),
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
    /** Stores a copy of `item` directly, as an earlier writer would have (no call on the mock). */
    seed: (item: Item): void => {
      items.set(keyOf(item), clone(item));
    },
  };
};
