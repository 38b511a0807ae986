/**
 * The AWS API operations this function calls, as IAM actions: its role grants exactly these (plus
 * what they imply, see test/infra/api-operations.test.ts), and that test checks the list against
 * the SDK commands compiled into the bundle. A new call goes here first.
 */
export const API_OPERATIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeWarmPool',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'ec2:CreateLaunchTemplateVersion',
  'ec2:DescribeLaunchTemplates',
  'ec2:RunInstances',
  'events:PutEvents',
  'scheduler:CreateSchedule',
] as const;
