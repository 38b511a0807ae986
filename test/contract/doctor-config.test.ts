import { readFileSync } from 'node:fs';

import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import { configCheck } from '../../cli/doctor/config';
import type { DoctorContext } from '../../cli/doctor/doctor';
import type { SuiteConfig } from '../../functions/shared/config';
import { loadConfig } from '../../infra/load-config';
import { EXAMPLE } from '../cli/run-cli';
import {
  createSecrets as createAll,
  publishConfig,
  putParameter as put,
  SECRET_PARAMETERS,
  synthesizedParameters as synthesized,
} from './doctor-deployment';
import { resetDoctorClients } from './doctor-fleet';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * doctor's config area against moto server: the manager's config.toml source published as the
 * stack publishes it (the synthesized parameters), the secrets it and the config name created as
 * an operator would. Every SSM and Secrets Manager call doctor makes is one moto serves.
 */

const example = loadConfig(EXAMPLE);
const manager = example.fleets.find((f) => f.role === 'manager');
if (!manager?.runnerConfig) throw new Error('the example config has a manager fleet with a runnerConfig');
const { template: TEMPLATE_FILE, values: VALUES_FILE } = manager.runnerConfig;
const FILE = '/deploy/prod.yaml';
const PREFIX = '/runner-autopilot/gitlab-runners/manager/config';
const TOKENS = [SECRET_PARAMETERS.instanceToken, SECRET_PARAMETERS.dockerToken];
const WEBHOOK_TOKEN = SECRET_PARAMETERS.webhookToken;
const KUBECONFIG = SECRET_PARAMETERS.kubeconfig;
const CHAT_SECRET = 'platform-alerts-webhook';

/** The example, plus a chat webhook whose URL is a Secrets Manager secret. */
const config: SuiteConfig = {
  ...example,
  alerts: {
    ...example.alerts,
    chat: [{ kind: 'slack', name: 'platform-alerts', url: { secretsManager: CHAT_SECRET } }],
  },
};
const ctx: DoctorContext = { config, configFile: FILE, now: new Date(), deployed: true };

const synthesizedParameters = (templateFile = TEMPLATE_FILE) => synthesized(config, templateFile);
const publish = (parameters = synthesizedParameters()): Promise<void> => publishConfig(parameters);
const createSecrets = (skip: string[] = []): Promise<void> =>
  createAll({ skip, secretsManager: [CHAT_SECRET] });
const ssm = (): SSMClient => new SSMClient({});

