import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DeregisterImageCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { parse, stringify } from 'yaml';

import { AREAS, type Finding, type Status } from '../../cli/doctor/finding';
import { acquireLease } from '../../functions/shared/ledger';
import { loadConfig } from '../../infra/load-config';
import { ROOT, runCli } from '../cli/run-cli';
import {
  build,
  createLedger,
  createSecrets,
  deployAutopilotStack,
  freshGaps,
  type Gaps,
  JOBS_TEMPLATE,
  LEDGER_TABLE,
  MANAGER_TEMPLATE,
  publishConfig,
  registerAmi,
  rolledOut,
  SECRET_PARAMETERS,
  STACK,
  stubGaps,
  stubPipelines,
  synthesizedParameters,
  synthesizedTable,
} from './doctor-deployment';
import { type FleetOverrides, managerInstances, resetDoctorClients, seedFleet } from './doctor-fleet';
import { describeWithMoto, useMotoServer } from './moto';

/**
 * The whole doctor, end to end: the real CLI (`main`, as `runner-autopilot doctor -c <file> --json`)
 * against one moto server holding the example's fleet and its deployed autopilot (the stack with
 * its webhook function and URL, the published manager config, the ledger with both templates
 * rolled out, the secrets). What moto lacks is stubbed on top of it, every other call passing
 * through: Image Builder, iam:SimulatePrincipalPolicy, ssm:DescribeInstanceInformation,
 * lambda:GetAccountSettings.
 *
 * The config is config/example.yaml whose webhook reserves 50 concurrent executions, so that the
 * account area has something to judge. No GitLab token is given (the config wants an https GitLab,
 * which the fake of test/cli/doctor is not; test/contract/doctor-gitlab.test.ts runs that area):
 * the gitlab area's one warning, that the hooks were not checked, is the only one a healthy
 * deployment gets. The CLI reads the real clock: the seeded times are relative to it.
 */

const INSTANCE_ROLE = 'arn:aws:iam::123456789012:role/gitlab-runner-instance';
const DEPLOYED = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-2.on.aws/';
/** The one warning of a healthy deployment here. */
const NO_TOKEN = {
  area: 'gitlab',
  subject: 'webhook',
  status: 'warn',
  says: 'the hooks of platform/runner-images were not checked: no GitLab token was given',
  fix: expect.stringContaining('--gitlab-token'),
};
const HOUR = 3_600_000;
/** The first synth loads aws-cdk-lib. */
const SYNTH_MS = 30_000;
/** Each case seeds the account and runs the CLI over every area: a few seconds, more on a busy machine. */
const CASE_MS = 20_000;

const iam = mockClient(IAMClient);
const ssm = mockClient(SSMClient);
const lambda = mockClient(LambdaClient);
const imageBuilder = mockClient(ImagebuilderClient);
let gaps: Gaps = freshGaps();

interface Report {
  readonly ok: boolean;
  readonly counts: Record<Status, number>;
  readonly findings: Finding[];
}

/** What one fault per area changes in the healthy deployment. */
interface Faults {
  readonly fleet?: FleetOverrides;
  /** Secrets the operator did not create. */
  readonly missingSecrets?: string[];
  /** The manager template's default AMI is deregistered after the fleet is seeded. */
  readonly deregisterManagerAmi?: boolean;
}

