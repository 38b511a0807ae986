import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { RunnerConfigParameters } from '../../../infra/rollout/runner-config-parameters';
import { testApp } from '../../helpers/app';

const MANAGER = join(__dirname, '..', '..', '..', 'config', 'manager');
const JOB_GROUPS = ['gitlab-runner-ao-group', 'gitlab-runner-ao-group-docker'];

const withTemplate = (text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'runner-config-')), 'config.toml.tmpl');
  writeFileSync(file, text);
  return file;
};

const synth = (
  templateFile = join(MANAGER, 'config.toml.tmpl'),
  fleet = 'manager',
  recycledGroups: string[] = [],
  valuesFile = join(MANAGER, 'values.json'),
) => {
  const stack = new Stack(testApp(), 'Stack', { env: { account: '123456789012', region: 'us-east-2' } });
  const parameters = new RunnerConfigParameters(stack, 'Config', {
    deployment: 'gitlab-runners',
    fleet,
    templateFile,
    valuesFile,
    jobGroups: JOB_GROUPS,
    recycledGroups,
  });
  return { parameters, template: Template.fromStack(stack) };
};

describe('RunnerConfigParameters', () => {
  it('publishes template, values and manifest under the fleet prefix', () => {
    const { parameters, template } = synth();

    expect(parameters.prefix).toBe('/runner-autopilot/gitlab-runners/manager/config');
    for (const name of ['template', 'values', 'manifest']) {
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `${parameters.prefix}/${name}`,
        Type: 'String',
      });
    }
  });

  it('publishes secret values only as parameter names', () => {
    const { template } = synth();
    const values = JSON.parse(readFileSync(join(MANAGER, 'values.json'), 'utf8')) as Record<string, unknown>;
    const secretNames = Object.values(values).flatMap((v) =>
      typeof v === 'object' && v !== null && 'secureParameter' in v ? [String(v.secureParameter)] : [],
    );

    expect(secretNames.length).toBeGreaterThan(0);
    const published = JSON.stringify(template.findResources('AWS::SSM::Parameter'));
    for (const name of secretNames) expect(published).toContain(name);
  });

  it('publishes JSON numbers of the values file as text, as the instance reads them', () => {
    const values = JSON.parse(readFileSync(join(MANAGER, 'values.json'), 'utf8')) as Record<string, unknown>;
    const valuesFile = join(mkdtempSync(join(tmpdir(), 'runner-config-')), 'values.json');
    writeFileSync(valuesFile, JSON.stringify({ ...values, instance_runner_id: 101 }));

    const { parameters, template } = synth(undefined, 'manager', [], valuesFile);

    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `${parameters.prefix}/values`,
      Value: JSON.stringify({ ...values, instance_runner_id: '101' }),
    });
  });

  it.each([
    ['a template under 4 KB', ''],
    ['a template over 4 KB', '# padding\n'.repeat(150)],
  ])('publishes %s with Intelligent-Tiering, which never fails when a value shrinks', (_, padding) => {
    const text = `${readFileSync(join(MANAGER, 'config.toml.tmpl'), 'utf8')}\n${padding}`;

    const { template } = synth(withTemplate(text));

    const tiers = Object.values(template.findResources('AWS::SSM::Parameter')).map(
      (r) => (r as { Properties: { Tier?: string } }).Properties.Tier,
    );
    expect(tiers).toEqual(['Intelligent-Tiering', 'Intelligent-Tiering', 'Intelligent-Tiering']);
  });

  it('throws when the template is over 8 KB, naming the fleet, the file and the limit', () => {
    const big = `${readFileSync(join(MANAGER, 'config.toml.tmpl'), 'utf8')}\n${'# padding\n'.repeat(900)}`;

    expect(() => synth(withTemplate(big))).toThrow(
      /fleet manager: the template \(.*config\.toml\.tmpl\) is \d+ bytes, over Parameter Store's limit of 8192 bytes/,
    );
  });

  it('throws when the template does not lint, naming the file, line and rule', () => {
    const broken = readFileSync(join(MANAGER, 'config.toml.tmpl'), 'utf8').replace(
      /^concurrent = .*$/m,
      'concurrent = 0',
    );

    expect(() => synth(withTemplate(broken))).toThrow(
      /does not lint:[\s\S]*config\.toml\.tmpl:\d+: invalid-value/,
    );
  });

  it('refuses recycle for a group whose runner keeps its instances across restarts', () => {
    const template = readFileSync(join(MANAGER, 'config.toml.tmpl'), 'utf8');
    const withStateStorage = template.replace(
      /(\[runners\.autoscaler\]\n)/,
      '$1  [runners.autoscaler.state_storage]\n    enabled = true\n',
    );

    expect(withStateStorage).not.toBe(template);
    expect(() => synth(withTemplate(withStateStorage), 'manager', JOB_GROUPS)).toThrow(
      /keeps its instances across restarts/,
    );
    expect(() => synth(withTemplate(template), 'manager', JOB_GROUPS)).not.toThrow();
  });

  it('gives two manager fleets their own prefix', () => {
    expect(synth(undefined, 'manager-a').parameters.prefix).not.toBe(
      synth(undefined, 'manager-b').parameters.prefix,
    );
  });
});
