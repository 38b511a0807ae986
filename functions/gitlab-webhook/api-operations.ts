/**
 * The AWS API operations this function calls, as IAM actions: its role grants exactly these (plus
 * what they imply, see test/infra/api-operations.test.ts), and that test checks the list against
 * the SDK commands compiled into the bundle. A new call goes here first.
 */
export const API_OPERATIONS = [
  'events:PutEvents',
  'secretsmanager:GetSecretValue',
  'sns:Publish',
  'ssm:GetParameter',
] as const;
