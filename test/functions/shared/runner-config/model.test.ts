import fc from 'fast-check';
import { stringify } from 'smol-toml';

import {
  durationMs,
  parseRunnerConfig,
  readRunnerConfig,
  type RunnerConfig,
} from '../../../../functions/shared/runner-config/model';

const configOf = (text: string): RunnerConfig => {
  const parsed = parseRunnerConfig(text);
  if (parsed.kind !== 'config') throw new Error(`expected a config, got ${JSON.stringify(parsed)}`);
  return parsed.config;
};

const AUTOSCALED = `concurrent = 8
[[runners]]
  name = "docker"
  url = "https://gitlab.example.com"
  id = 7
  token = "glrt-a"
  executor = "docker-autoscaler"
  [runners.docker]
  [runners.autoscaler]
    plugin = "aws:latest"
    capacity_per_instance = 4
    max_instances = 10
    max_use_count = 1
    [runners.autoscaler.connector_config]
      username = "ubuntu"
    [runners.autoscaler.plugin_config]
      name = "jobs-docker"
      region = "eu-central-1"
    [[runners.autoscaler.policy]]
      idle_count = 4
      idle_time = "20m"
    [[runners.autoscaler.policy]]
      periods = ["* 8-18 * * mon-fri"]
      timezone = "Europe/Berlin"
      idle_count = 12
      scale_factor = 0.5
      scale_factor_limit = 16
`;

describe('parseRunnerConfig', () => {
  it('reads a runner, its autoscaler and its policies in order', () => {
    const [runner] = configOf(AUTOSCALED).runners;

    expect(runner).toMatchObject({
      index: 0,
      name: 'docker',
      url: 'https://gitlab.example.com',
      id: 7,
      token: 'glrt-a',
      executor: 'docker-autoscaler',
      docker: {},
      autoscaler: {
        plugin: 'aws:latest',
        capacityPerInstance: 4,
        maxInstances: 10,
        maxUseCount: 1,
        connectorUsername: 'ubuntu',
        pluginConfig: { name: 'jobs-docker', region: 'eu-central-1' },
        policies: [
          { idleCount: 4, idleTime: '20m' },
          {
            periods: ['* 8-18 * * mon-fri'],
            timezone: 'Europe/Berlin',
            idleCount: 12,
            scaleFactor: 0.5,
            scaleFactorLimit: 16,
          },
        ],
      },
    });
  });

  it.each([
    ['left out: the default 1', '', { value: 1, defaulted: true }],
    ['written', 'concurrent = 3', { value: 3, defaulted: false }],
    ['written as a string: none', 'concurrent = "3"', undefined],
  ])('reads concurrent %s', (_, text, concurrent) => {
    expect(configOf(text).concurrent).toEqual(concurrent);
  });

  it.each([
    ['a string id', 'id = "7"', { id: undefined }],
    ['a numeric name', 'name = 5', { name: undefined }],
    ['environment with a non-string', 'environment = ["A=1", 2]', { environment: undefined }],
    ['a docker section that is not a table', 'docker = "x"', { docker: undefined }],
    ['an autoscaler that is a date', 'autoscaler = 2026-01-01T00:00:00Z', { autoscaler: undefined }],
  ])('reads %s as absent', (_, line, expected) => {
    expect(configOf(`[[runners]]\n${line}\n`).runners[0]).toMatchObject(expected);
  });

  it('reads policy periods with a non-string element as absent', () => {
    const text =
      '[[runners]]\n[runners.autoscaler]\n[[runners.autoscaler.policy]]\nperiods = ["* * * * *", 1]\n';

    expect(configOf(text).runners[0]?.autoscaler?.policies).toEqual([
      expect.objectContaining({ periods: undefined }),
    ]);
  });

  it('keeps the position of each runner table among other values', () => {
    const { runners } = configOf('runners = [1, { name = "b" }]');

    expect(runners).toEqual([expect.objectContaining({ index: 1, name: 'b' })]);
  });

  it.each([
    ['written as a string', 'listen_address = "127.0.0.1:9252"', '127.0.0.1:9252'],
    ['missing', 'concurrent = 1', undefined],
    ['written as a number', 'listen_address = 9252', undefined],
  ])('reads listen_address %s', (_, text, address) => {
    expect(configOf(text).listenAddress).toBe(address);
  });

  it('keeps the document as written, unknown keys included', () => {
    expect(configOf('listen_address = ":9252"\nsurprise = 1\n').document).toEqual({
      listen_address: ':9252',
      surprise: 1,
    });
  });

  it.each([
    ['an unclosed table header', 'a = 1\n[b\n', 2],
    ['a key without a value', 'a = 1\nb = 2\nc =\n', 3],
    ['a duplicate key', 'a = 1\na = 2\n', 2],
  ])('reports %s as a syntax error on its line', (_, text, line) => {
    const parsed = parseRunnerConfig(text);

    expect(parsed).toEqual({ kind: 'syntax-error', error: { line, reason: expect.any(String) } });
    expect(parsed.kind === 'syntax-error' && parsed.error.reason).not.toMatch(/\n|^Invalid TOML document/);
  });

  it('never throws, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const parsed = parseRunnerConfig(text);

        return parsed.kind === 'config' || parsed.error.line <= text.split('\n').length;
      }),
    );
  });
});

