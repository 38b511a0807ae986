import { readFileSync } from 'node:fs';

import {
  DescribeParametersCommand,
  type DescribeParametersCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';

import { describeParameterTypes, resetSecretStoreClients } from '../../../cli/doctor/aws/secret-stores';
import {
  configParameterNames,
  jobGroupsOf,
  judgeRunnerConfig,
  type RunnerConfigFacts,
  secretUsesOf,
} from '../../../cli/doctor/config';
import type { SuiteConfig } from '../../../functions/shared/config';
import { parseValues } from '../../../functions/shared/runner-config/render';
import { loadConfig } from '../../../infra/load-config';
import { RunnerConfigParameters } from '../../../infra/rollout/runner-config-parameters';
import { testApp } from '../../helpers/app';
import { EXAMPLE } from '../run-cli';

const config = loadConfig(EXAMPLE);
const runnerConfig = config.fleets.find((f) => f.name === 'manager')?.runnerConfig;
if (!runnerConfig) throw new Error('the example manager keeps its config.toml as code');
const files = { template: runnerConfig.template, values: runnerConfig.values };
const localTemplate = readFileSync(files.template, 'utf8');
const localValuesText = readFileSync(files.values, 'utf8');
const FILE = '/deploy/prod.yaml';

/** The example manager's config, published as it is locally; `published` replaces parts. */
const facts = (published: Partial<RunnerConfigFacts['published']> = {}): RunnerConfigFacts => ({
  fleet: 'manager',
  parameters: configParameterNames('gitlab-runners', 'manager'),
  files,
  local: { template: localTemplate, values: parseValues(JSON.parse(localValuesText) as unknown) },
  published: {
    template: localTemplate,
    values: JSON.stringify(JSON.parse(localValuesText)),
    manifest: '{"hash":"x"}',
    ...published,
  },
  jobGroups: jobGroupsOf(config, 'manager'),
});

describe('doctor config', () => {
  it('reads the parameters the stack publishes', () => {
    const stack = new Stack(testApp(), 'Config');
    new RunnerConfigParameters(stack, 'RunnerConfig', {
      deployment: 'gitlab-runners',
      fleet: 'manager',
      templateFile: files.template,
      valuesFile: files.values,
      jobGroups: jobGroupsOf(config, 'manager'),
    });

    const published = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter')).map(
      (r) => (r as { Properties: { Name: string } }).Properties.Name,
    );

    expect(published.sort()).toEqual(Object.values(configParameterNames('gitlab-runners', 'manager')).sort());
  });

  it('lints the job groups of the manager: the groups of the jobs fleets that name it', () => {
    expect(jobGroupsOf(config, 'manager')).toEqual([
      'gitlab-runner-ao-group',
      'gitlab-runner-ao-group-docker',
    ]);
  });

  it('fails published values that do not parse, with the deploy that publishes them again', () => {
    const findings = judgeRunnerConfig(
      facts({ values: '{"region": {"secureParameter": "relative"}}' }),
      FILE,
    );

    expect(findings).toEqual([
      {
        area: 'config',
        subject: 'manager config.toml',
        status: 'fail',
        says: expect.stringMatching(
          /^\/runner-autopilot\/gitlab-runners\/manager\/config\/values is not a valid values file: .*must be an absolute SSM parameter name.*: applies cannot render it$/,
        ),
        fix: `publish the values again from ${files.values}: npx cdk deploy --all -c config=${FILE}`,
      },
    ]);
  });

  it('reports a template that is not TOML once, and claims nothing about its listener or groups', () => {
    const findings = judgeRunnerConfig(facts({ template: `${localTemplate}\n[[runners]\n` }), FILE);

    expect(findings.map((f) => [f.status, f.says.split(':')[0]])).toEqual([
      ['fail', 'toml-syntax'],
      ['warn', `the published config differs from ${files.template}`],
    ]);
  });

  it('turns a lint warning into a warn', () => {
    const findings = judgeRunnerConfig(
      facts({ template: localTemplate.replace('max_use_count = 10', 'max_use_count = 0') }),
      FILE,
    );

    expect(
      findings.filter((f) => f.status !== 'pass').map((f) => [f.status, f.subject, f.says.split(':')[0]]),
    ).toEqual([
      ['warn', expect.stringMatching(/^manager config\.toml:\d+$/), 'max-use-count-unlimited'],
      ['warn', 'manager config.toml', `the published config differs from ${files.template}`],
    ]);
  });

  it('sees no drift in values that differ only in key order', () => {
    const reordered = JSON.stringify(
      Object.fromEntries(Object.entries(JSON.parse(localValuesText) as object).reverse()),
    );

    const findings = judgeRunnerConfig(facts({ values: reordered }), FILE);

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([]);
  });

  it('names the changed values file when only the values differ', () => {
    const values = JSON.stringify({
      ...(JSON.parse(localValuesText) as object),
      cache_bucket: 'another-bucket',
    });

    const findings = judgeRunnerConfig(facts({ values }), FILE);

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([
      expect.objectContaining({
        status: 'warn',
        says: `the published config differs from ${files.values}: the next deploy publishes the local one and an apply follows (a restart only in a maintenance window)`,
      }),
    ]);
  });

  describe('secretUsesOf', () => {
    it('lists every secret the deployment names once, with everything that needs it', () => {
      const withSecrets: SuiteConfig = {
        ...config,
        alerts: {
          ...config.alerts,
          chat: [
            { kind: 'slack', name: 'oncall', url: { parameter: '/runner-autopilot/kubeconfig' } },
            { kind: 'teams', name: 'platform', url: { secretsManager: 'teams-url' } },
          ],
        },
      };
      const values = parseValues({ token: { secureParameter: '/t' }, url: 'https://gitlab.example.com' });

      const uses = secretUsesOf(withSecrets, [
        { fleet: 'manager', values },
        { fleet: 'manager', values },
      ]);

      expect(uses).toEqual([
        { ref: { parameter: '/t' }, usedBy: ['token of fleet manager'] },
        { ref: { parameter: '/runner-autopilot/gitlab-webhook-token' }, usedBy: ['the GitLab webhook'] },
        {
          ref: { parameter: '/runner-autopilot/kubeconfig' },
          usedBy: ['the slack alerts of oncall', 'the kubeconfig of pipeline jobs'],
        },
        { ref: { secretsManager: 'teams-url' }, usedBy: ['the teams alerts of platform'] },
      ]);
    });

    it('leaves out a pipeline without a kubeconfig and a deployment without a webhook', () => {
      const bare: SuiteConfig = {
        ...config,
        gitlab: { ...config.gitlab, webhook: undefined },
        pipelines: config.pipelines.map((p) =>
          p.kind === 'jobs' ? { ...p, kubeconfig: { mode: 'none' } } : p,
        ),
      };

      expect(secretUsesOf(bare, [])).toEqual([]);
    });
  });
});

