/**
 * What the rollout engine's steps (functions/shared/rollout/) may call: every function that
 * advances a rollout compiles all of these. See a function's own `api-operations.ts`.
 */
export const ADVANCE_OPERATIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:ResumeProcesses',
  'autoscaling:SuspendProcesses',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
  'cloudwatch:DescribeAlarms',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplates',
  'ec2:ModifyLaunchTemplate',
  'ec2:RunInstances',
  'ec2:TerminateInstances',
  'events:PutEvents',
  'scheduler:CreateSchedule',
  'ssm:DescribeInstanceInformation',
  'ssm:GetCommandInvocation',
  'ssm:ListCommands',
  'ssm:SendCommand',
] as const;
