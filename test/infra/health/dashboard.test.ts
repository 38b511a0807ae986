import { join } from 'node:path';

import { Template } from 'aws-cdk-lib/assertions';

import { buildApp } from '../../../infra/app';
import { testApp } from '../../helpers/app';

const EXAMPLE = join(__dirname, '..', '..', '..', 'config', 'example.yaml');

describe('AutopilotDashboard', () => {
  const { autopilot } = buildApp(testApp(), EXAMPLE);
  const dashboards = Template.fromStack(autopilot).findResources('AWS::CloudWatch::Dashboard');
  /** The dashboard body as text: the string parts of its Fn::Join, references left out. */
  const joined = (
    Object.values(dashboards)[0] as { Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } } }
  ).Properties.DashboardBody['Fn::Join'][1];
  const body = joined.filter((p): p is string => typeof p === 'string').join('');

  it('is one dashboard per deployment', () => {
    expect(Object.keys(dashboards)).toHaveLength(1);
    expect(JSON.stringify(dashboards)).toContain('gitlab-runners-runner-autopilot');
  });

  it.each(['FleetSize', 'IdleInstances', 'StuckInstances', 'OrphanedInstances', 'OutdatedInstances'])(
    'graphs the sweeper metric %s per fleet',
    (metric) => {
      for (const fleet of ['manager', 'jobs-instance', 'jobs-docker']) {
        expect(body).toContain(`"${metric}","fleet","${fleet}"`);
      }
    },
  );

  it("graphs the runner's own job counts and system failures", () => {
    expect(body).toContain('gitlab_runner_jobs');
    expect(body).toContain('runner_system_failure');
  });

  it('lists rollout and config steps from the step functions logs', () => {
    expect(body).toContain('Rollout and config steps');
    expect(body).toContain('and ispresent(to)');
    expect(body.split("SOURCE '").length - 1).toBe(7);
  });

  it('graphs the errors of every function', () => {
    expect(body).toContain('Function errors');
    const functions = Object.keys(
      Template.fromStack(autopilot).findResources('AWS::Lambda::Function'),
    ).length;
    expect(body.split('"AWS/Lambda","Errors","FunctionName"').length - 1).toBe(functions);
  });
});
