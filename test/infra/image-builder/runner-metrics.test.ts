import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { parse } from 'yaml';

import * as v from '../../../functions/shared/valibot';
import type { Pipeline } from '../../../functions/shared/config';
import { JobsPipeline, ManagerPipeline } from '../../../functions/shared/config';
import { MAX_COMPONENT_DATA } from '../../../infra/image-builder/component-document';
import { IMAGE_DIR, planComponents } from '../../../infra/image-builder/components';

const manager = (): Pipeline =>
  v.parse(ManagerPipeline, {
    name: 'manager',
    kind: 'manager',
    instanceTypes: ['t3.medium'],
    fleetingPluginVersion: '1.0.0',
  });
const jobs = (): Pipeline =>
  v.parse(JobsPipeline, { name: 'jobs', kind: 'jobs', instanceTypes: ['c7a.large'] });
const source = (path: string) => readFileSync(join(IMAGE_DIR, path), 'utf8');
const commandOf = (plan: {
  document: { phases: readonly { steps: readonly { inputs: { commands: readonly string[] } }[] }[] };
}) => plan.document.phases.flatMap((p) => p.steps.flatMap((s) => s.inputs.commands)).join('\n');
const packedFiles = (command: string) => {
  const files: Record<string, string> = {};
  for (const [, name, value] of command.matchAll(/^export ([A-Z_]+_GZ)='([A-Za-z0-9+/=]+)'$/gm))
    files[name!] = gunzipSync(Buffer.from(value!, 'base64')).toString('utf8');
  return files;
};
/** A template as the boot script fills it in. */
const filled = (path: string, fleet = 'gitlab-manager', dir = '/etc/runner-autopilot/metrics') =>
  source(path).replaceAll('__FLEET__', fleet).replaceAll('__METRICS_DIR__', dir);

interface Declaration {
  source_labels: string[];
  label_matcher: string;
  dimensions: string[][];
  metric_selectors: string[];
}

describe('the runner-metrics component', () => {
  it('is in the manager image, after the CloudWatch agent and before the image test', () => {
    const keys = planComponents('d-manager', manager(), '18.6.2').map((p) => p.key);

    expect(keys.indexOf('runner-metrics')).toBe(keys.indexOf('cloudwatch-agent') + 1);
    expect(keys.indexOf('runner-metrics')).toBeLessThan(keys.indexOf('test-manager'));
  });

  it('is in no jobs image', () => {
    const plans = planComponents('d-jobs', jobs(), '18.6.2');

    expect(plans.map((p) => p.key)).not.toContain('runner-metrics');
    expect(plans.map((p) => p.data).join('\n')).not.toContain('runner-autopilot-metrics');
  });

  it('installs and enables the metrics unit with its boot script and both templates', () => {
    const plan = planComponents('d-manager', manager(), '18.6.2').find((p) => p.key === 'runner-metrics')!;
    const command = commandOf(plan);

    expect(packedFiles(command)).toEqual({
      METRICS_BOOT_SCRIPT_GZ: source('scripts/runner-metrics-boot.sh'),
      METRICS_UNIT_GZ: source('files/runner-metrics/runner-autopilot-metrics.service'),
      AGENT_CONFIG_GZ: source('files/runner-metrics/amazon-cloudwatch-agent.json'),
      PROMETHEUS_CONFIG_GZ: source('files/runner-metrics/prometheus.yaml'),
    });
    expect(command).toContain(source('scripts/install-runner-metrics.sh').trimEnd());
    expect(command).toContain('systemctl enable runner-autopilot-metrics.service');
    expect(plan.data.length).toBeLessThan(MAX_COMPONENT_DATA);
  });

  it('orders the unit after the config unit and never before gitlab-runner', () => {
    const unit = source('files/runner-metrics/runner-autopilot-metrics.service');

    expect(unit).toMatch(/^After=.*\brunner-autopilot-config\.service\b/m);
    expect(unit).not.toMatch(/^(Before|RequiredBy|WantedBy)=.*gitlab-runner/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/sbin\/runner-metrics-boot$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
  });
});

describe('the CloudWatch agent templates', () => {
  const agent = JSON.parse(filled('files/runner-metrics/amazon-cloudwatch-agent.json')) as {
    logs: {
      metrics_collected: {
        prometheus: {
          log_group_name: string;
          prometheus_config_path: string;
          emf_processor: { metric_namespace: string; metric_declaration: Declaration[] };
        };
      };
    };
  };
  const prometheus = agent.logs.metrics_collected.prometheus;

  it('publishes through EMF to RunnerAutopilot/Runner, reading the scrape config beside it', () => {
    expect(prometheus.emf_processor.metric_namespace).toBe('RunnerAutopilot/Runner');
    expect(prometheus.prometheus_config_path).toBe('/etc/runner-autopilot/metrics/prometheus.yaml');
    expect(prometheus.log_group_name).toBe('/runner-autopilot/runner-metrics/gitlab-manager');
  });

  it('declares the contract metrics, each with the fleet in every dimension set', () => {
    const declared = prometheus.emf_processor.metric_declaration.flatMap((d) =>
      d.metric_selectors.map((selector) => [selector, d.dimensions] as const),
    );

    expect(Object.fromEntries(declared)).toEqual({
      '^gitlab_runner_failed_jobs_total$': [['fleet'], ['fleet', 'failure_reason']],
      '^gitlab_runner_jobs$': [['fleet'], ['fleet', 'state']],
      '^fleeting_provisioner_instances$': [['fleet'], ['fleet', 'state']],
      '^fleeting_taskscaler_tasks$': [['fleet'], ['fleet', 'state']],
    });
    for (const d of prometheus.emf_processor.metric_declaration) {
      expect(d.source_labels).toEqual(['job']);
      expect(d.label_matcher).toBe('^gitlab-runner$');
    }
  });

  it('scrapes the runner on 127.0.0.1:9252 every 60 s as job gitlab-runner, labelled with the fleet', () => {
    const config = parse(filled('files/runner-metrics/prometheus.yaml')) as {
      global: { scrape_interval: string };
      scrape_configs: { job_name: string; static_configs: { targets: string[]; labels: object }[] }[];
    };

    expect(config.global.scrape_interval).toBe('60s');
    expect(config.scrape_configs).toEqual([
      expect.objectContaining({
        job_name: 'gitlab-runner',
        static_configs: [{ targets: ['127.0.0.1:9252'], labels: { fleet: 'gitlab-manager' } }],
      }),
    ]);
  });

  it('leaves nothing for Image Builder to expand', () => {
    for (const path of ['amazon-cloudwatch-agent.json', 'prometheus.yaml'])
      expect(source(`files/runner-metrics/${path}`)).not.toContain('{{');
  });
});
