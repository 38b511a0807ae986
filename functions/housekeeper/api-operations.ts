/**
 * The AWS API operations this function calls, as IAM actions: its role grants exactly these (plus
 * what they imply, see test/infra/api-operations.test.ts), and that test checks the list against
 * the SDK commands compiled into the bundle. A new call goes here first.
 */
export const API_OPERATIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'dynamodb:Query',
  'ec2:DeleteLaunchTemplateVersions',
  'ec2:DeleteSnapshot',
  'ec2:DeregisterImage',
  'ec2:DescribeImages',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:DescribeLaunchTemplates',
] as const;