describe('describeParameterTypes', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => {
    ssm.reset();
    resetSecretStoreClients();
  });
  afterAll(() => ssm.restore());

  it('asks for at most 50 names a call (the Name filter limit) and follows every page', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `/p/${i}`);
    // Copies: the SDK's paginator reuses one input object, setting NextToken on it page by page.
    const sent: DescribeParametersCommandInput[] = [];
    ssm.on(DescribeParametersCommand).callsFake((input: DescribeParametersCommandInput) => {
      sent.push(structuredClone(input));
      const asked = input.ParameterFilters?.[0]?.Values ?? [];
      // Two pages for the first batch, as SSM may answer with fewer than MaxResults.
      if (asked.length === 50 && !input.NextToken)
        return { Parameters: [{ Name: asked[0], Type: 'SecureString' }], NextToken: 'page-2' };
      return { Parameters: asked.slice(-1).map((Name) => ({ Name, Type: 'String' })) };
    });

    const types = await describeParameterTypes(names);

    expect(sent.map((i) => [i.ParameterFilters?.[0]?.Values?.length, i.MaxResults, i.NextToken])).toEqual([
      [50, 50, undefined],
      [50, 50, 'page-2'],
      [10, 50, undefined],
    ]);
    expect(sent[0]?.ParameterFilters?.[0]).toMatchObject({ Key: 'Name', Option: 'Equals' });
    expect([...types]).toEqual([
      ['/p/0', 'SecureString'],
      ['/p/49', 'String'],
      ['/p/59', 'String'],
    ]);
  });
});
