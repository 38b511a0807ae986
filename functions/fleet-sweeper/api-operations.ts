/**
 * The AWS API operations this function calls, as IAM actions: its role grants exactly these (plus
 * what they imply, see test/infra/api-operations.test.ts), and that test checks the list against
 * the SDK commands compiled into the bundle. A new call goes here first.
 */
export const API_OPERATIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeScalingActivities',
  'cloudwatch:GetMetricData',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplates',
  'ec2:TerminateInstances',
  'ssm:DescribeInstanceInformation',
  'ssm:GetParameter',
  'ssm:ListCommandInvocations',
  'ssm:ListCommands',
  'ssm:SendCommand',
] as const;
