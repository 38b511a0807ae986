/**
 * The AWS API operations this function calls, as IAM actions: its role grants exactly these (plus
 * what they imply, see test/infra/api-operations.test.ts), and that test checks the list against
 * the SDK commands compiled into the bundle. A new call goes here first.
 */

/** Restore the default; drain and replace a manager already running the candidate (`ports.ts`). */
export const API_OPERATIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:ResumeProcesses',
  'autoscaling:SuspendProcesses',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplates',
  'ec2:ModifyLaunchTemplate',
  'events:PutEvents',
  'scheduler:CreateSchedule',
  'ssm:ListCommands',
  'ssm:SendCommand',
] as const;