describeWithMoto('runner-autopilot doctor, end to end [moto + what it lacks stubbed]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doctor-cli-'));
  const file = join(dir, 'fleet.yaml');
  let parameters: { name: string; value: string }[] = [];

  // Synthesized once (each synth takes a second or more): the manager's config and the ledger table.
  beforeAll(() => {
    const raw = parse(readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8')) as {
      gitlab: { webhook: Record<string, unknown> };
    };
    raw.gitlab.webhook.reservedConcurrency = 50;
    // runnerConfig's files are relative to the config file.
    cpSync(join(ROOT, 'config', 'manager'), join(dir, 'manager'), { recursive: true });
    writeFileSync(file, stringify(raw));
    parameters = synthesizedParameters(loadConfig(file));
    synthesizedTable();
  }, SYNTH_MS);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const mock of [iam, ssm, lambda, imageBuilder]) mock.restore();
  });

  useMotoServer({
    resetClients: resetDoctorClients,
    // moto loads a service on its first request: each once, before the first test's clock starts.
    afterStart: async () => {
      stubGaps(gaps, { iam, ssm, lambda });
      await Promise.all([
        new EC2Client({}).send(new DescribeImagesCommand({ Owners: ['self'] })),
        new AutoScalingClient({}).send(new DescribeAutoScalingGroupsCommand({})),
        new IAMClient({}).send(new ListRolesCommand({})),
        new SSMClient({}).send(new DescribeParametersCommand({})),
        new DynamoDBClient({}).send(new ListTablesCommand({})),
        new CloudFormationClient({}).send(new ListStacksCommand({})),
        new LambdaClient({}).send(new ListFunctionsCommand({})),
      ]);
    },
    afterReset: () => {
      gaps = freshGaps();
      stubGaps(gaps, { iam, ssm, lambda });
      imageBuilder.reset();
      imageBuilder.onAnyCommand().rejects(new Error('doctor makes no other Image Builder call'));
      return Promise.resolve();
    },
  });

  /** The example's fleet on AMIs its pipelines baked, its manager online, the operator's secrets. */
  const seedAccount = async (faults: Faults = {}): Promise<{ jobsAmi: string; managerAmi: string }> => {
    const jobsAmi = await registerAmi('gitlab-runners-jobs-1.0.1-3', 'jobs');
    const managerAmi = await registerAmi('gitlab-runners-manager-1.0.1-3', 'manager');
    await seedFleet(loadConfig(file), {
      templates: {
        [JOBS_TEMPLATE]: { data: { ImageId: jobsAmi } },
        [MANAGER_TEMPLATE]: { data: { ImageId: managerAmi } },
      },
      ...faults.fleet,
    });
    gaps.online = new Set(await managerInstances());
    await createSecrets({ skip: faults.missingSecrets ?? [] });
    if (faults.deregisterManagerAmi)
      await new EC2Client({}).send(new DeregisterImageCommand({ ImageId: managerAmi }));
    return { jobsAmi, managerAmi };
  };

  /** What a deploy made: the stack, the published config, the ledger (both templates rolled out), the images. */
  const deploy = async ({ jobsAmi, managerAmi }: { jobsAmi: string; managerAmi: string }): Promise<void> => {
    const now = new Date();
    await deployAutopilotStack({ outputs: { WebhookUrl: DEPLOYED } });
    await publishConfig(parameters);
    await createLedger();
    await rolledOut(now, { jobs: jobsAmi, manager: managerAmi });
    // Built 10 hours ago, rolled out 8 hours ago.
    const built = new Date(now.getTime() - 10 * HOUR);
    stubPipelines(imageBuilder, {
      jobs: [build('jobs', built, 'AVAILABLE', { ami: jobsAmi })],
      manager: [build('manager', built, 'AVAILABLE', { ami: managerAmi })],
    });
  };

  const doctor = async (...extra: string[]) => runCli(['doctor', '-c', file, ...extra]);

  const doctorJson = async (): Promise<{ code: number; report: Report; err: string[] }> => {
    const { code, out, err } = await doctor('--json');
    return { code, report: JSON.parse(out.join('\n')) as Report, err };
  };

  const notPassing = (report: Report) =>
    report.findings
      .filter((f) => f.status !== 'pass')
      .map(({ area, subject, status, says, fix }) => ({ area, subject, status, says, fix }));

  it(
    'passes every check of a healthy deployment, exits 0, and prints the JSON shape CI reads',
    async () => {
      await deploy(await seedAccount());

      const { code, report } = await doctorJson();
      const text = await doctor();

      expect(notPassing(report)).toEqual([NO_TOKEN]);
      expect(code).toBe(0);
      expect(Object.keys(report)).toEqual(['ok', 'counts', 'findings']);
      expect(report.ok).toBe(true);
      expect(report.counts).toEqual({ pass: report.findings.length - 1, warn: 1, fail: 0 });
      for (const f of report.findings)
        expect(Object.keys(f)).toEqual(['area', 'subject', 'status', 'says', ...(f.fix ? ['fix'] : [])]);
      // Every area speaks, in the report's order.
      expect([...new Set(report.findings.map((f) => f.area))]).toEqual([...AREAS]);
      // Tonight is the state of the ledger, then the plan's next day in its own words.
      expect(report.findings.filter((f) => f.area === 'tonight').map((f) => f.subject)).toEqual(
        expect.arrayContaining([
          `ledger ${LEDGER_TABLE}`,
          'emergency brake',
          'fleet manager lease',
          'pipeline jobs',
        ]),
      );
      expect(report.findings).toContainEqual(
        expect.objectContaining({
          area: 'tonight',
          subject: 'pipeline jobs',
          says: expect.stringMatching(
            /^\d{4}-\d\d-\d\d 02:00 UTC: pipeline jobs bakes \(schedule "0 2 \* \* \*" UTC\); /,
          ),
        }),
      );
      expect(text.code).toBe(0);
      expect(text.out.join('\n').split('\n').at(-1)).toBe(
        `${report.counts.pass} checks passed, 1 warning, 0 failed`,
      );
    },
    CASE_MS,
  );

  it(
    'names one fault of each area at once, each with its fix, and exits 3',
    async () => {
      const amis = await seedAccount({
        fleet: { groups: { 'gitlab-runner-manager': { suspended: [] } } },
        missingSecrets: [SECRET_PARAMETERS.dockerToken],
        deregisterManagerAmi: true,
      });
      await deploy(amis);
      gaps.refused = { [INSTANCE_ROLE]: { 'ssmmessages:OpenControlChannel': 'implicitDeny' } };
      gaps.unreserved = 120;
      await acquireLease(LEDGER_TABLE, {
        fleet: 'manager',
        holder: 'c-stale',
        action: 'drain',
        now: new Date(),
        // Past the start of the manager's next maintenance window, whenever the test runs.
        ttlMinutes: 25 * 60,
      });

      const { code, report } = await doctorJson();

      expect(code).toBe(3);
      expect(report.ok).toBe(false);
      expect(notPassing(report)).toEqual([
        {
          area: 'groups',
          subject: 'group gitlab-runner-manager',
          status: 'fail',
          says: 'manager group gitlab-runner-manager does not suspend AZRebalance, which launches a second manager before terminating one',
          fix: 'aws autoscaling suspend-processes --auto-scaling-group-name gitlab-runner-manager --scaling-processes AZRebalance (Terraform: aws_autoscaling_group.suspended_processes = ["AZRebalance"])',
        },
        expect.objectContaining({
          area: 'roles',
          subject: 'role gitlab-runner-instance',
          status: 'fail',
          says: expect.stringMatching(
            /^does not allow ssmmessages:OpenControlChannel, called by the SSM agent/,
          ),
          fix: expect.stringContaining(
            'aws iam attach-role-policy --role-name gitlab-runner-instance --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
          ),
        }),
        expect.objectContaining({
          area: 'account',
          subject: 'webhook concurrency',
          status: 'fail',
          says: "reserving 50 for the webhook would leave 70 of 1000 unreserved, below AWS's minimum of 100: the deploy fails when it sets the reservation",
        }),
        {
          area: 'config',
          subject: SECRET_PARAMETERS.dockerToken,
          status: 'fail',
          says: 'the SecureString parameter does not exist; needed by docker_runner_token of fleet manager',
          fix: `aws ssm put-parameter --type SecureString --name ${SECRET_PARAMETERS.dockerToken} --value '<secret>' --region us-east-2`,
        },
        expect.objectContaining({
          area: 'images',
          subject: `launch template ${MANAGER_TEMPLATE}`,
          status: 'fail',
          says: expect.stringContaining(`launches ${amis.managerAmi}, which is deregistered`),
        }),
        expect.objectContaining({
          area: 'tonight',
          subject: 'fleet manager lease',
          status: 'warn',
          says: expect.stringMatching(
            /^held by c-stale for drain until .*, and no rollout of manager in the ledger holds it: a drain, replacement or restart due in the window waits for it/,
          ),
          fix: expect.stringContaining('npm run ledger -- manager'),
        }),
        NO_TOKEN,
      ]);
      expect(report.counts).toEqual({ pass: report.findings.length - 7, warn: 2, fail: 5 });
    },
    CASE_MS,
  );

  it(
    'before the first deploy, warns of what only a deploy makes and exits 0',
    async () => {
      await seedAccount();
      stubPipelines(imageBuilder, {}, []);

      const { code, report, err } = await doctorJson();

      expect(err).toContain(`${STACK} is not deployed yet: what a deploy creates is a warning`);
      expect(code).toBe(0);
      expect(notPassing(report).map(({ area, subject, status }) => [area, status, subject])).toEqual([
        ['config', 'warn', 'manager config.toml'],
        ['images', 'warn', 'pipeline jobs'],
        ['images', 'warn', 'pipeline manager'],
        ['tonight', 'warn', `ledger ${LEDGER_TABLE}`],
        ['gitlab', 'warn', 'webhook'],
      ]);
      for (const f of notPassing(report).filter((f) => f.area !== 'gitlab')) {
        expect(f.says).toMatch(/^not deployed yet: /);
        expect(f.fix).toBe(`npx cdk deploy --all -c config=${file}, then run doctor again`);
      }
    },
    CASE_MS,
  );
});
