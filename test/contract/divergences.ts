/**
 * Where moto 5.2 is not AWS, in one list. A contract test whose AWS behaviour moto does not have
 * runs only against the fake (which carries AWS's documented behaviour) and names its entry here,
 * so a reader sees every rule the emulator cannot check for us.
 */
export const MOTO_DIVERGENCES = {
  'dynamodb-unused-values':
    'DynamoDB: moto refuses unused ExpressionAttributeValues only on UpdateItem; AWS refuses them on every operation (DynamoDB developer guide, "ExpressionAttributeValues").',
  'ssm-send-command-unchecked':
    'SSM: moto accepts every SendCommand (unknown documents, unknown or missing parameters, values outside allowedPattern); AWS checks every parameter against the document and answers InvalidParameters or InvalidDocument (SendCommand API reference).',
  'ssm-command-outcome':
    'SSM: moto marks every command Success at once, with no output and no status events; on AWS a command is Pending or InProgress until the instance reports, and GetCommandInvocation returns its output (first 24,000 characters).',
  'ssm-list-commands-document-filter':
    "SSM: moto ignores ListCommands' DocumentName filter and lists every command of the instance; AWS lists only that document's commands.",
} as const;

export type MotoDivergence = keyof typeof MOTO_DIVERGENCES;
