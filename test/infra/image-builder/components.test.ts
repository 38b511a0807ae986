import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { toJsonSchema } from '@valibot/to-json-schema';
import * as v from '../../../functions/shared/valibot';
import { parse } from 'yaml';

import type { Pipeline } from '../../../functions/shared/config';
import { JobsPipeline, ManagerPipeline } from '../../../functions/shared/config';
import { Fleet } from '../../../functions/shared/fleet';
import { drainBoundSeconds } from '../../../functions/shared/rollout/commands';
import { bashStep, parseDocument, serializeDocument } from '../../../infra/image-builder/component-document';
import { IMAGE_DIR, packedImageFile, planComponents } from '../../../infra/image-builder/components';
import { MAX_DRAIN_TIMEOUT_SECONDS } from '../../../infra/rollout/documents';

const jobs = (overrides: Record<string, unknown> = {}): Pipeline =>
  v.parse(JobsPipeline, {
    name: 'jobs',
    kind: 'jobs',
    instanceTypes: ['c7a.large'],
    prePullImages: ['docker.io/library/alpine:3.22'],
    kubeconfig: { mode: 'boot', parameter: '/runner-autopilot/kubeconfig' },
    ...overrides,
  });
const manager = (): Pipeline =>
  v.parse(ManagerPipeline, {
    name: 'manager',
    kind: 'manager',
    instanceTypes: ['t3.medium'],
    fleetingPluginVersion: '1.0.0',
  });
const baked = { mode: 'baked', parameter: '/k', acceptCredentialInSnapshots: true };

const allPlans = [
  ['jobs (boot kubeconfig)', planComponents('d-jobs', jobs(), '18.6.2')],
  ['jobs (baked kubeconfig)', planComponents('d-jobs', jobs({ kubeconfig: baked }), '18.6.2')],
  [
    'jobs (no kubeconfig, no images)',
    planComponents('d-jobs', jobs({ kubeconfig: { mode: 'none' }, prePullImages: [] }), '18.6.2'),
  ],
  ['manager', planComponents('d-manager', manager(), '18.6.2')],
] as const;
const commandsOf = (plan: {
  document: { phases: readonly { steps: readonly { inputs: { commands: readonly string[] } }[] }[] };
}) => plan.document.phases.flatMap((p) => p.steps.flatMap((s) => s.inputs.commands));

