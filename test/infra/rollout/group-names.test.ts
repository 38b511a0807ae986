import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';

import { parseSuiteConfig } from '../../../functions/shared/config';
import { RolloutDocuments } from '../../../infra/rollout/documents';
import { testApp } from '../../helpers/app';

const EXAMPLE = join(__dirname, '..', '..', '..', 'config', 'example.yaml');

/** The smoke-manager document's JobGroups pattern, as synthesized. */
const jobGroupsPattern = (): RegExp => {
  const stack = new Stack(testApp(), 'Rollout', { env: { account: '123456789012', region: 'us-east-2' } });
  new RolloutDocuments(stack, 'Documents', { deployment: 'gitlab-runners', drainTimeoutSeconds: 7200 });
  const docs = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Document')) as {
    Properties: { Name: string; Content: { parameters: Record<string, { allowedPattern: string }> } };
  }[];
  const doc = docs.find((d) => d.Properties.Name.endsWith('-smoke-manager'));
  if (!doc) throw new Error('no smoke-manager document');
  return new RegExp(doc.Properties.Content.parameters.JobGroups?.allowedPattern ?? '$^');
};

const withJobGroups = (names: string[]) => {
  const raw = parse(readFileSync(EXAMPLE, 'utf8')) as { fleets: Record<string, unknown>[] };
  raw.fleets.filter((f) => f.role === 'jobs').forEach((f, i) => (f.autoScalingGroup = names[i]));
  return raw;
};

describe('Auto Scaling group names', () => {
  // AWS allows names such as "ci+docker", but SendCommand would refuse them in JobGroups
  // (InvalidParameters), failing the manager's smoke test: the config refuses them first.
  it.each(['ci+docker', 'team/jobs@arm64', "it's", 'a b'])('refuses %j, naming the field', (name) => {
    expect(() => parseSuiteConfig(withJobGroups([name, 'jobs-docker']), 'test.yaml')).toThrow(
      /fleets\.\d+\.autoScalingGroup: must be 1-255 letters, digits/,
    );
  });

  it('sends the job groups of every config it accepts in a form the smoke-manager document takes', () => {
    const config = parseSuiteConfig(withJobGroups(['Jobs.instance_1', 'jobs-docker']), 'test.yaml');

    const manager = config.fleets.find((f) => f.role === 'manager');
    const sent = config.fleets
      .filter((f) => f.manager === manager?.name)
      .map((f) => f.autoScalingGroup)
      .join(',');
    expect(sent).toBe('Jobs.instance_1,jobs-docker');
    expect(jobGroupsPattern().test(sent)).toBe(true);
  });
});