describe('readRunnerConfig', () => {
  it('throws on text that is not TOML, naming the line', () => {
    expect(() => readRunnerConfig('a = 1\n[b\n')).toThrow(/line 2/);
  });
});

describe('durationMs', () => {
  it.each([
    ['0', 0],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['-2m', -120_000],
    ['500ms', 500],
    ['30', undefined],
    ['1d', undefined],
    ['', undefined],
  ])('reads %p as %p ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });
});

describe('the model of a rendered config (property)', () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
  const policy = fc.record(
    {
      periods: fc.array(fc.constantFrom('* * * * *', '* 8-18 * * mon-fri', '0 1 * * *'), { maxLength: 2 }),
      timezone: fc.constantFrom('UTC', 'Europe/Berlin'),
      idle_count: fc.nat({ max: 50 }),
      idle_time: fc.constantFrom('0', '30s', '20m', '1h30m'),
      scale_factor: fc.constantFrom(0, 0.5, 2),
      scale_factor_limit: fc.nat({ max: 16 }),
    },
    { requiredKeys: [] },
  );
  const runner = fc.record({
    name: word,
    url: word.map((w) => `https://${w}.example.com`),
    id: fc.integer({ min: 0, max: 1_000_000 }),
    token: word,
    executor: fc.constantFrom('instance', 'docker-autoscaler', 'shell'),
    autoscaler: fc.option(
      fc.record({
        plugin: fc.constant('aws:latest'),
        capacity_per_instance: fc.integer({ min: 1, max: 8 }),
        max_instances: fc.nat({ max: 100 }),
        plugin_config: fc.record({ name: word }),
        policy: fc.array(policy, { maxLength: 3 }),
      }),
      { nil: undefined },
    ),
  });
  const document = fc.record({
    concurrent: fc.integer({ min: 1, max: 100 }),
    listen_address: fc.constant(':9252'),
    runners: fc.array(runner, { maxLength: 3 }),
  });

  it('round-trips what the readers read', () => {
    fc.assert(
      fc.property(document, (doc) => {
        const config = configOf(stringify(doc));

        expect(config.concurrent).toEqual({ value: doc.concurrent, defaulted: false });
        expect(config.listenAddress).toBe(doc.listen_address);
        expect(config.runners).toHaveLength(doc.runners.length);
        config.runners.forEach((r, i) => {
          const written = doc.runners[i]!;
          expect(r).toMatchObject({
            index: i,
            name: written.name,
            url: written.url,
            id: written.id,
            token: written.token,
            executor: written.executor,
          });
          if (!written.autoscaler) return expect(r.autoscaler).toBeUndefined();
          expect(r.autoscaler).toMatchObject({
            plugin: written.autoscaler.plugin,
            capacityPerInstance: written.autoscaler.capacity_per_instance,
            maxInstances: written.autoscaler.max_instances,
            pluginConfig: { name: written.autoscaler.plugin_config.name },
          });
          expect(r.autoscaler?.policies).toEqual(
            written.autoscaler.policy.map((p) => ({
              periods: p.periods,
              timezone: p.timezone,
              idleCount: p.idle_count,
              idleTime: p.idle_time,
              scaleFactor: p.scale_factor,
              scaleFactorLimit: p.scale_factor_limit,
            })),
          );
        });
      }),
      { numRuns: 200 },
    );
  });
});
