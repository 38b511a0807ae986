import type { StandardSchemaV1 } from '@standard-schema/spec';
import fc from 'fast-check';

import { BakeRequestedDetail } from '../../../functions/gitlab-webhook/bake-requested';
import { PushPayload } from '../../../functions/gitlab-webhook/payload';
import { FunctionUrlEvent } from '../../../functions/gitlab-webhook/schema';
import { WebhookSettings } from '../../../functions/gitlab-webhook/settings';
import { DetailType, detailSchema } from '../../../functions/shared/events';
import { formatIssues } from '../../../functions/shared/issues';
import { validateNow } from '../../../functions/shared/standard-schema';
import { WebhookConfig } from '../../../functions/shared/webhook-config';
import * as v from '../../../functions/shared/valibot';
import { push, rules } from '../../arbitraries/gitlab';
import { fixture } from '../../helpers/fixtures';

/**
 * The webhook validates with hand-written Standard Schemas, so its bundle builds no schema library
 * (issue 12: GitLab times its cold start). Each is held here to its valibot twin: the twins below
 * are what the webhook would parse with, and `WebhookConfig` and the catalogue's detail schema are
 * the source of truth of the config file and the bus. For any JSON value (what Lambda,
 * `JSON.parse` and the config file give them), both accept with the same value, defaults applied,
 * or both refuse with the same messages at the same paths.
 */

const TwinFunctionUrlEvent = v.object({
  headers: v.optional(v.record(v.string(), v.string()), {}),
  body: v.optional(v.string()),
  isBase64Encoded: v.optional(v.boolean(), false),
  requestContext: v.object({
    requestId: v.string(),
    http: v.object({ method: v.string() }),
  }),
});

const objectId = v.pipe(
  v.string(),
  v.regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a 40 or 64 hex digit object id'),
);
const paths = v.optional(v.array(v.string()), []);
const TwinPushPayload = v.looseObject({
  object_kind: v.picklist(['push', 'tag_push']),
  before: objectId,
  after: objectId,
  ref: v.pipe(v.string(), v.regex(/^refs\/\S+$/, 'must be a full ref such as refs/heads/main')),
  checkout_sha: v.optional(v.nullable(objectId)),
  project: v.looseObject({ path_with_namespace: v.pipe(v.string(), v.minLength(1)) }),
  commits: v.optional(
    v.array(v.looseObject({ id: objectId, added: paths, modified: paths, removed: paths })),
    [],
  ),
  total_commits_count: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
});

const TwinWebhookSettings = v.strictObject({
  eventBusName: v.pipe(v.string(), v.minLength(1)),
  fallbackTopicArn: v.pipe(v.string(), v.minLength(1)),
  ...WebhookConfig.entries,
});

/** Leaves near the schemas' bounds and formats, and any JSON besides. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '',
    'x',
    'a'.repeat(257),
    'r'.repeat(1025),
    '/runner-autopilot/token',
    'group/project',
    'jobs',
    'Jobs',
    'refs/heads/main',
    'refs/heads/a b',
    'a'.repeat(40),
    'b'.repeat(64),
    '0'.repeat(40),
    'push',
    'tag_push',
    1023,
    1024,
    6 * 1024 * 1024,
    6 * 1024 * 1024 + 1,
    2 ** 53,
    -(2 ** 53),
    1.5,
    -1,
    0,
    null,
    true,
    [],
    {},
    [''],
    ['a'],
    { parameter: '/a' },
    { secretsManager: '' },
    { parameter: 'a', secretsManager: 'b' },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

type Json = unknown;

/** Every place in a value: a path of keys and indexes from the root. */
const placesOf = (value: Json, at: (string | number)[] = []): (string | number)[][] => [
  at,
  ...(Array.isArray(value)
    ? value.flatMap((v, i) => placesOf(v, [...at, i]))
    : typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([k, v]) => placesOf(v, [...at, k]))
      : []),
];

