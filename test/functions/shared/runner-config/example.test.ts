import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'smol-toml';
import { parse as parseYaml } from 'yaml';

import { lintRunnerConfig } from '../../../../functions/shared/runner-config/lint';
import {
  parseValues,
  placeholdersOf,
  renderTemplate,
} from '../../../../functions/shared/runner-config/render';

const ROOT = join(__dirname, '..', '..', '..', '..');
const template = readFileSync(join(ROOT, 'config', 'manager', 'config.toml.tmpl'), 'utf8');
const values = parseValues(JSON.parse(readFileSync(join(ROOT, 'config', 'manager', 'values.json'), 'utf8')));

/** The job groups of the manager fleet "manager" in config/example.yaml. */
const jobGroups = (
  parseYaml(readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8')) as {
    fleets: { manager?: string; autoScalingGroup: string }[];
  }
).fleets
  .filter((f) => f.manager === 'manager')
  .map((f) => f.autoScalingGroup);

describe('the example manager config (config/manager)', () => {
  const rendered = renderTemplate(template, values);

  it('renders with every placeholder resolved and secrets as dummies', () => {
    expect(rendered.unresolved).toEqual([]);
    expect(rendered.secretsUsed).toEqual([
      '/runner-autopilot/gitlab-runners/manager/instance-runner-token',
      '/runner-autopilot/gitlab-runners/manager/docker-runner-token',
    ]);
  });

  it('lints clean against the fleet of config/example.yaml', () => {
    expect(jobGroups).toEqual(['gitlab-runner-ao-group', 'gitlab-runner-ao-group-docker']);

    expect(lintRunnerConfig(rendered.text, { jobGroups })).toEqual([]);
  });

  it('keeps every secret in a SecureString parameter', () => {
    for (const name of ['instance_runner_token', 'docker_runner_token'])
      expect(values[name]).toEqual({
        secureParameter: expect.stringMatching(/^\/runner-autopilot\/gitlab-runners\/manager\//),
      });
  });

  it('uses every value it defines', () => {
    expect(placeholdersOf(template).sort()).toEqual(Object.keys(values).sort());
  });

  it('is the manager the issue describes', () => {
    const doc = parse(rendered.text) as {
      concurrent: number;
      listen_address: string;
      runners: {
        executor: string;
        id: number;
        docker?: object;
        cache: { Type: string; s3: { BucketName: string; AuthenticationType: string } };
        autoscaler: {
          plugin: string;
          max_use_count: number;
          plugin_config: { name: string; region: string };
          connector_config: { username: string };
          policy: { periods: string[] }[];
        };
      }[];
    };

    expect(doc.listen_address).toBe(':9252');
    expect(doc.runners.map((r) => r.executor)).toEqual(['instance', 'docker-autoscaler']);
    expect(doc.runners[1]!.docker).toBeDefined();
    for (const r of doc.runners) {
      expect(r.id).toBeGreaterThan(0);
      expect(r.cache).toMatchObject({
        Type: 's3',
        s3: { BucketName: values.cache_bucket, AuthenticationType: 'iam' },
      });
      expect(r.autoscaler).toMatchObject({
        plugin: 'aws:latest',
        plugin_config: { region: 'us-east-2' },
        connector_config: { username: 'ubuntu' },
      });
      expect(r.autoscaler.max_use_count).toBeGreaterThan(0);
      expect(r.autoscaler.policy.map((p) => p.periods)).toEqual([['* * * * *'], ['* 8-18 * * mon-fri']]);
    }
  });

  it('fits a standard SSM parameter (4 KB)', () => {
    expect(Buffer.byteLength(template)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(JSON.stringify(values))).toBeLessThanOrEqual(4096);
  });
});
