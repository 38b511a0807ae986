import { getStackOutputs, resetCloudFormationClient } from '../../cli/doctor/aws/stack';
import { gitlabCheck } from '../../cli/doctor/gitlab';
import { loadConfig } from '../../infra/load-config';
import { FAKE_TOKEN, type FakeGitLab, startFakeGitLab } from '../cli/doctor/fake-gitlab';
import { EXAMPLE } from '../cli/run-cli';
import { deployAutopilotStack, STACK } from './doctor-deployment';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * The gitlab area's one AWS read, the deployed stack's outputs, against moto server; GitLab is the
 * fake of test/cli/doctor (where every GitLab case is).
 */

const DEPLOYED = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-2.on.aws/';

/** A stack with the outputs the autopilot stack publishes. */
const deployStack = (outputs: Record<string, string>): Promise<void> => deployAutopilotStack({ outputs });

describeWithMoto('doctor gitlab area: the deployed stack on moto', () => {
  useMotoServer({ resetClients: resetCloudFormationClient });

  let gitlab: FakeGitLab | undefined;
  afterEach(() => gitlab?.close());

  it('reads a deployed stack’s outputs by key, and undefined for a stack that is not deployed', async () => {
    await deployStack({ WebhookUrl: DEPLOYED, BusName: 'gitlab-runners-autopilot' });

    await expect(getStackOutputs(STACK)).resolves.toEqual({
      WebhookUrl: DEPLOYED,
      BusName: 'gitlab-runners-autopilot',
    });
    await expect(getStackOutputs('nothing-autopilot')).resolves.toBeUndefined();
  });

  it('passes every check of a healthy hook at the URL the stack publishes', async () => {
    await deployStack({ WebhookUrl: DEPLOYED });
    gitlab = await startFakeGitLab({
      projects: { 'platform/runner-images': { hooks: [{ id: 12, url: DEPLOYED }] } },
    });
    const config = loadConfig(EXAMPLE);

    const findings = await gitlabCheck().run({
      config: { ...config, gitlab: { ...config.gitlab, url: gitlab.url } },
      configFile: EXAMPLE,
      now: new Date('2026-12-04T12:00:00Z'),
      deployed: true,
      gitlabToken: FAKE_TOKEN,
    });

    expect(findings.map((f) => [f.status, f.says])).toEqual([
      ['pass', `hook 12 posts to the deployed ${DEPLOYED}`],
      ['pass', 'hook 12 sends push events (rule runner-images) and tag push events (rule runner-images)'],
      ['pass', "hook 12 verifies the webhook's TLS certificate"],
      ['pass', 'hook 12 is enabled'],
      ['pass', 'no delivery of hook 12 failed in the last 7 days'],
    ]);
  });

  it('fails with the deploy command when moto has no autopilot stack', async () => {
    const config = loadConfig(EXAMPLE);

    const findings = await gitlabCheck().run({
      config,
      configFile: EXAMPLE,
      now: new Date('2026-12-04T12:00:00Z'),
      deployed: true,
      gitlabToken: FAKE_TOKEN,
    });

    expect(findings).toEqual([
      expect.objectContaining({
        status: 'fail',
        subject: STACK,
        fix: `npx cdk deploy --all -c config=${EXAMPLE}`,
      }),
    ]);
  });
});