describeWithMoto('doctor config [moto]', () => {
  useMotoServer({
    resetClients: resetDoctorClients,
    // moto loads a service on its first request: once, before the first test's clock starts.
    afterStart: async () => {
      await ssm().send(new PutParameterCommand({ Name: '/warm-up', Value: 'x', Type: 'String' }));
      await new SecretsManagerClient({}).send(
        new CreateSecretCommand({ Name: 'warm-up', SecretString: 'x' }),
      );
    },
  });

  it('passes a deployed manager config and every secret it and the config name', async () => {
    await publish();
    await createSecrets();

    const findings = await configCheck.run(ctx);

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([]);
    expect(findings.map((f) => [f.subject, f.says])).toEqual([
      [
        'manager config.toml',
        'listen_address serves the metrics at :9252, where the health checks and the metrics agent read them',
      ],
      [
        'manager config.toml',
        'every plugin_config.name is a job group of fleet manager (gitlab-runner-ao-group, gitlab-runner-ao-group-docker)',
      ],
      ['manager config.toml', 'the published template and values render and lint clean'],
      [TOKENS[0], 'exists (SecureString), for instance_runner_token of fleet manager'],
      [TOKENS[1], 'exists (SecureString), for docker_runner_token of fleet manager'],
      [WEBHOOK_TOKEN, 'exists (SecureString), for the GitLab webhook'],
      [`secret ${CHAT_SECRET}`, 'exists, for the slack alerts of platform-alerts'],
      [KUBECONFIG, 'exists (SecureString), for the kubeconfig of pipeline jobs'],
    ]);
  });

  it('fails a config that is not published, with the deploy that publishes it', async () => {
    await createSecrets();

    const findings = await configCheck.run(ctx);

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([
      {
        area: 'config',
        subject: 'manager config.toml',
        status: 'fail',
        says: `not published (no parameter ${PREFIX}/template, ${PREFIX}/values, ${PREFIX}/manifest), so applies and new managers have no config.toml: the autopilot stack is not deployed with this fleet's runnerConfig`,
        fix: `npx cdk deploy --all -c config=${FILE}`,
      },
    ]);
  });

  it('fails each lint error of the published template (listen_address, a foreign group) and says a deploy replaces it', async () => {
    const published = readFileSync(TEMPLATE_FILE, 'utf8')
      .replace('listen_address = ":9252"', 'listen_address = ":9090"')
      .replace('name = "gitlab-runner-ao-group-docker"', 'name = "someone-elses-group"');
    await publish(
      synthesizedParameters(TEMPLATE_FILE).map((p) =>
        p.name === `${PREFIX}/template` ? { ...p, value: published } : p,
      ),
    );
    await createSecrets();

    const findings = await configCheck.run(ctx);

    const lintFix = expect.stringMatching(
      new RegExp(
        `^fix line \\d+ of ${TEMPLATE_FILE} .*npm run runner-config:lint -- ${TEMPLATE_FILE} --values ${VALUES_FILE} --job-groups gitlab-runner-ao-group,gitlab-runner-ao-group-docker\`, then npx cdk deploy --all -c config=${FILE}$`,
      ),
    );
    expect(findings.filter((f) => f.status !== 'pass')).toEqual([
      {
        area: 'config',
        subject: 'manager config.toml:12',
        status: 'fail',
        says: expect.stringMatching(
          /^listen-address: listen_address = ":9090", but the health checks .*: set listen_address = ":9252"$/,
        ),
        fix: lintFix,
      },
      {
        area: 'config',
        subject: expect.stringMatching(/^manager config\.toml:\d+$/),
        status: 'fail',
        says: 'unknown-job-group: Auto Scaling group "someone-elses-group" is not a job group of this manager fleet: use one of gitlab-runner-ao-group, gitlab-runner-ao-group-docker',
        fix: lintFix,
      },
      {
        area: 'config',
        subject: 'manager config.toml',
        status: 'warn',
        says: 'no [[runners]] names job group gitlab-runner-ao-group-docker in plugin_config.name, so the manager never scales it and its fleet gets no instances',
        fix: `add a [[runners]] with plugin_config.name = "gitlab-runner-ao-group-docker" to ${TEMPLATE_FILE}, then npx cdk deploy --all -c config=${FILE}`,
      },
      {
        area: 'config',
        subject: 'manager config.toml',
        status: 'warn',
        says: `the published config differs from ${TEMPLATE_FILE}: the next deploy publishes the local one and an apply follows (a restart only in a maintenance window)`,
        fix: `npx cdk deploy --all -c config=${FILE}`,
      },
    ]);
  });

  it('fails a missing SecureString parameter with the put-parameter that creates it', async () => {
    await publish();
    await createSecrets([TOKENS[1] ?? '']);

    const findings = await configCheck.run(ctx);

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([
      {
        area: 'config',
        subject: TOKENS[1],
        status: 'fail',
        says: 'the SecureString parameter does not exist; needed by docker_runner_token of fleet manager',
        fix: `aws ssm put-parameter --type SecureString --name ${TOKENS[1]} --value '<secret>' --region us-east-2`,
      },
    ]);
  });

  it('warns of a secret kept in a String parameter, with how to make it a SecureString', async () => {
    await publish();
    await createSecrets([WEBHOOK_TOKEN]);
    await put(WEBHOOK_TOKEN, 'not-a-real-secret', 'String');

    const findings = await configCheck.run(ctx);

    expect(findings.filter((f) => f.status !== 'pass')).toEqual([
      expect.objectContaining({
        subject: WEBHOOK_TOKEN,
        status: 'warn',
        says: 'is a String parameter, so the secret for the GitLab webhook is stored unencrypted',
        fix: `aws ssm delete-parameter --name ${WEBHOOK_TOKEN} --region us-east-2 && aws ssm put-parameter --type SecureString --name ${WEBHOOK_TOKEN} --value '<secret>' --region us-east-2`,
      }),
    ]);
  });

  it('fails a Secrets Manager secret that is missing, or scheduled for deletion, with the command for each', async () => {
    await publish();
    await createSecrets([CHAT_SECRET]);

    const missing = await configCheck.run(ctx);
    await createSecrets([...TOKENS, WEBHOOK_TOKEN, KUBECONFIG]);
    await new SecretsManagerClient({}).send(
      new DeleteSecretCommand({ SecretId: CHAT_SECRET, RecoveryWindowInDays: 7 }),
    );
    const deleted = await configCheck.run(ctx);

    expect(missing.filter((f) => f.status !== 'pass')).toEqual([
      expect.objectContaining({
        subject: `secret ${CHAT_SECRET}`,
        status: 'fail',
        says: 'the Secrets Manager secret does not exist; needed by the slack alerts of platform-alerts',
        fix: `aws secretsmanager create-secret --name ${CHAT_SECRET} --secret-string '<secret>' --region us-east-2`,
      }),
    ]);
    expect(deleted.filter((f) => f.status !== 'pass')).toEqual([
      expect.objectContaining({
        subject: `secret ${CHAT_SECRET}`,
        status: 'fail',
        says: expect.stringMatching(
          /^the Secrets Manager secret is scheduled for deletion on \S+ and cannot be read;/,
        ),
        fix: `aws secretsmanager restore-secret --secret-id ${CHAT_SECRET} --region us-east-2`,
      }),
    ]);
  });
});