/** A valid value with one place replaced, removed, or given an extra key. */
const mutated = (valid: fc.Arbitrary<Json>): fc.Arbitrary<Json> =>
  fc
    .tuple(
      valid,
      fc.nat(),
      fc.constantFrom('replace', 'remove', 'add'),
      junk,
      fc.constantFrom('extra', 'tag', 'name'),
    )
    .map(([value, pick, how, leaf, key]) => {
      const copy = structuredClone(value);
      const places = placesOf(copy);
      const place = places[pick % places.length]!;
      if (place.length === 0) return how === 'replace' ? leaf : copy;
      type Node = Record<string | number, unknown>;
      const parent = place.slice(0, -1).reduce<Node>((at, k) => at[k] as Node, copy as Node);
      const last = place[place.length - 1]!;
      const child = parent[last];
      if (how === 'replace') parent[last] = leaf;
      else if (how === 'remove' && Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (how === 'remove') delete parent[last];
      else if (typeof child === 'object' && child !== null && !Array.isArray(child))
        (child as Node)[key] = leaf;
      return copy;
    });

const inputs = (valid: fc.Arbitrary<Json>): fc.Arbitrary<Json> =>
  fc.oneof({ weight: 2, arbitrary: valid }, { weight: 6, arbitrary: mutated(valid) }, junk);

const secret = fc.oneof(
  fc.stringMatching(/^\/[\w./-]{1,20}$/).map((parameter) => ({ parameter })),
  fc.string({ minLength: 1, maxLength: 12 }).map((secretsManager) => ({ secretsManager })),
);
const settings = fc.record(
  {
    eventBusName: fc.string({ minLength: 1, maxLength: 12 }),
    fallbackTopicArn: fc.constant('arn:aws:sns:us-east-2:123456789012:fallback'),
    secret,
    maxBodyBytes: fc.integer({ min: 1024, max: 6 * 1024 * 1024 }),
    rules,
  },
  { requiredKeys: ['eventBusName', 'fallbackTopicArn', 'secret', 'rules'] },
);

const functionUrlEvent = fc
  .record(
    {
      headers: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      body: fc.string({ maxLength: 20 }),
      isBase64Encoded: fc.boolean(),
      requestContext: fc.record({
        requestId: fc.uuid(),
        http: fc.record({ method: fc.constantFrom('POST', 'GET'), path: fc.constant('/') }),
      }),
      rawPath: fc.constant('/'),
    },
    { requiredKeys: ['requestContext'] },
  )
  .chain((event) => fc.constantFrom(event, fixture('gitlab/push.json')));

const bakeRequested = fc.record(
  {
    pipeline: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/),
    idempotencyKey: fc.string({ minLength: 1, maxLength: 256 }),
    reason: fc.string({ maxLength: 1024 }),
  },
  { requiredKeys: ['pipeline', 'idempotencyKey'] },
);

const verdict = (result: StandardSchemaV1.Result<unknown>) =>
  result.issues ? { refused: formatIssues(result.issues) } : { accepted: result.value };

describe('the webhook validates as valibot would', () => {
  it.each([
    ['the Function URL event', FunctionUrlEvent, TwinFunctionUrlEvent, inputs(functionUrlEvent)],
    ['the push payload', PushPayload, TwinPushPayload, inputs(push)],
    ['its settings', WebhookSettings, TwinWebhookSettings, inputs(settings)],
    [
      'the Bake Requested detail',
      BakeRequestedDetail,
      detailSchema(DetailType.BakeRequested),
      inputs(bakeRequested),
    ],
  ] as const)('%s: the same verdict, value and messages', (_what, ours, twin, input) => {
    fc.assert(
      fc.property(input, (value) => {
        expect(verdict(validateNow(ours, value))).toStrictEqual(verdict(validateNow(twin, value)));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a bad rule naming its field as valibot does', () => {
    const result = validateNow(WebhookSettings, {
      eventBusName: 'bus',
      fallbackTopicArn: 'arn:aws:sns:us-east-2:123456789012:fallback',
      secret: { parameter: '/runner-autopilot/token' },
      rules: [{ name: 'images', project: 'images', pipelines: ['jobs'] }],
    });

    expect(result.issues && formatIssues(result.issues)).toBe(
      '  - rules.0.project: must be a project path such as group/project',
    );
  });
});
