import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse as parseYaml } from 'yaml';

import { composeAlert } from '../../../functions/alert/compose';
import { type AlertableInput, AlertInput } from '../../../functions/alert/schema';
import { SweepInput } from '../../../functions/fleet-sweeper/schema';
import { parseSuiteConfig } from '../../../functions/shared/config';
import { busEntry, DetailType } from '../../../functions/shared/events';
import { makeHandler } from '../../../functions/shared/make-handler';
import { parseValues } from '../../../functions/shared/runner-config/render';
import * as v from '../../../functions/shared/valibot';
import { PARAMETER_PATTERNS } from '../../../infra/ssm/documents';
import { context } from '../../../rehearsal/context';
import { bakeFailed, SETTINGS } from '../alert/samples';
import { output, startCapture, stopCapture } from '../../helpers/output';

/**
 * What the schemas did under zod and must still do under valibot, from the migration's review:
 * each case failed on the first valibot version.
 */

const ROOT = join(__dirname, '..', '..', '..');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const example = (): Json => parseYaml(readFileSync(join(ROOT, 'config/example.yaml'), 'utf8')) as Json;
const withChange = (change: (c: Json) => void): Json => {
  const c = example();
  change(c);
  return c;
};

describe('a refused value never reaches a log line', () => {
  const SECRET = 'glpat-REVIEWSECRET0123';
  beforeEach(startCapture);
  afterEach(stopCapture);

  // zod's ZodError kept its issues non-enumerable and without inputs; valibot's ValiError has an
  // enumerable `issues` whose `input`, `received` and path items hold the refused value, and
  // Powertools' Logger logs every enumerable property of an error.
  it('a busEntry whose detail is refused, logged as "failed" by the handler, does not log the value', async () => {
    const handler = makeHandler({
      name: 'review',
      schema: v.looseObject({}),
      run: () => {
        busEntry(DetailType.RollbackRequested, { fleet: SECRET, idempotencyKey: 'k' }, 'bus');
        return Promise.resolve({ outcome: 'done' });
      },
    });

    await expect(handler({}, context('review'))).rejects.toThrow();
    expect(output()).not.toContain(SECRET);
  });
});

describe('timestamps: valibot isoTimestamp accepts what z.iso.datetime refused', () => {
  // The envelope's `time` was z.iso.datetime() (Z only); now anything isoTimestamp's regex admits,
  // including forms Date cannot read and dates that do not exist.
  it.each([
    '2026-11-30T02:41:07+00',
    '2026-11-30T02:41:07 +00:00',
    '2026-02-30T02:41:07Z',
    '2026-11-30 02:41:07Z',
  ])('the alert input refuses time %j', (time) => {
    expect(v.safeParse(AlertInput, { ...bakeFailed(), time }).success).toBe(false);
  });

  it('an accepted Bake Failed composes its alert (no RangeError, so no transient retry loop)', () => {
    const parsed = v.safeParse(AlertInput, { ...bakeFailed(), time: '2026-11-30T02:41:07+00' });
    if (!parsed.success) return;
    expect(() =>
      composeAlert(
        parsed.output as AlertableInput,
        { status: 'firing', held: 0 },
        { instances: [] },
        SETTINGS,
      ),
    ).not.toThrow();
  });

  it.each(['2026-02-30T02:00:00Z', '2026-11-30T02:00:00+05'])(
    'the sweep schedule refuses %j',
    (scheduledTime) => {
      expect(v.safeParse(SweepInput, { scheduledTime }).success).toBe(false);
    },
  );
});

describe('objects and records: valibot takes an array for them, zod did not', () => {
  it.each<[string, (c: Json) => void]>([
    ['pipelines[0].schedule', (c) => (c.pipelines[0].schedule = [])],
    ['pipelines[0].tools', (c) => (c.pipelines[0].tools = [])],
    ['fleets[0].health', (c) => (c.fleets[0].health = [])],
    ['fleets[2].canary', (c) => (c.fleets[2].canary = [])],
    ['alerts', (c) => (c.alerts = [])],
    ['housekeeping', (c) => (c.housekeeping = [])],
  ])('the suite config refuses [] for %s (its JSON Schema says object)', (_path, change) => {
    expect(() => parseSuiteConfig(withChange(change))).toThrow(/invalid config/);
  });

  it('a values file that is a list is refused', () => {
    expect(() => parseValues([])).toThrow(/not a valid values file/);
  });
});

describe("records: valibot drops the keys 'prototype' and 'constructor', so no name may be one", () => {
  // The stack keys records by pipeline and fleet names (connector users, config prefixes).
  it.each(['prototype', 'constructor'])('a pipeline named %j is refused', (pipeline) => {
    const config = withChange((c) => (c.pipelines[0].name = pipeline));

    expect(() => parseSuiteConfig(config)).toThrow(
      'pipelines.0.name: constructor and prototype are reserved words: choose another name',
    );
  });
});

describe('integers: v.integer() has no safe-integer bound, z.int() had', () => {
  it.each<[string, (c: Json) => void]>([
    ['fleets[0].health.idleAlarmThreshold', (c) => (c.fleets[0].health.idleAlarmThreshold = 2 ** 53)],
    ['fleets[0].health.systemFailureThreshold', (c) => (c.fleets[0].health.systemFailureThreshold = 1e300)],
    ['gitlab.webhook.reservedConcurrency', (c) => (c.gitlab.webhook.reservedConcurrency = 1e300)],
  ])('the suite config refuses an unsafe integer at %s', (_path, change) => {
    expect(() => parseSuiteConfig(withChange(change))).toThrow(/invalid config/);
  });

  it('the JSON Schema keeps the bound (098e8ea had maximum 9007199254740991)', () => {
    const schema = JSON.parse(
      readFileSync(join(ROOT, 'schema/runner-autopilot.schema.json'), 'utf8'),
    ) as Json;
    expect(schema.properties.gitlab.properties.webhook.properties.reservedConcurrency.maximum).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });
});

describe('emails: valibot refuses addresses zod accepted', () => {
  it.each(["o'neil@example.com", 'ops@xn--mnchen-3ya.de'])('alerts.emails accepts %j', (email) => {
    expect(() => parseSuiteConfig(withChange((c) => (c.alerts.emails = [email])))).not.toThrow();
  });
});

describe('gitlab.url: zod trimmed it, valibot keeps the whitespace', () => {
  it('an accepted URL passes the GitlabUrl parameter pattern of every rollout command', () => {
    const config = parseSuiteConfig(withChange((c) => (c.gitlab.url = 'https://gitlab.example.com\n')));
    expect(config.gitlab.url).toMatch(new RegExp(PARAMETER_PATTERNS.httpsUrl));
  });
});

describe('"did you mean": a secret reference names its unknown key', () => {
  it('{ parameter, secretsManagr } names "secretsManagr" (098e8ea did)', () => {
    const config = withChange((c) => (c.gitlab.webhook.secret = { parameter: '/a', secretsManagr: 'b' }));
    expect(() => parseSuiteConfig(config)).toThrow(/secretsManagr/);
  });
});
