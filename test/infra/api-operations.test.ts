import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';

import { buildApp } from '../../infra/app';
import { API_OPERATIONS } from '../../infra/api-operations';
import { testApp } from '../helpers/app';
import { exampleConfigWith } from '../scenarios/fleet';
import { iamActionOf } from '../../scripts/sdk-commands';
import { functionBundles } from '../helpers/bundle-contents';

/** Compiled into bundles that never send them. */
const COMPILED_NOT_CALLED: Readonly<Record<string, string>> = {
  'dynamodb:DescribeEndpoints':
    "the DynamoDB client's endpoint discovery, which is off unless a client enables it",
  'dynamodb:Query':
    'lib-dynamodb is not marked side-effect free, so its index brings its paginators (Query, Scan) into every bundle with a document client',
  'dynamodb:Scan': 'as Query: no function scans',
};

/** Granted, though no SDK command of the function shows them; `by` names the operations that need them. */
const IMPLIED_GRANTS: Readonly<
  Record<
    string,
    { readonly by: readonly string[]; readonly reason: string; readonly functions?: readonly string[] }
  >
> = {
  'sqs:SendMessage': {
    by: [],
    reason:
      "Lambda sends an event that failed its async retries to the function's failure queue with the function's role",
  },
  'ec2:CreateTags': {
    by: ['ec2:RunInstances'],
    reason: 'RunInstances with TagSpecifications tags the canary and its volumes as it creates them',
  },
  'iam:PassRole': {
    by: ['ec2:RunInstances', 'scheduler:CreateSchedule'],
    reason: "RunInstances passes the instance profile's role; CreateSchedule passes the scheduler's role",
  },
  'iam:CreateServiceLinkedRole': {
    by: ['imagebuilder:StartImagePipelineExecution'],
    reason: "the first build in an account creates Image Builder's service-linked role, as the caller",
  },
  'kms:Decrypt': {
    by: ['sns:Publish'],
    reason: 'publishing to the alert topic, encrypted with its own key',
  },
  'kms:GenerateDataKey*': { by: ['sns:Publish'], reason: 'as kms:Decrypt' },
  ...Object.fromEntries(
    [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
    ].map((action) => [
      action,
      {
        by: [],
        functions: ['redrive'],
        reason:
          "Lambda's SQS event source mapping polls the webhook's fallback queue with the function's role",
      },
    ]),
  ),
};

/** The IAM actions of the SDK commands esbuild kept in each function's bundle, by function name. */
const compiledOperations = async (names: readonly string[]): Promise<Map<string, Set<string>>> =>
  new Map(
    [...(await functionBundles(names))].map(([name, kept]) => [
      name,
      new Set(kept.flatMap((path) => iamActionOf(path) ?? [])),
    ]),
  );

type Statement = { Action: string | string[] };

/** Every action granted to each function's role by `config`, by function name. */
const grantedByConfig = (configPath: string): Map<string, Set<string>> => {
  const { autopilot } = buildApp(testApp(), configPath);
  const policies = Object.values(Template.fromStack(autopilot).findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: unknown; PolicyDocument: { Statement: Statement[] } };
  }[];
  return new Map(
    autopilot.functions.map((fn) => {
      const role = autopilot.getLogicalId(fn.function.role?.node.defaultChild as CfnRole);
      const actions = policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
        .flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()));
      return [fn.serviceName, new Set(actions)];
    }),
  );
};

/**
 * The example, and the example with every grant that depends on config turned on: the webhook's
 * secret in Secrets Manager, chat channels in both stores, a sweeper that terminates orphans.
 */
const CONFIGS = () => [
  exampleConfigWith('example', () => undefined),
  exampleConfigWith('every-option', (config) => {
    const gitlab = config.gitlab as { webhook: { secret: unknown } };
    gitlab.webhook.secret = { secretsManager: 'runner-autopilot/gitlab-webhook-token' };
    config.alerts = {
      chat: [
        { kind: 'slack', name: 'ops', url: { parameter: '/runner-autopilot/chat/ops' } },
        { kind: 'teams', name: 'dev', url: { secretsManager: 'runner-autopilot/chat/dev' } },
      ],
    };
    (config.fleets as { health?: object }[])[1]!.health = { terminateOrphans: true };
  }),
];

const sorted = (values: Iterable<string>): string[] => [...values].sort();

describe('API operations and IAM grants', () => {
  const names = Object.keys(API_OPERATIONS).sort();
  const compiled = new Map<string, Set<string>>();
  const granted = new Map<string, Set<string>>();

  beforeAll(async () => {
    const bundles = compiledOperations(names);
    for (const path of CONFIGS()) {
      for (const [name, actions] of grantedByConfig(path)) {
        granted.set(name, new Set([...(granted.get(name) ?? []), ...actions]));
      }
    }
    for (const [name, actions] of await bundles) compiled.set(name, actions);
  }, 120_000);

  it('has a list for every function the stack deploys', () => {
    expect(sorted(granted.keys())).toEqual(names);
  });

  describe.each(names)('%s', (name) => {
    const listed = () => new Set(API_OPERATIONS[name]);

    it('lists every operation compiled into its bundle, and only those', () => {
      const bundle = compiled.get(name) ?? new Set();

      expect({
        listedNotCompiled: sorted([...listed()].filter((a) => !bundle.has(a))),
        compiledNotListed: sorted([...bundle].filter((a) => !listed().has(a) && !(a in COMPILED_NOT_CALLED))),
      }).toEqual({ listedNotCompiled: [], compiledNotListed: [] });
    });

    it('is granted every listed operation, and nothing else but what they imply', () => {
      const role = granted.get(name) ?? new Set();
      const implied = (action: string) => {
        const grant = IMPLIED_GRANTS[action];
        if (grant === undefined || (grant.functions && !grant.functions.includes(name))) return false;
        return grant.by.length === 0 || grant.by.some((a) => listed().has(a));
      };

      expect({
        ungranted: sorted([...listed()].filter((a) => !role.has(a))),
        unused: sorted([...role].filter((a) => !listed().has(a) && !implied(a))),
      }).toEqual({ ungranted: [], unused: [] });
    });
  });
});
