/**
 * Where moto 5.2 is not AWS, in one list. A contract test whose AWS behaviour moto does not have
 * runs only against the fake (which carries AWS's documented behaviour) and names its entry here,
 * so a reader sees every rule the emulator cannot check for us.
 */
export const MOTO_DIVERGENCES = {
  'dynamodb-unused-values':
    'DynamoDB: moto refuses unused ExpressionAttributeValues only on UpdateItem; AWS refuses them on every operation (DynamoDB developer guide, "ExpressionAttributeValues").',
  'ec2-source-version':
    'EC2: moto ignores CreateLaunchTemplateVersion SourceVersion (the version holds only the data sent, and a missing source version is accepted); AWS copies every setting of the source and overrides only what LaunchTemplateData names (EC2 API reference, CreateLaunchTemplateVersion).',
  'ec2-version-client-token':
    'EC2: moto ignores CreateLaunchTemplateVersion ClientToken (a repeat makes another version); AWS returns the version the token made (EC2 API reference, "Ensuring idempotency").',
  'ec2-run-client-token':
    'EC2: moto ignores RunInstances ClientToken (a repeat launches another instance); AWS returns the instance the token launched (EC2 API reference, "Ensuring idempotency").',
  'ec2-run-missing-template':
    'EC2: moto answers RunInstances from a launch template that does not exist with HTTP 500; AWS refuses it with InvalidLaunchTemplateId.NotFound.',
  'ec2-describe-instances-pages':
    'EC2: moto ignores DescribeInstances MaxResults and returns every instance in one page; AWS pages (MaxResults 5-1000, NextToken).',
  'autoscaling-suspend-not-enforced':
    'Auto Scaling: moto records SuspendProcesses but launches anyway; AWS launches no replacement while Launch is suspended (Auto Scaling user guide, "Suspend and resume processes").',
  'autoscaling-instance-not-in-group':
    'Auto Scaling: moto answers TerminateInstanceInAutoScalingGroup for an instance in no group (never in one, or terminated and gone from it) with HTTP 500; AWS refuses it with ValidationError "Instance Id not found - No managed instance found for instance ID".',
  'autoscaling-maintenance-policy-not-kept':
    'Auto Scaling: moto ignores CreateAutoScalingGroup InstanceMaintenancePolicy and DescribeAutoScalingGroups reports none; AWS keeps and reports it (Auto Scaling API reference, InstanceMaintenancePolicy).',
  'autoscaling-warm-pool-missing-group':
    'Auto Scaling: moto answers DescribeWarmPool for a group that does not exist with HTTP 500; AWS refuses it with ValidationError.',
  'eventbridge-missing-bus':
    'EventBridge: moto refuses PutEvents to a bus that does not exist (ResourceNotFoundException, whole call); AWS answers with an event id and drops the event (aws/aws-sdk#186, aws/aws-cli#9186).',
  'eventbridge-request-size':
    'EventBridge: moto accepts PutEvents entries of any size; AWS refuses a request whose entries total 256 KB or more with ValidationException (EventBridge user guide, "Calculating PutEvents event entry size").',
  'eventbridge-empty-request':
    'EventBridge: moto accepts PutEvents with no entries; AWS requires 1-10 (EventBridge API reference, PutEvents).',
  'autoscaling-latest-version-number':
    'Auto Scaling: a moto group on $Latest launches the latest version but reports the default version number (the instance LaunchTemplate.Version and its aws:ec2launchtemplate:version tag); AWS reports the version it launched.',
  'dynamodb-undefined-placeholder':
    'DynamoDB: an expression using a #name or :value the request does not declare makes moto fail with HTTP 500 (an HTML page the SDK cannot parse); AWS answers ValidationException ("An expression attribute name used in the document path is not defined").',
  'dynamodb-mixed-type-comparison':
    'DynamoDB: a condition ordering (<, <=, >, >=) a string against a number makes moto fail with HTTP 500; AWS evaluates it to false, so the request fails with ConditionalCheckFailedException.',
  'ssm-send-command-unchecked':
    'SSM: moto accepts every SendCommand (unknown documents, unknown or missing parameters, values outside allowedPattern); AWS checks every parameter against the document and answers InvalidParameters or InvalidDocument (SendCommand API reference).',
  'ssm-command-outcome':
    'SSM: moto marks every command Success at once, with no output and no status events; on AWS a command is Pending or InProgress until the instance reports, and GetCommandInvocation returns its output (first 24,000 characters).',
  'ssm-list-commands-document-filter':
    "SSM: moto ignores ListCommands' DocumentName filter and lists every command of the instance; AWS lists only that document's commands.",
  'scheduler-unvalidated':
    'EventBridge Scheduler: moto validates no schedule name, expression or ActionAfterCompletion, and answers a missing group with HTTP 500; AWS refuses a name outside 1-64 characters of [0-9a-zA-Z-_.] with ValidationException (Scheduler API reference, CreateSchedule).',
  'ec2-status-checks':
    'EC2: moto ignores the instance-status.status and system-status.status filters of DescribeInstanceStatus (it lists every running instance) and offers no way to fail a check; AWS lists only the instances whose check matches, an impaired one with its ImpairedSince (EC2 API reference, DescribeInstanceStatus).',
  'ssm-list-command-invocations':
    'SSM: moto answers ListCommandInvocations (Details true) for a command sent to two instances with HTTP 500, an HTML page the SDK cannot parse; AWS lists one invocation per instance with its plugin output (SSM API reference, ListCommandInvocations).',
  'autoscaling-scaling-activities':
    "Auto Scaling: moto's DescribeScalingActivities does not list a group's launches; AWS lists one activity per launch and termination, newest first, its Description naming the instance (Auto Scaling API reference, DescribeScalingActivities).",
  'cloudwatch-no-ec2-metrics':
    'CloudWatch: moto publishes no AWS/EC2 metrics for its instances, so GetMetricData finds no CPUUtilization or NetworkIn/Out; AWS publishes them every 5 minutes (basic monitoring).',
  'sns-subject-rules':
    'SNS: moto accepts a Publish subject of exactly 100 characters and one with line breaks or non-ASCII characters (it checks only "more than 100"); AWS requires ASCII text under 100 characters with no line breaks or control characters (SNS API reference, Publish Subject).',
  'ec2-delete-launch-template-versions':
    'EC2: moto 5.2 has no DeleteLaunchTemplateVersions; AWS deletes each version or refuses it in UnsuccessfullyDeletedLaunchTemplateVersions (never the default version, launchTemplateVersionDoesNotExist for one that is gone) (EC2 API reference, DeleteLaunchTemplateVersions).',
} as const;

export type MotoDivergence = keyof typeof MOTO_DIVERGENCES;
