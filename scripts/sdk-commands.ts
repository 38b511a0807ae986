/**
 * How an SDK command in a bundle maps to the IAM action it calls, and back: the IAM test reads a
 * bundle's commands as the function's API calls, the bundle-content test refuses any outside its
 * list, and the bench builds each function's floor (its clients and commands, nothing else) from
 * the list.
 */

/** The IAM prefix of each SDK client package. */
export const IAM_PREFIX: Readonly<Record<string, string>> = {
  'client-auto-scaling': 'autoscaling',
  'client-cloudwatch': 'cloudwatch',
  'client-dynamodb': 'dynamodb',
  'client-ec2': 'ec2',
  'client-eventbridge': 'events',
  'client-imagebuilder': 'imagebuilder',
  'client-scheduler': 'scheduler',
  'client-secrets-manager': 'secretsmanager',
  'client-sns': 'sns',
  'client-sqs': 'sqs',
  'client-ssm': 'ssm',
};

/** lib-dynamodb's document commands drop the low-level names' `Item`/`Items` suffix. */
export const DOCUMENT_COMMANDS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** The SDK's credential providers (STS, SSO): Lambda hands the role's credentials in the environment. */
export const CREDENTIAL_PACKAGES: ReadonlySet<string> = new Set([
  'nested-clients',
  'client-sts',
  'client-sso',
  'client-sso-oidc',
]);

/** The IAM action of a bundle input that is an SDK command module, else undefined. */
export const iamActionOf = (inputPath: string): string | undefined => {
  const match = /node_modules\/@aws-sdk\/([a-z0-9-]+)\/dist-es\/commands\/(\w+)Command\.js$/.exec(inputPath);
  if (!match) return undefined;
  const [, pkg = '', command = ''] = match;
  if (CREDENTIAL_PACKAGES.has(pkg)) return undefined;
  if (pkg === 'lib-dynamodb') {
    const action = DOCUMENT_COMMANDS[command];
    if (!action) throw new Error(`no IAM action known for lib-dynamodb ${command}Command`);
    return `dynamodb:${action}`;
  }
  const prefix = IAM_PREFIX[pkg];
  if (!prefix) throw new Error(`no IAM prefix known for @aws-sdk/${pkg}`);
  return `${prefix}:${command}`;
};

/** The SDK's class name of a client package: `client-auto-scaling` -> `AutoScalingClient`. */
const CLIENT_CLASS: Readonly<Record<string, string>> = {
  'client-auto-scaling': 'AutoScalingClient',
  'client-cloudwatch': 'CloudWatchClient',
  'client-dynamodb': 'DynamoDBClient',
  'client-ec2': 'EC2Client',
  'client-eventbridge': 'EventBridgeClient',
  'client-imagebuilder': 'ImagebuilderClient',
  'client-scheduler': 'SchedulerClient',
  'client-secrets-manager': 'SecretsManagerClient',
  'client-sns': 'SNSClient',
  'client-sqs': 'SQSClient',
  'client-ssm': 'SSMClient',
};

/**
 * An ES module that loads exactly the clients and commands of `operations` (IAM actions) and
 * nothing else: a function's cold-start floor. DynamoDB calls go through lib-dynamodb's document
 * client, as the functions make them.
 */
export const floorModule = (operations: readonly string[]): string => {
  const byPackage = new Map<string, string[]>();
  const add = (pkg: string, ...names: string[]) =>
    byPackage.set(pkg, [...new Set([...(byPackage.get(pkg) ?? []), ...names])]);
  for (const action of operations) {
    const [prefix = '', operation = ''] = action.split(':');
    const pkg = Object.keys(IAM_PREFIX).find((p) => IAM_PREFIX[p] === prefix);
    if (!pkg) throw new Error(`no SDK client known for ${action}`);
    const clientClass = CLIENT_CLASS[pkg] ?? '';
    if (pkg === 'client-dynamodb') {
      const document = Object.keys(DOCUMENT_COMMANDS).find((c) => DOCUMENT_COMMANDS[c] === operation);
      if (!document) throw new Error(`no lib-dynamodb command known for ${action}`);
      add(pkg, clientClass);
      add('lib-dynamodb', 'DynamoDBDocumentClient', `${document}Command`);
    } else {
      add(pkg, clientClass, `${operation}Command`);
    }
  }
  const imports = [...byPackage].map(
    ([pkg, names]) => `import { ${names.join(', ')} } from '@aws-sdk/${pkg}';`,
  );
  const all = [...byPackage.values()].flat();
  return `${imports.join('\n')}\nexport const floor = [${all.join(', ')}];\n`;
};
