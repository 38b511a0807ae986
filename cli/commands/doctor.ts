import { callAws } from '../aws-errors';
import { defineCommand } from '../command';
import { CONFIG_OPTION, loadTarget } from '../target';

export const GITLAB_TOKEN_ENV = 'RUNNER_AUTOPILOT_GITLAB_TOKEN';

export const doctor = defineCommand({
  name: 'doctor',
  summary: "checks, read-only, that the account and the fleet are ready for the deployment's rollouts",
  args: '',
  options: {
    ...CONFIG_OPTION,
    json: { type: 'boolean', help: 'print the findings as JSON (for CI)' },
    'gitlab-token': {
      type: 'string',
      value: 'token',
      help: `a GitLab token with read_api scope, to check the project's hook (or set ${GITLAB_TOKEN_ENV})`,
    },
  },
  details: [
    'Every call is read-only (Describe, List, Get and iam:SimulatePrincipalPolicy): the ReadOnlyAccess',
    'managed policy plus iam:SimulatePrincipalPolicy is enough. Each finding is pass, warn or fail,',
    'and every warn and fail says how to fix it. Exit code 3 when any check fails.',
  ],
  run: async ({ values }, io) => {
    const target = await loadTarget(values.config, io, 'doctor');
    const [{ runChecks }, { CHECKS }, report, stack] = await Promise.all([
      import('../doctor/doctor'),
      import('../doctor/checks'),
      import('../doctor/report'),
      import('../doctor/aws/stack'),
    ]);
    const deployment = target.config.deployment;
    const deployed = await callAws('cloudformation:DescribeStacks', async () =>
      Boolean(await stack.getStackOutputs(stack.autopilotStackName(deployment))),
    );
    if (!deployed)
      io.err(
        `${stack.autopilotStackName(deployment)} is not deployed yet: what a deploy creates is a warning`,
      );
    const findings = await runChecks(CHECKS, {
      config: target.config,
      configFile: target.file,
      now: new Date(),
      deployed,
      gitlabToken: values['gitlab-token'] ?? io.env[GITLAB_TOKEN_ENV],
    });
    io.out(values.json ? report.renderJson(findings) : report.renderText(findings));
    return report.exitCode(findings);
  },
});