describe('planComponents', () => {
  it.each(allPlans)('%s: every document round-trips through YAML', (_name, plans) => {
    for (const plan of plans) expect(parseDocument(plan.data)).toEqual(plan.document);
  });

  it.each(allPlans)('%s: every step is valid bash', (_name, plans) => {
    for (const command of plans.flatMap(commandsOf))
      expect(spawnSync('bash', ['-n'], { input: command, encoding: 'utf8' }).stderr).toBe('');
  });

  it('orders job components so prerequisites come first and the test runs in the test phase', () => {
    const plans = planComponents('d-jobs', jobs(), '18.6.2');

    expect(plans.map((p) => p.key)).toEqual([
      'base',
      'docker',
      'gitlab-runner',
      'aws-cli',
      'ssm-agent',
      'tools',
      'connector-user',
      'pre-pull-images',
      'kubeconfig-boot',
      'test-jobs',
    ]);
    expect(plans.map((p) => p.document.phases.map((ph) => ph.name))).toEqual([
      ...Array(9).fill(['build']),
      ['test'],
    ]);
  });

  it('puts the configured versions, user and images into the job documents as exports', () => {
    const plans = planComponents(
      'd-jobs',
      jobs({ connectorUser: 'ci', tools: { kubectl: '1.33.1' } }),
      '18.6.2',
    );
    const text = plans.map((p) => p.data).join('\n');

    expect(text).toContain("export RUNNER_VERSION='18.6.2'");
    expect(text).toContain("export KUBECTL_VERSION='1.33.1'");
    expect(text).toContain("export HELM_VERSION='3.19.2'");
    expect(text).toContain("export TERRAFORM_VERSION='1.14.0'");
    expect(text).toContain("export CONNECTOR_USER='ci'");
    expect(text).toContain("export PRE_PULL_IMAGES='docker.io/library/alpine:3.22'");
    expect(text).toContain("export KUBECONFIG_MODE='boot'");
  });

  it('leaves out the pre-pull and kubeconfig components when there is nothing to do', () => {
    const keys = planComponents(
      'd-jobs',
      jobs({ kubeconfig: { mode: 'none' }, prePullImages: [] }),
      '18.6.2',
    ).map((p) => p.key);

    expect(keys).not.toContain('pre-pull-images');
    expect(keys.filter((k) => k.startsWith('kubeconfig'))).toEqual([]);
  });

  it('bakes the kubeconfig by running the fetch script at build time in baked mode', () => {
    const plan = planComponents('d-jobs', jobs({ kubeconfig: baked }), '18.6.2').find(
      (p) => p.key === 'kubeconfig-baked',
    );

    expect(commandsOf(plan!)[0]).toContain('aws ssm get-parameter');
    expect(commandsOf(plan!)[0]).toContain("export KUBECONFIG_PARAMETER='/k'");
  });

  it('installs the manager runner service without enabling it, and pins the fleeting plugin', () => {
    const plans = planComponents('d-manager', manager(), '18.6.2');
    const service = commandsOf(plans.find((p) => p.key === 'runner-service')!)[0];

    expect(plans.map((p) => p.key)).toEqual([
      'base',
      'gitlab-runner',
      'aws-cli',
      'ssm-agent',
      'runner-service',
      'config-helpers',
      'config-apply',
      'config-boot',
      'cloudwatch-agent',
      'runner-metrics',
      'test-manager',
    ]);
    expect(service).toContain(
      'gitlab-runner install --user gitlab-runner --working-directory /home/gitlab-runner',
    );
    expect(service).toContain('systemctl disable gitlab-runner.service');
    expect(service).not.toMatch(/systemctl (enable|start)[^\n]*gitlab-runner/);
    expect(service).toContain("export FLEETING_PLUGIN_VERSION='1.0.0'");
  });

  it('installs and enables the config boot unit in the manager image, with apply-config.sh and its helpers', () => {
    const plans = planComponents('d-manager', manager(), '18.6.2');
    const packed = (key: string) => {
      const command = commandsOf(plans.find((p) => p.key === key)!)[0]!;
      const files: Record<string, string> = {};
      for (const [, name, value] of command.matchAll(/^export ([A-Z_]+_GZ)='([A-Za-z0-9+/=]+)'$/gm))
        files[name!] = gunzipSync(Buffer.from(value!, 'base64')).toString('utf8');
      return { command, files };
    };
    const source = (path: string) => readFileSync(join(IMAGE_DIR, path), 'utf8');
    const boot = packed('config-boot');

    expect(packed('config-helpers').files).toEqual({
      LIB_SH_GZ: source('ssm/lib.sh'),
      RUNNER_SERVICE_SH_GZ: source('ssm/runner-service.sh'),
      INSTANCE_TAGS_SH_GZ: source('ssm/instance-tags.sh'),
      BOOT_SCRIPT_GZ: source('scripts/runner-autopilot-config-boot.sh'),
    });
    expect(packed('config-apply').files).toEqual({ APPLY_CONFIG_SH_GZ: source('ssm/apply-config.sh') });
    expect(boot.files).toEqual({
      RUNNER_CONFIG_PY_GZ: source('ssm/runner_config.py'),
      BOOT_UNIT_GZ: source('files/runner-autopilot-config.service'),
    });
    expect(boot.command).toContain(source('scripts/install-config-boot.sh').trimEnd());
    expect(boot.command).toContain('systemctl enable runner-autopilot-config.service');
    const unit = boot.files.BOOT_UNIT_GZ!;
    expect(unit).toMatch(/^Before=gitlab-runner\.service$/m);
    expect(unit).toMatch(/^Type=oneshot$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/sbin\/runner-autopilot-config-boot$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
    // The runner itself stays disabled: only the boot unit starts it, and never on a canary.
    expect(source('scripts/runner-autopilot-config-boot.sh')).toContain(
      'systemctl start --no-block gitlab-runner.service',
    );
  });

  it('packs files the same way on every synth', () => {
    expect(packedImageFile('ssm/runner_config.py')).toBe(packedImageFile('ssm/runner_config.py'));
  });

  it('changes only the version of the component whose content changed', () => {
    const before = planComponents('d-jobs', jobs(), '18.6.2');
    const after = planComponents('d-jobs', jobs({ tools: { helm: '3.19.3' } }), '18.6.2');
    const changed = before.filter((p, i) => p.version !== after[i]?.version).map((p) => p.key);

    expect(changed).toEqual(['tools', 'test-jobs']);
  });

  it('keeps every version when nothing changed', () => {
    expect(planComponents('d-jobs', jobs(), '18.6.2').map((p) => p.version)).toEqual(
      planComponents('d-jobs', jobs(), '18.6.2').map((p) => p.version),
    );
  });
});

describe('bashStep', () => {
  it('runs the script after strict mode and the exports', () => {
    const step = bashStep('Hello', 'echo "$GREETING"\n', { GREETING: "it's me" });

    const run = spawnSync('bash', ['-c', step.inputs.commands[0]!], { encoding: 'utf8' });

    expect(run.stdout).toBe("it's me\n");
    expect(step.inputs.commands[0]).toMatch(/^set -euo pipefail\nexport GREETING=/);
  });

  it('throws when a step contains {{, which Image Builder would expand', () => {
    expect(() => bashStep('Helm', "helm version --template '{{.Version}}'")).toThrow(
      /step "Helm" contains "\{\{"/,
    );
  });

  it('throws when a step name is not alphanumeric', () => {
    expect(() => bashStep('bad-name', 'true')).toThrow(/invalid step name "bad-name"/);
  });
});

describe('serializeDocument', () => {
  it('throws when a document is over the 16,000 character limit of inline data', () => {
    const doc = {
      schemaVersion: '1.0',
      name: 'big',
      description: '',
      phases: [{ name: 'build', steps: [bashStep('Big', 'x'.repeat(17000))] }],
    } as const;

    expect(() => serializeDocument(doc)).toThrow(
      /component "big" is \d+ characters, over Image Builder's 16000/,
    );
  });

  it('writes schemaVersion 1.0 with ExecuteBash steps', () => {
    const doc = parse(planComponents('d-jobs', jobs(), '18.6.2')[0]!.data);

    expect(doc).toMatchObject({
      schemaVersion: '1.0',
      phases: [{ name: 'build', steps: [{ action: 'ExecuteBash' }] }],
    });
  });
});

describe('the config boot script', () => {
  it("gives the drain drop-in, without a bound of its own, one that outlasts any fleet's", () => {
    const script = readFileSync(join(IMAGE_DIR, 'scripts', 'runner-autopilot-config-boot.sh'), 'utf8');
    const longest = Number(/^LONGEST_DRAIN_SECONDS=(\d+)$/m.exec(script)?.[1]);
    const { properties } = toJsonSchema(Fleet, { typeMode: 'input', errorMode: 'ignore' }) as {
      properties: Record<string, { maximum?: number }>;
    };
    const maxJobMinutes = properties.maxJobMinutes?.maximum ?? Number.NaN;

    expect(longest).toBe(drainBoundSeconds({ maxJobMinutes }));
    expect(longest).toBeLessThanOrEqual(MAX_DRAIN_TIMEOUT_SECONDS);
  });
});
