/**
 * The AWS API operations this function calls, as IAM actions: its role grants exactly these (plus
 * what they imply, see test/infra/api-operations.test.ts), and that test checks the list against
 * the SDK commands compiled into the bundle. A new call goes here first.
 */
export const API_OPERATIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:ResumeProcesses',
  'autoscaling:SuspendProcesses',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'ec2:DescribeInstances',
  'events:PutEvents',
  'scheduler:CreateSchedule',
  'ssm:ListCommands',
  'ssm:SendCommand',
] as const;
